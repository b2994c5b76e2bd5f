"""Interactive entry of an outcome row: each field checked as typed (arms against arms.csv), a row
the table check rejects corrected field by field, nothing typed thrown away (issue 12)."""

from __future__ import annotations

import shutil

import pytest
from tablecopies import TABLES, new_row

from hairmeta.evidence.paths import shipped_dir
from hairmeta.evidence.tables.check import check_tables
from hairmeta.evidence.tables.edit import (
    PROMPT_FIELDS,
    append_outcomes,
    arm_index,
    correct_row,
    enter_row,
    validate_field,
)


@pytest.fixture
def tables(tmp_path):
    for name in TABLES:
        shutil.copy(shipped_dir() / name, tmp_path / name)
    return tmp_path


def scripted(answers: list[str]):
    asked = []

    def ask(column, hint):
        asked.append(column)
        return answers.pop(0)

    return ask, asked


def test_arm_role_and_family_are_checked_against_arms_csv(tables):
    arms = arm_index(tables / "arms.csv")
    row = {"study_id": "wan2025"}
    assert validate_field("arm", "exosome-b", None, row, arms).startswith("not an arm of wan2025")
    assert validate_field("arm", "exosome", None, row, arms) is None
    row["arm"] = "exosome"
    assert "arms.csv gives 'single'" in validate_field("arm_role", "control", None, row, arms)
    assert validate_field("arm_role", "single", None, row, arms) is None
    # a study without arms in arms.csv: any arm name
    assert validate_field("arm", "anything", None, {"study_id": "no-arms-study"}, arms) is None


def test_enter_row_keeps_the_typing_and_asks_only_the_field_to_correct(tables):
    row = {k: str(new_row().get(k, "")) for k in PROMPT_FIELDS}
    answers = [row[k] for k in PROMPT_FIELDS]
    answers[PROMPT_FIELDS.index("change_mean")] = "99"  # not in the quote
    ask, asked = scripted(answers + ["", "35"])  # Enter = the first problem's field, then its value
    messages = []
    entered = enter_row(ask, tables / "outcomes.csv", messages.append)
    assert entered["change_mean"] == "35" and entered["quote"] == row["quote"]
    assert asked[len(PROMPT_FIELDS) :] == ["field to correct", "change_mean"]
    assert any(m.startswith("change_mean: 99 does not appear in the quote") for m in messages)
    assert not any(str(tables) in m for m in messages)  # no file line named for a row in no file
    before = len(
        check_tables(*(tables / n for n in ("studies.csv", "outcomes.csv", "arms.csv", "published_meta_analyses.csv")))
    )
    assert append_outcomes([entered], tables / "outcomes.csv") == 1
    after = check_tables(
        *(tables / n for n in ("studies.csv", "outcomes.csv", "arms.csv", "published_meta_analyses.csv"))
    )
    assert not [p for p in after if p.level == "error"] and len(after) >= before


def test_correct_row_can_change_another_field_keep_empty_or_give_up():
    def problems_of(row):
        from hairmeta.evidence.tables.check import Problem

        return [] if row["notes"] == "fixed" else [Problem("x", 2, "n", "needs notes fixed")]

    row = {k: "" for k in PROMPT_FIELDS} | {"n": "16", "notes": "old"}
    ask, asked = scripted(["notes", "fixed"])
    assert correct_row(ask, row, problems_of)["notes"] == "fixed"
    ask, _ = scripted(["notes", "", "notes", "-", "q"])  # Enter keeps, - empties, q gives up
    assert correct_row(ask, row, problems_of) is None
    ask, _ = scripted(["nonsense", "notes", "fixed"])
    messages = []
    assert correct_row(ask, row, problems_of, messages.append)["notes"] == "fixed"
    assert any(m.startswith("nonsense: not a field") for m in messages)
