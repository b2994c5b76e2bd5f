"""hairmeta pool: the JSON contract, subgroups, formats and one-line errors (values from
metafor 3.8.1 via tests/reference/rma_pool.R and rma_diagnostics.R)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from testpaths import REFERENCE

from hairmeta.cli import app
from hairmeta.evidence.meta.pooling import CONTRACT_KEYS

REF = REFERENCE


@pytest.fixture
def bcg_csv(tmp_path) -> Path:
    data = pd.read_csv(REF / "rma_diagnostics_data.csv")
    path = tmp_path / "bcg.csv"
    data[data["dataset"] == "bcg"][["study", "yi", "vi", "alloc", "year"]].to_csv(path, index=False)
    return path


def _ref(method="REML", knha=False):
    fits = json.loads((REF / "rma_pool.json").read_text())["fits"]
    return next(f for f in fits if f["dataset"] == "bcg" and f["method"] == method and f["knha"] == knha)


def test_pool_json_contract_matches_metafor_bcg(runner, bcg_csv):
    result = runner.invoke(app, ["pool", "--effects", str(bcg_csv), "--method", "PM", "--knha", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert tuple(data) == CONTRACT_KEYS
    ref = _ref("PM", True)
    for key in ("estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "q"):
        assert data[key] == pytest.approx(ref[key], rel=1e-6)
    assert data["k"] == 13 and data["method"] == "PM" and data["q_df"] == 12


def test_pool_by_subgroup_json(runner, bcg_csv):
    result = runner.invoke(app, ["pool", "--effects", str(bcg_csv), "--by", "alloc", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [s["subgroup"] for s in data["subgroups"]] == ["alternate", "random", "systematic"]
    assert set(CONTRACT_KEYS) <= set(data["subgroups"][0])
    assert data["q_between_df"] == 2 and 0 < data["q_between_p"] < 1


def test_pool_table_and_csv(runner, bcg_csv):
    table = runner.invoke(app, ["pool", "--effects", str(bcg_csv)])
    assert table.exit_code == 0 and "-0.7145" in table.stdout and "tau2_ci_low" in table.stdout
    csv = runner.invoke(app, ["pool", "--effects", str(bcg_csv), "-f", "csv", "--by", "alloc"])
    frame = pd.read_csv(pd.io.common.StringIO(csv.stdout))
    assert list(frame["subgroup"]) == ["alternate", "random", "systematic", "overall"]


def test_pool_sei_column_and_k1_note(runner, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("label,yi,sei\nSolo,0.4,0.2\n")
    result = runner.invoke(app, ["pool", "--effects", str(path), "-f", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["estimate"] == pytest.approx(0.4, rel=1e-15)
    assert "k = 1" in result.stderr


@pytest.mark.parametrize(
    "content, message",
    [
        ("study,yi,vi\nA,0.1,0.02\nB,0.3,-0.01\n", "bad.csv:3:vi: sampling variance must be positive"),
        ("study,yi,vi\nA,x,0.02\n", "bad.csv:2:yi: not a number: 'x'"),
        ("study,yi\nA,0.1\n", "bad.csv:vi: needs a 'vi' (variance) or 'sei'"),
    ],
)
def test_bad_effect_files_give_one_line_errors_naming_the_row(runner, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = runner.invoke(app, ["pool", "--effects", str(path)])
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_unknown_method_and_missing_file(runner, bcg_csv, tmp_path):
    result = runner.invoke(app, ["pool", "--effects", str(bcg_csv), "--method", "BAYES"])
    assert result.exit_code == 1 and "unknown tau2 estimator 'BAYES'; valid: EE, DL" in result.stderr
    result = runner.invoke(app, ["pool", "--effects", str(tmp_path / "none.csv")])
    assert result.exit_code == 1 and "none.csv: file not found" in result.stderr


def test_pool_outcome_needs_comparison(runner):
    result = runner.invoke(app, ["pool", "--outcome", "hair_density"])
    assert result.exit_code != 0 and "--comparison" in result.stderr


def test_pool_coded_outcomes_prints_exclusions_on_stderr(runner):
    """The shipped coded outcomes through hairmeta.evidence.synthesis.contrasts.from_outcomes (issue 3)."""
    from hairmeta.evidence.synthesis.contrasts import from_outcomes

    table = from_outcomes(outcome="hair_density", comparison="placebo")
    if len(table.effects) == 0:
        pytest.skip("the shipped data hold no placebo-controlled hair density effects")
    result = runner.invoke(app, ["pool", "--outcome", "hair_density", "--comparison", "placebo", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert tuple(data) == CONTRACT_KEYS and data["k"] == len(table.effects)
    for study in table.excluded["study_id"]:
        assert f"Excluded {study}" in result.stderr
