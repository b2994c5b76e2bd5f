"""hairmeta.evidence.tables: loaders, the table checks (one broken copy per rule → the exact line),
listing, atomic appending and field-by-field row coding.

Oracle: hand-made broken copies of the shipped tables; the expected lines are written out by hand.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from tablecopies import TABLES, edit, new_row

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.paths import data_dir
from hairmeta.evidence.tables.check import check_files, derived_columns, number_in_quote
from hairmeta.evidence.tables.edit import (
    PROMPT_FIELDS,
    append_outcomes,
    check_new_rows,
    prompt_row,
    read_new_rows,
    validate_field,
)
from hairmeta.evidence.tables.load import (
    list_outcomes,
    load_arms,
    load_meta_analyses,
    load_outcomes,
    load_studies,
    parse_number,
    table_kind,
    table_paths,
)
from hairmeta.evidence.tables.vocab import OUTCOME_COLUMNS, OUTCOME_NUMERIC, OUTCOME_STATS


@pytest.fixture
def tables(tmp_path) -> Path:
    """A private copy of the four shipped tables (tests never touch data/)."""
    for name in TABLES:
        shutil.copy(data_dir() / name, tmp_path / name)
    return tmp_path


def lines(folder: Path) -> list[str]:
    return [str(p) for p in check_files(data_dir=folder)]


def error_lines(folder: Path) -> list[str]:
    return [str(p) for p in check_files(data_dir=folder) if p.level == "error"]


# ----------------------------------------------------------------------------- numbers in quotes


@pytest.mark.parametrize(
    "value, quote",
    [
        (0.8, "95% CI: 0.35–0.80"),
        (0.0004, "p < .0004"),
        (1569, "42 studies, 1,569 cases"),
        (25, "Twenty-five healthy male patients"),
        (54, "Fifty four male patients"),
        (125, "One hundred twenty-five patients"),
        (2.04, "MD =−2.04"),
        (1, "one session"),
    ],
)
def test_number_in_quote_accepts_formatting_variants(value, quote):
    assert number_in_quote(value, quote)


@pytest.mark.parametrize("value, quote", [(0.8, "0.08 and 8"), (151.0, "15.1 ± 39.82"), (26, "Twenty-five")])
def test_number_in_quote_rejects_other_numbers(value, quote):
    assert not number_in_quote(value, quote)


def test_derived_columns_reads_column_names_before_colons():
    assert derived_columns("events: 12.5% x 16 = 2; n: 23 - 3") == {"events", "n"}
    assert derived_columns("") == set()


# ----------------------------------------------------------------------------- loaders


def test_loaders_type_numeric_columns_as_float_and_text_as_str():
    frame = load_outcomes()
    for column in OUTCOME_NUMERIC:
        assert frame[column].dtype == float
    assert frame["quote"].map(type).eq(str).all()
    assert list(frame.columns) == list(OUTCOME_COLUMNS)
    assert load_studies()["n_total"].dtype == float
    assert load_arms()["n"].dtype == float
    assert load_meta_analyses()["estimate"].dtype == float


def test_loader_empty_cell_is_nan_not_zero():
    frame = load_outcomes()
    hassan = frame[frame["study_id"] == "hassan2024"]
    assert hassan[list(OUTCOME_STATS)].isna().all().all()


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(DataError) as info:
        load_outcomes(tmp_path / "nope.csv")
    assert str(info.value) == f"{tmp_path / 'nope.csv'}: file not found"


def test_missing_column_names_file_line_1_and_column(tables):
    path = tables / "studies.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["design"])
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        load_studies(path)
    assert str(info.value) == f"{path}:1:design: missing column"


def test_unparsable_number_names_file_row_and_column(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "shapiro2020-02", sd="37,14")
    with pytest.raises(DataError) as info:
        load_outcomes(path)
    assert str(info.value) == f"{path}:{line}:sd: not a number: '37,14'"


# ----------------------------------------------------------------------------- check rules


def test_shipped_copy_has_no_errors(tables):
    assert error_lines(tables) == []


def test_unknown_study_id_in_outcomes(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "shapiro2020-01", study_id="nosuch2099", outcome_id="nosuch2099-01")
    assert f"{path}:{line}:study_id: unknown study id 'nosuch2099' (not in studies.csv)" in lines(tables)


def test_unknown_study_id_in_arms(tables):
    path = tables / "arms.csv"
    line = edit(path, "study_id", "kapoor2020", study_id="kapoor2021")
    assert f"{path}:{line}:study_id: unknown study id 'kapoor2021' (not in studies.csv)" in lines(tables)


def test_duplicate_study_id(tables):
    path = tables / "studies.csv"
    line = edit(path, "study_id", "alves2016", study_id="hassan2024")
    assert f"{path}:{line}:study_id: duplicate id 'hassan2024' (first on line 2)" in lines(tables)


def test_negative_sd(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "shapiro2020-02", sd="-37.14")
    assert f"{path}:{line}:sd: impossible value -37.14: must not be negative" in lines(tables)


def test_negative_n(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "shapiro2020-02", n="-35")
    assert f"{path}:{line}:n: impossible value -35: must not be negative" in lines(tables)


def test_events_greater_than_n(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "borhan2015-01", n="10")
    assert f"{path}:{line}:events: impossible value: events 11 > n 10" in lines(tables)


def test_ci_not_containing_the_mean(tables):
    path = tables / "outcomes.csv"
    line = edit(
        path, "outcome_id", "shapiro2020-02", ci_low="100", ci_high="151", derivation="ci_low: test; ci_high: test"
    )
    assert f"{path}:{line}:ci_low: CI [100, 151] does not contain the estimate (mean 170.96)" in lines(tables)


def test_p_outside_zero_one(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "kelleci2023-02", p_value="1.5", derivation="p_value: test")
    assert f"{path}:{line}:p_value: impossible value 1.5: a p-value lies in (0, 1]" in lines(tables)
    line = edit(path, "outcome_id", "kelleci2023-02", p_value="0")
    assert f"{path}:{line}:p_value: impossible value 0: a p-value lies in (0, 1]" in lines(tables)


def test_median_outside_quartiles(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "amini2025-01", q1="10", q3="20", not_reported="n", derivation="q1: test; q3: test")
    assert f"{path}:{line}:median: impossible value: q1 10 > median 9.5" in lines(tables)


def test_median_outside_range(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "amini2025-01", min="0", max="5", derivation="max: test")
    assert f"{path}:{line}:max: impossible value: median 9.5 > max 5" in lines(tables)


def test_vocabulary_violation(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "shapiro2020-01", outcome="hair_volume")
    assert any(
        l.startswith(f"{path}:{line}:outcome: 'hair_volume' is not one of: hair_density, ") for l in lines(tables)
    )


def test_unit_mismatch_within_a_study_is_an_error(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "shapiro2020-02", unit="hairs/0.65cm2")
    assert (
        f"{path}:{line}:unit: unit 'hairs/0.65cm2' differs from 'hairs/cm2' used for "
        "hair_density elsewhere in study shapiro2020"
    ) in error_lines(tables)


def test_unit_mismatch_across_studies_is_a_warning(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "kelleci2023-01", unit="points")
    edit(path, "outcome_id", "kelleci2023-02", unit="points")
    problems = [p for p in check_files(data_dir=tables) if p.row == line and p.column == "unit"]
    assert [str(p) for p in problems] == [
        f"{path}:{line}:unit: warning: salt_score in 'points' while most rows use 'SALT points': "
        "do not pool without converting"
    ]
    assert problems[0].level == "warning"


def test_missing_provenance(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "shapiro2020-01", quote="")
    found = lines(tables)
    assert (f"{path}:{line}:quote: missing provenance: every row needs source, location, quote and coder") in found
    assert f"{path}:{line}:mean: 151 does not appear in the quote (quote it, or name the column in derivation)" in found


def test_number_not_in_quote(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "wan2025-01", change_mean="41")
    assert (
        f"{path}:{line}:change_mean: 41 does not appear in the quote (quote it, or name the column in derivation)"
    ) in lines(tables)


def test_protocol_number_not_in_quote(tables):
    path = tables / "studies.csv"
    line = edit(path, "study_id", "shapiro2020", interval="5 weeks")
    assert (
        f"{path}:{line}:interval: 5 (in '5 weeks') does not appear in the quote (quote it, or leave the cell empty)"
    ) in lines(tables)


def test_timepoint_number_not_in_quote(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "wan2025-01", timepoint="18 months")
    assert (
        f"{path}:{line}:timepoint: 18 (in '18 months') does not appear in the quote (quote it, or leave the cell empty)"
    ) in lines(tables)


def test_derivation_exempts_its_columns(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "wan2025-01", change_mean="41", derivation="change_mean: test")
    assert not [l for l in lines(tables) if l.startswith(f"{path}:{line}:")]


def test_not_reported_all_with_a_value(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "hassan2024-01", n="3", derivation="n: test")
    assert f"{path}:{line}:n: not_reported=all but a value is filled in" in lines(tables)


def test_arm_sex_counts_exceed_n(tables):
    path = tables / "arms.csv"
    line = edit(path, "study_id", "kim2021", n="5")
    assert f"{path}:{line}:n: impossible value: n_male + n_female = 9 > n 5" in lines(tables)


def test_meta_p_and_ci(tables):
    path = tables / "published_meta_analyses.csv"
    line = edit(path, "ma_id", "giordano2018", estimate="30", p="2")
    found = lines(tables)
    assert f"{path}:{line}:estimate: CI [6.38, 22.38] does not contain the estimate 30" in found
    assert f"{path}:{line}:p: impossible value 2: a p-value lies in (0, 1]" in found


def test_line_break_inside_a_field(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "wan2025-01", notes="two\nlines")
    assert f"{path}:{line}:notes: line break inside a field (keep each row on one line)" in lines(tables)


def test_unloadable_table_gives_one_line(tables):
    path = tables / "arms.csv"
    line = edit(path, "study_id", "kim2021", n="nine")
    assert error_lines(tables) == [f"{path}:{line}:n: not a number: 'nine'"]


def test_table_paths_recognise_a_table_by_its_header(tables):
    paths = table_paths(tables / "arms.csv")
    assert paths["arms"] == tables / "arms.csv" and paths["studies"] == tables / "studies.csv"
    with pytest.raises(DataError):
        (tables / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
        table_kind(tables / "other.csv")


# ----------------------------------------------------------------------------- listing


def test_list_outcomes_filters_by_study_and_outcome():
    shapiro = list_outcomes("shapiro2020")
    assert list(shapiro["outcome_id"]) == [f"shapiro2020-0{i}" for i in range(1, 5)]
    assert list(shapiro["mean"]) == [151.0, 170.96, 151.04, 166.72]
    density = list_outcomes(outcomes="salt_score")
    assert set(density["outcome"]) == {"salt_score"}


def test_list_outcomes_unknown_names_list_the_valid_ones():
    with pytest.raises(UnknownNameError) as info:
        list_outcomes("nobody1999")
    assert "shapiro2020" in info.value.valid
    with pytest.raises(UnknownNameError):
        list_outcomes(outcomes=["hair_volume"])


# ----------------------------------------------------------------------------- appending


def test_append_adds_rows_keeps_existing_bytes_and_assigns_ids(tables):
    path = tables / "outcomes.csv"
    before = path.read_bytes()
    assert append_outcomes([new_row(), new_row(notes="second coding")], path) == 2  # arms.csv lists one arm
    after = path.read_bytes()
    assert after.startswith(before)
    frame = load_outcomes(path)
    assert list(frame["outcome_id"].tail(2)) == ["wan2025-04", "wan2025-05"]
    assert frame["change_sd"].iloc[-1] == 6.5


def test_append_rejects_a_bad_row_and_writes_nothing(tables):
    path = tables / "outcomes.csv"
    before = path.read_bytes()
    n_lines = before.count(b"\n")
    with pytest.raises(DataError) as info:
        append_outcomes([new_row(), new_row(change_sd=-1.0)], path)
    assert (
        str(info.value)
        == f"{path}:{n_lines + 2}:change_sd: impossible value -1: must not be negative (and 1 more problem)"
    )
    assert path.read_bytes() == before


def test_append_from_a_file_names_that_file_and_its_line(tables, tmp_path):
    path = tables / "outcomes.csv"
    source = tmp_path / "new.csv"
    pd.DataFrame([new_row(), new_row(study_id="ghost2001")]).to_csv(source, index=False)
    with pytest.raises(DataError) as info:
        append_outcomes(read_new_rows(source), path, origin=source)
    assert str(info.value).startswith(f"{source}:3:study_id: unknown study id 'ghost2001'")


def test_append_unknown_column_is_rejected(tables):
    with pytest.raises(DataError) as info:
        append_outcomes([new_row(colour="red")], tables / "outcomes.csv")
    assert str(info.value) == "<new rows>:1:colour: unknown column"


def test_append_is_atomic_when_the_replace_fails(tables, monkeypatch):
    path = tables / "outcomes.csv"
    before = path.read_bytes()

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        append_outcomes([new_row()], path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tables.iterdir()) == sorted(TABLES)


# ----------------------------------------------------------------------------- interactive coding


def scripted(answers: dict[str, list[str]]):
    asked = []

    def ask(column, hint):
        asked.append(column)
        queue = answers.get(column)
        return queue.pop(0) if queue else ""

    return ask, asked


def test_prompt_row_asks_every_field_and_re_asks_invalid_values():
    answers = {k: [str(v)] for k, v in new_row().items()}
    answers["arm_role"] = ["boss", "single"]
    answers["n"] = ["sixteen", "16"]
    ask, asked = scripted(answers)
    messages = []
    row = prompt_row(ask, {"wan2025"}, messages.append)
    assert row["arm_role"] == "single" and row["n"] == "16"
    assert asked.count("arm_role") == 2 and asked.count("n") == 2
    assert messages == ["arm_role: must be one of: intervention, control, single", "n: not a number"]
    assert set(row) == set(PROMPT_FIELDS)


def test_prompt_row_rejects_unknown_study_then_accepts():
    answers = {k: [str(v)] for k, v in new_row().items()}
    answers["study_id"] = ["ghost2001", "wan2025"]
    ask, _ = scripted(answers)
    messages = []
    assert prompt_row(ask, {"wan2025"}, messages.append)["study_id"] == "wan2025"
    assert messages[0].startswith("study_id: unknown study id 'ghost2001'")


def test_prompt_row_interrupt_propagates_and_nothing_is_written(tables):
    path = tables / "outcomes.csv"
    before = path.read_bytes()

    def ask(column, hint):
        if column == "unit":
            raise KeyboardInterrupt
        return str(new_row().get(column, ""))

    with pytest.raises(KeyboardInterrupt):
        prompt_row(ask, {"wan2025"})
    assert path.read_bytes() == before


def test_validate_field_rules():
    assert validate_field("p_value", "0") == "a p-value lies in (0, 1]"
    assert validate_field("sd", "-1") == "must not be negative"
    assert validate_field("mean", "") is None
    assert validate_field("quote", " ") == "quote is required"
    assert math.isnan(parse_number(""))


def test_check_new_rows_reports_every_problem_without_writing(tables):
    path = tables / "outcomes.csv"
    before = path.read_bytes()
    problems = check_new_rows([new_row(n=-1, change_mean=99)], path)
    line = before.count(b"\n") + 1
    assert [(p.row, p.column) for p in problems] == [(line, "n"), (line, "n"), (line, "change_mean")]
    assert path.read_bytes() == before


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=0, max_value=3))
def test_number_in_quote_finds_any_printed_decimal(units, decimals):
    value = units / 10**decimals
    printed = f"{value:,.{decimals}f}" if value >= 1000 else f"{value:.{decimals}f}"
    assert number_in_quote(value, f"mean ({printed} hairs) reported")
    if printed.startswith("0."):
        assert number_in_quote(value, f"p < {printed[1:]}")


def test_outcome_arm_must_be_an_arm_listed_in_arms_csv(tables):
    path = tables / "outcomes.csv"
    line = edit(path, "outcome_id", "kapoor2020-01", arm="PRP-high")
    assert (
        f"{path}:{line}:arm: arm 'PRP-high' is not an arm of kapoor2020 in arms.csv (PRP, triamcinolone)"
    ) in error_lines(tables)
    line = edit(path, "outcome_id", "kapoor2020-02", arm_role="intervention")
    assert (
        f"{path}:{line}:arm_role: 'intervention' differs from 'control' given for this arm in arms.csv"
    ) in error_lines(tables)


@pytest.mark.parametrize(
    "key, changes, column, message",
    [
        ("wan2025-02", {"outcome_id": "wan2025-01"}, "outcome_id", "duplicate id 'wan2025-01' (first on line {first})"),
        ("wan2025-02", {"outcome_id": "wan-2"}, "outcome_id", "'wan-2' is not '<study_id>-<nn>'"),
        ("wan2025-01", {"se": "-1", "derivation": "se: test"}, "se", "impossible value -1: must not be negative"),
        ("wan2025-01", {"ci_low": "30", "derivation": "ci_low: test"}, "ci_high", "a CI needs both ci_low and ci_high"),
        ("wan2025-01", {"ci_level": "195"}, "ci_level", "impossible value 195: a CI level lies in (0, 100)"),
        ("wan2025-01", {"p_operator": "<"}, "p_operator", "p_operator given without a p_value"),
        (
            "wan2025-01",
            {"not_reported": "mean;variance"},
            "not_reported",
            "'variance' is not a statistic column (" + ", ".join(OUTCOME_STATS) + ") or 'all'",
        ),
        (
            "wan2025-01",
            {"not_reported": "change_sd"},
            "change_sd",
            "change_sd is listed as not reported but has a value",
        ),
    ],
)
def test_more_outcome_rules(tables, key, changes, column, message):
    path = tables / "outcomes.csv"
    first = edit(path, "outcome_id", "wan2025-01")
    line = edit(path, "outcome_id", key, **changes)
    assert f"{path}:{line}:{column}: {message.format(first=first)}" in error_lines(tables)


def test_study_without_rob_reason_and_unknown_column(tables):
    path = tables / "studies.csv"
    line = edit(path, "study_id", "wan2025", rob_reason="")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["colour"] = ""
    frame.to_csv(path, index=False)
    found = error_lines(tables)
    assert f"{path}:{line}:rob_reason: a risk-of-bias judgement needs a reason" in found
    assert f"{path}:1:colour: unknown column (see data/README.md)" in found
