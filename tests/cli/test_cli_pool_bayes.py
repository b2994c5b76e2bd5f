"""hairmeta pool --bayes and forest --bayes: the JSON contract (values from bayesmeta 3.4 via
tests/reference/bayesmeta_reference.R), coded outcomes, the forest rows and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from testpaths import REFERENCE

from hairmeta.cli import app

REF = json.loads((REFERENCE / "bayesmeta_reference.json").read_text())
REQUIRED = ("mu_median", "mu_mean", "mu_ci_low", "mu_ci_high", "tau_median", "tau_ci_low", "tau_ci_high",
            "pi_low", "pi_high", "prob_positive", "tau_prior", "mu_prior")  # fmt: skip


@pytest.fixture
def crins_csv(tmp_path):
    d = REF["sets"]["crins"]
    path = tmp_path / "crins.csv"
    pd.DataFrame({"study": d["labels"], "yi": d["yi"], "vi": d["vi"]}).to_csv(path, index=False)
    return path


def _case(dataset, prior, mu_prior="uniform"):
    return next(
        f for f in REF["fits"] if (f["dataset"], f["tau_prior"], f.get("mu_prior")) == (dataset, prior, mu_prior)
    )


def test_pool_bayes_json_matches_bayesmeta(runner, crins_csv):
    prior = "turner:surgical-device:pharma-placebo"
    result = runner.invoke(
        app, ["pool", "--effects", str(crins_csv), "--bayes", "--tau-prior", prior, "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(REQUIRED) <= set(data)
    ref = _case("crins", prior)
    for key in ("mu_median", "mu_ci_low", "mu_ci_high", "pi_low", "pi_high"):
        assert data[key] == pytest.approx(ref[key], abs=1e-4)
    for key in ("tau_median", "tau_ci_low", "tau_ci_high"):
        assert data[key] == pytest.approx(ref[key], abs=1e-7)
    assert data["tau_prior"]["spec"] == prior and "Stat Med 2015" in data["tau_prior"]["source"]
    assert len(data["studies"]) == 6


def test_pool_bayes_default_prior_and_mu_prior(runner, crins_csv):
    result = runner.invoke(app, ["pool", "-e", str(crins_csv), "--bayes", "--mu-prior", "normal:0:4", "--level", "90",
                                 "--mid", "-0.5", "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["tau_prior"]["spec"] == "halfnormal:0.5" and data["mu_prior"]["spec"] == "normal:0:4"
    assert data["level"] == 90 and 0 < data["prob_above_mid"] < 1
    assert "half-normal(0.5)" in result.stderr  # the note says which prior was used and why


def test_pool_bayes_table_and_shortest(runner, crins_csv):
    result = runner.invoke(app, ["pool", "-e", str(crins_csv), "--bayes", "--shortest"])
    assert result.exit_code == 0, result.stderr
    assert "Shrinkage estimates" in result.stdout and "shortest" in result.stdout


def test_pool_bayes_on_coded_outcomes(runner):
    result = runner.invoke(app, ["pool", "--outcome", "responders", "--comparison", "active", "--bayes", "--format",
                                 "json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["k"] >= 1 and data["mu_ci_low"] < data["mu_median"] < data["mu_ci_high"]
    assert "for RR" in result.stderr  # default prior chosen by the table's measure


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--tau-prior", "halfnorm:0.5"], "valid: halfnormal, halfcauchy, halfstudentt"),
        (["--tau-prior", "halfnormal:-1"], "must be > 0"),
        (["--mu-prior", "cauchy:0:1"], "valid: uniform, normal"),
        (["--by", "study"], "--by"),
    ],
)
def test_pool_bayes_bad_options_are_one_line_errors(runner, crins_csv, args, needle):
    result = runner.invoke(app, ["pool", "-e", str(crins_csv), "--bayes", *args])
    assert result.exit_code != 0
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


def test_forest_bayes_rows_and_plot(runner, crins_csv, tmp_path):
    rows_path = tmp_path / "forest.csv"
    result = runner.invoke(app, ["forest", "-e", str(crins_csv), "-o", str(rows_path), "--bayes", "--tau-prior",
                                 "halfnormal:0.5", "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = pd.read_csv(rows_path)
    shrunken = rows[rows["row_type"] == "shrunken"]
    assert len(shrunken) == 6
    ref = _case("crins", "halfnormal:0.5")
    np.testing.assert_allclose(shrunken["yi"], ref["theta_median"], atol=1e-4)
    assert {"bayes", "bayes_prediction", "bayes_heterogeneity"} <= set(rows["row_type"])
    png = tmp_path / "forest.svg"
    result = runner.invoke(app, ["forest", "-e", str(crins_csv), "-o", str(png), "--bayes", "--transform", "exp"])
    assert result.exit_code == 0, result.stderr
    assert "Bayesian RE" in png.read_text()


def test_pool_bayes_measure_chooses_the_natural_unit_default(runner, tmp_path):
    path = tmp_path / "md.csv"
    pd.DataFrame({"study": ["A", "B"], "yi": [3.0, 7.5], "vi": [4.0, 6.0], "n1i": [20, 30], "n2i": [20, 25]}).to_csv(
        path, index=False
    )
    result = runner.invoke(app, ["pool", "-e", str(path), "--bayes", "--measure", "MD", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    scale = json.loads(result.stdout)["tau_prior"]["params"][0]
    assert scale == pytest.approx(np.sqrt(95 / (1 / 4 + 1 / 6)) / 2, rel=1e-12)  # UISD / 2 (Röver et al. 2021)
    assert "UISD" in result.stderr
