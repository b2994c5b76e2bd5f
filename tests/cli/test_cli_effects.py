"""``hairmeta effects``: CSV/JSON/table output, --output, and one-line errors (oracle: metafor
escalc values committed in tests/reference, hand calculations)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from testpaths import REFERENCE

from hairmeta.cli import app

REFERENCE = REFERENCE


@pytest.fixture
def means_csv(tmp_path) -> Path:
    path = tmp_path / "means.csv"
    path.write_text("study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,12,3,10,10,4,20\nB,,3,10,10,4,20\n", encoding="utf-8")
    return path


def test_csv_output_is_input_plus_yi_vi_full_precision(runner, means_csv):
    """Hand calculation: MD = 2, vi = 9/10 + 16/20 = 1.7; row B has no m1i."""
    result = runner.invoke(app, ["effects", "--input", str(means_csv), "--measure", "MD", "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert list(frame.columns) == ["study", "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i", "yi", "vi", "derivation"]
    assert frame.loc[0, "yi"] == 2.0 and frame.loc[0, "vi"] == pytest.approx(1.7, rel=1e-15)
    assert frame.loc[1, "derivation"] == "not computed: m1i missing"
    assert "1 of 2 rows have no yi/vi" in result.stderr


def test_json_output_matches_metafor_reference(runner):
    """Oracle: escalc(measure="PFT") on escalc_proportions_inputs.csv."""
    path = REFERENCE / "escalc_proportions_inputs.csv"
    result = runner.invoke(app, ["effects", "-i", str(path), "-m", "PFT", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    expected = pd.read_csv(REFERENCE / "escalc_expected.csv").query("measure == 'PFT'")
    assert [r["yi"] for r in rows] == pytest.approx(expected["yi"].tolist(), rel=1e-10)
    assert [r["vi"] for r in rows] == pytest.approx(expected["vi"].tolist(), rel=1e-10)


def test_table_output_rounds_only_for_display(runner, means_csv):
    result = runner.invoke(app, ["effects", "-i", str(means_csv), "-m", "smd"])
    assert result.exit_code == 0
    assert "SMD effect sizes" in result.stdout and "0.5248" in result.stdout


def test_output_file_gets_csv_and_stdout_stays_empty(runner, means_csv, tmp_path):
    target = tmp_path / "out.csv"
    result = runner.invoke(app, ["effects", "-i", str(means_csv), "-m", "MD", "--output", str(target)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert pd.read_csv(target)["yi"].iloc[0] == 2.0
    assert f"wrote 2 rows to {target}" in result.stderr


def test_ri_option_imputes_correlation(runner, tmp_path):
    path = tmp_path / "paired.csv"
    path.write_text("m1i,m2i,sd1i,sd2i,ni\n14,10,4,5,12\n", encoding="utf-8")
    result = runner.invoke(app, ["effects", "-i", str(path), "-m", "MC", "--ri", "0.5", "-f", "json"])
    row = json.loads(result.stdout)[0]
    assert row["vi"] == pytest.approx((16 + 25 - 20) / 12)
    assert row["derivation"] == "ri imputed at 0.5 (correlation not reported)"


def test_unknown_measure_is_one_line_error(runner, means_csv):
    result = runner.invoke(app, ["effects", "-i", str(means_csv), "-m", "HEDGES"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: unknown effect measure 'HEDGES'; valid: MD, SMD, SMDH, ROM, MC, SMCC, SMCR, RR, OR, RD, PR, PLO, PAS, PFT"
    ]
    assert result.stdout == ""


def test_bad_cell_is_file_row_column_error(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("ai,bi,ci,di\n1,2,3,4\n1,2,x,4\n", encoding="utf-8")
    result = runner.invoke(app, ["effects", "-i", str(path), "-m", "OR"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {path}:3:ci: not a number: 'x'"
    assert "Traceback" not in result.output


def test_help_names_the_columns(runner):
    result = runner.invoke(app, ["effects", "--help"])
    assert result.exit_code == 0 and "m1i" in result.stdout and "--measure" in result.stdout


def test_zero_cell_options_match_metafor_to_all(runner):
    """Oracle: escalc(measure="OR", to="all") in escalc_expected.csv."""
    path = REFERENCE / "escalc_tables_inputs.csv"
    result = runner.invoke(app, ["effects", "-i", str(path), "-m", "OR", "--to", "all", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    expected = pd.read_csv(REFERENCE / "escalc_expected.csv").query("measure == 'OR' and options == 'to=all'")
    got = [r["yi"] for r in json.loads(result.stdout)]
    assert got == pytest.approx(expected["yi"].tolist(), rel=1e-10)


def test_unknown_zero_cell_rule_is_one_line_error(runner):
    path = REFERENCE / "escalc_tables_inputs.csv"
    result = runner.invoke(app, ["effects", "-i", str(path), "-m", "OR", "--to", "some"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: unknown zero-cell rule 'to' 'some'; valid: all, only0, if0all, none"
