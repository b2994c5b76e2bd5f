"""hairmeta init, --workspace, HAIRMETA_HOME and --data-dir: every command reads and writes the
clinician's own tables; the shipped ones are never written (issue 12)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest
from tablecopies import TABLES, edit, new_row

from hairmeta.evidence.cli import app
from hairmeta.evidence.paths import shipped_dir
from hairmeta.evidence.tables.load import load_outcomes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def shipped_untouched():
    def digest():
        return {n: hashlib.sha256((shipped_dir() / n).read_bytes()).hexdigest() for n in TABLES}

    before = digest()
    yield
    assert digest() == before


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("HAIRMETA_HOME", str(folder))
    return folder


@pytest.fixture
def new_rows(tmp_path) -> Path:
    source = tmp_path / "new.csv"
    pd.DataFrame([new_row()]).to_csv(source, index=False)
    return source


def test_init_creates_the_workspace_with_tables_protocol_and_library(runner, tmp_path):
    target = tmp_path / "review"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.stderr
    assert {"studies.csv", "arms.csv", "outcomes.csv", "published_meta_analyses.csv", "protocol.toml"} <= {
        p.name for p in target.iterdir()
    }
    assert (target / "library.sqlite").is_file()
    assert "--workspace" in result.stderr
    again = runner.invoke(app, ["init", str(target), "-f", "json"])
    assert again.exit_code == 0 and '"copied": []' in again.stdout


def test_first_outcomes_add_creates_the_workspace_and_writes_there(runner, home, new_rows):
    result = runner.invoke(app, ["outcomes", "add", "--from", str(new_rows)])
    assert result.exit_code == 0, result.stderr
    assert f"created the review workspace {home}" in result.stderr
    assert load_outcomes(home / "outcomes.csv")["outcome_id"].iloc[-1] == "wan2025-04"
    listed = runner.invoke(app, ["outcomes", "list", "--study", "wan2025", "-f", "csv"])
    assert "wan2025-04" in listed.stdout  # later commands read the workspace


def test_outcomes_add_to_a_folder_without_tables_is_an_error_and_writes_nothing(runner, tmp_path, new_rows):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["outcomes", "add", "--from", str(new_rows), "--data-dir", str(empty)])
    assert result.exit_code == 1
    assert "studies.csv, arms.csv, outcomes.csv, published_meta_analyses.csv missing" in result.stderr
    assert list(empty.iterdir()) == []


def test_outcomes_add_never_writes_the_shipped_file(runner, new_rows):
    target = shipped_dir() / "outcomes.csv"
    result = runner.invoke(app, ["outcomes", "add", "--from", str(new_rows), "--file", str(target)])
    assert result.exit_code == 1 and "never written" in result.stderr


def _broken_copy(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    for name in TABLES:
        shutil.copy(shipped_dir() / name, folder / name)
    edit(folder / "outcomes.csv", "outcome_id", load_outcomes(folder / "outcomes.csv")["outcome_id"].iloc[0], n="many")
    return folder


TABLE_READERS = {
    "summary": ["summary"],
    "compare": ["compare", "hassan2024"],
    "report": ["report", "-o", "{tmp}/r.md"],
    "pool": ["pool", "--outcome", "hair_density", "--comparison", "placebo"],
    "outcomes check": ["outcomes", "check"],
    "outcomes list": ["outcomes", "list"],
}


@pytest.mark.parametrize("name", sorted(TABLE_READERS))
def test_every_table_reader_honours_data_dir(runner, tmp_path, name):
    broken = _broken_copy(tmp_path / "mine")
    args = [a.replace("{tmp}", str(tmp_path)) for a in TABLE_READERS[name]]
    result = runner.invoke(app, [*args, "--data-dir", str(broken)])
    assert result.exit_code == 1
    assert str(broken / "outcomes.csv") in result.output + result.stderr


@pytest.mark.parametrize("name", sorted(TABLE_READERS))
def test_every_table_reader_reads_the_workspace(runner, tmp_path, home, name):
    _broken_copy(home)
    args = [a.replace("{tmp}", str(tmp_path)) for a in TABLE_READERS[name]]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert str(home / "outcomes.csv") in result.output + result.stderr


@pytest.mark.parametrize("name", sorted(TABLE_READERS))
def test_every_table_reader_refuses_a_folder_without_tables(runner, tmp_path, name):
    args = [a.replace("{tmp}", str(tmp_path)) for a in TABLE_READERS[name]]
    result = runner.invoke(app, [*args, "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "missing" in result.stderr and "Traceback" not in result.output


def test_an_explicit_workspace_holds_the_library(runner, tmp_path):
    target = tmp_path / "review"
    assert runner.invoke(app, ["init", str(target)]).exit_code == 0
    sample = ROOT / "tests" / "data" / "files" / "sample.csv"
    result = runner.invoke(app, ["--workspace", str(target), "import", str(sample), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    listed = runner.invoke(app, ["records", "--db", str(target / "library.sqlite"), "-f", "csv"])
    assert listed.stdout.count("\n") > 2


def test_an_explicit_workspace_that_is_not_one_is_an_error(runner, tmp_path):
    result = runner.invoke(app, ["--workspace", str(tmp_path / "nope"), "summary"])
    assert result.exit_code == 1
    assert "hairmeta init" in result.stderr


def test_a_file_argument_takes_its_sibling_tables_not_the_workspace(runner, tmp_path, home):
    _broken_copy(home)
    good = tmp_path / "good"
    good.mkdir()
    for name in TABLES:
        shutil.copy(shipped_dir() / name, good / name)
    result = runner.invoke(app, ["outcomes", "check", str(good / "outcomes.csv")])
    assert result.exit_code == 0, result.stdout
