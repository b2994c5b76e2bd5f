"""``hairmeta outcomes check|list|add`` on private copies of the shipped tables.

Oracle: hand-made broken tables and hand-written expected lines; the shipped data/ files are
hashed before and after to prove no test writes to them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import typer
from tablecopies import TABLES, edit, new_row

from hairmeta.cli import app
from hairmeta.evidence.paths import data_dir
from hairmeta.evidence.tables.edit import PROMPT_FIELDS
from hairmeta.evidence.tables.load import load_outcomes
from hairmeta.evidence.tables.vocab import DESIGNS


@pytest.fixture
def tables(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name in TABLES:
        shutil.copy(data_dir() / name, folder / name)
    return folder


@pytest.fixture(autouse=True)
def shipped_untouched():
    def digest():
        return {n: hashlib.sha256((data_dir() / n).read_bytes()).hexdigest() for n in TABLES}

    before = digest()
    yield
    assert digest() == before


def answers_for(row: dict) -> str:
    return "".join(f"{row.get(column, '')}\n" for column in PROMPT_FIELDS)


def test_check_shipped_tables_exits_0_with_warnings_only(runner):
    result = runner.invoke(app, ["outcomes", "check"])
    assert result.exit_code == 0, result.output
    assert all(": warning: " in line for line in result.stdout.splitlines())
    assert result.stderr.startswith("0 error(s), ")


def test_check_broken_copy_prints_the_exact_line_and_exits_1(runner, tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "clindermrev2023-01", events="40")
    result = runner.invoke(app, ["outcomes", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{line}:events: impossible value: events 40 > n 32" in result.stdout.splitlines()
    assert "Traceback" not in result.output
    assert result.stderr.startswith("2 error(s)")  # the count and its quote rule


def test_check_json_lists_problems(runner, tables):
    edit(tables / "studies.csv", "study_id", "alves2016", design="rct")
    result = runner.invoke(app, ["outcomes", "check", "--data-dir", str(tables), "--format", "json"])
    assert result.exit_code == 1
    errors = [p for p in json.loads(result.stdout) if p["level"] == "error"]
    assert errors == [
        {
            "file": str(tables / "studies.csv"),
            "row": 3,
            "column": "design",
            "level": "error",
            "message": "'rct' is not one of: " + ", ".join(DESIGNS),
        }
    ]


def test_check_missing_file_is_a_one_line_error(runner, tmp_path):
    result = runner.invoke(app, ["outcomes", "check", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {tmp_path / 'nope.csv'}: file not found"


def test_list_study_json(runner):
    result = runner.invoke(app, ["outcomes", "list", "--study", "shapiro2020", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["mean"] for r in rows] == [151.0, 170.96, 151.04, 166.72]
    assert rows[0]["quote"].startswith("Two 7.6-cm")


def test_list_hassan_says_not_reported(runner):
    result = runner.invoke(app, ["outcomes", "list", "--study", "hassan2024", "--format", "csv"])
    frame = pd.read_csv(__import__("io").StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert list(frame["not_reported"]) == ["all", "all"] and (frame["mean"] == "").all()


def test_list_table_and_unknown_study(runner):
    assert runner.invoke(app, ["outcomes", "list", "--outcome", "salt_score"]).exit_code == 0
    result = runner.invoke(app, ["outcomes", "list", "--study", "nobody1999"])
    assert result.exit_code == 1 and result.stderr.startswith("Error: unknown study 'nobody1999'; valid: ")


def test_add_from_file_appends_to_the_copy(runner, tables, tmp_path):
    source = tmp_path / "new.csv"
    pd.DataFrame([new_row()]).to_csv(source, index=False)
    result = runner.invoke(app, ["outcomes", "add", "--from", str(source), "--data-dir", str(tables)])
    assert result.exit_code == 0, result.output
    assert load_outcomes(tables / "outcomes.csv")["outcome_id"].iloc[-1] == "wan2025-04"


def test_add_from_bad_file_names_its_line_and_writes_nothing(runner, tables, tmp_path):
    before = (tables / "outcomes.csv").read_bytes()
    source = tmp_path / "new.csv"
    pd.DataFrame([new_row(), new_row(p_value=1.5, quote="p = 1.5")]).to_csv(source, index=False)
    result = runner.invoke(app, ["outcomes", "add", "--from", str(source), "--file", str(tables / "outcomes.csv")])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(
        f"Error: {source}:3:p_value: impossible value 1.5: a p-value lies in (0, 1]"
    )
    assert (tables / "outcomes.csv").read_bytes() == before


def test_add_interactive_appends_after_confirmation(runner, tables):
    row = new_row()
    text = answers_for({**row, "n": "many"}).replace("many\n", "many\n16\n", 1) + "y\n"
    result = runner.invoke(app, ["outcomes", "add", "--data-dir", str(tables)], input=text)
    assert result.exit_code == 0, result.output
    added = load_outcomes(tables / "outcomes.csv").iloc[-1]
    assert (added["outcome_id"], added["n"], added["change_sd"]) == ("wan2025-04", 16.0, 6.5)
    assert "n: not a number" in result.stderr


def test_add_interactive_declined_writes_nothing(runner, tables):
    before = (tables / "outcomes.csv").read_bytes()
    result = runner.invoke(app, ["outcomes", "add", "--data-dir", str(tables)], input=answers_for(new_row()) + "n\n")
    assert result.exit_code == 1 and "nothing written" in result.stderr
    assert (tables / "outcomes.csv").read_bytes() == before


def test_add_interactive_input_ends_early_writes_nothing(runner, tables):
    before = (tables / "outcomes.csv").read_bytes()
    result = runner.invoke(app, ["outcomes", "add", "--data-dir", str(tables)], input="wan2025\nexosome\n")
    assert result.exit_code != 0
    assert (tables / "outcomes.csv").read_bytes() == before


def test_add_interactive_ctrl_c_writes_nothing(runner, tables, monkeypatch):
    before = (tables / "outcomes.csv").read_bytes()
    calls = []

    def prompt(text, **kwargs):
        calls.append(text)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return str(new_row().get(text.split(" ")[0], ""))

    monkeypatch.setattr(typer, "prompt", prompt)
    result = runner.invoke(app, ["outcomes", "add", "--data-dir", str(tables)])
    assert result.exit_code == 130
    assert "nothing half-written" in result.stderr and "Traceback" not in result.output
    assert (tables / "outcomes.csv").read_bytes() == before


def test_help_for_every_outcomes_command(runner):
    for command in ("check", "list", "add"):
        result = runner.invoke(app, ["outcomes", command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.stdout


def test_add_interactive_row_failing_the_table_check_keeps_the_typing_and_asks_for_the_field(runner, tables):
    before = (tables / "outcomes.csv").read_bytes()
    typed = answers_for(new_row(change_mean=99))
    # the check fails at change_mean: the row is kept and the field asked again; input ends -> nothing written
    result = runner.invoke(app, ["outcomes", "add", "--data-dir", str(tables)], input=typed)
    assert result.exit_code == 1
    assert "change_mean: 99 does not appear in the quote (quote it, or name the column in derivation)" in result.stderr
    assert f"{tables / 'outcomes.csv'}:" not in result.stderr  # no line that does not exist is named
    assert (tables / "outcomes.csv").read_bytes() == before
    # Enter picks the field of the first problem, 35 corrects it, y appends
    result = runner.invoke(app, ["outcomes", "add", "--data-dir", str(tables)], input=typed + "\n35\ny\n")
    assert result.exit_code == 0, result.stderr
    added = load_outcomes(tables / "outcomes.csv").iloc[-1]
    assert (added["change_mean"], added["n"]) == (35.0, 16.0)


def test_add_interactive_arm_not_listed_for_the_study_is_refused_at_the_field(runner, tables):
    typed = answers_for(new_row()).replace("\nexosome\n", "\nexosome-b\nexosome\n", 1) + "y\n"
    result = runner.invoke(app, ["outcomes", "add", "--data-dir", str(tables)], input=typed)
    assert result.exit_code == 0, result.stderr
    assert "arm: not an arm of wan2025 in arms.csv; its arms: exosome" in result.stderr
    assert load_outcomes(tables / "outcomes.csv").iloc[-1]["arm"] == "exosome"


def test_add_interactive_give_up_writes_nothing(runner, tables):
    before = (tables / "outcomes.csv").read_bytes()
    typed = answers_for(new_row(change_mean=99)) + "q\n"
    result = runner.invoke(app, ["outcomes", "add", "--data-dir", str(tables)], input=typed)
    assert result.exit_code == 1 and "nothing written" in result.stderr
    assert (tables / "outcomes.csv").read_bytes() == before


def test_add_from_file_refuses_what_check_would_reject(runner, tables, tmp_path):
    before = (tables / "outcomes.csv").read_bytes()
    source = tmp_path / "new.csv"
    pd.DataFrame([new_row(), new_row(arm="exosome-b")]).to_csv(source, index=False)
    result = runner.invoke(app, ["outcomes", "add", "--from", str(source), "--data-dir", str(tables)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {source}:3:arm: arm 'exosome-b' is not an arm of wan2025")
    assert (tables / "outcomes.csv").read_bytes() == before
    assert runner.invoke(app, ["outcomes", "check", "--data-dir", str(tables)]).exit_code == 0


def test_list_says_when_a_study_has_no_numbers(runner):
    result = runner.invoke(app, ["outcomes", "list", "--study", "hassan2024"])
    assert result.exit_code == 0
    assert "hassan2024-01: no numbers (not_reported=all): The abstract names the outcome 'condition scores'" in (
        result.stderr
    )
