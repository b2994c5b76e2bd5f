"""The summary's Bayesian columns: bodies with k <= 4 get the Bayesian random-effects estimate
beside REML + Knapp-Hartung (evidence/meta/bayes.py); larger bodies do not."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hairmeta.evidence.meta.bayes import BAYES_COLUMNS, SMALL_K, bayes_pool
from hairmeta.evidence.meta.options import ModelOptions
from hairmeta.evidence.meta.priors import unit_information_sd
from hairmeta.evidence.synthesis.summary import Body, fit_body, summary, summary_row


@pytest.fixture(scope="module")
def shipped():
    return summary()


def test_small_bodies_carry_the_bayesian_estimate(shipped):
    rows = shipped.rows[shipped.rows["k"].between(1, SMALL_K)]
    assert len(rows) > 0
    for row in rows.itertuples():
        assert math.isfinite(row.bayes_estimate), row
        assert row.bayes_ci_low < row.bayes_estimate < row.bayes_ci_high
        assert row.bayes_pi_low <= row.bayes_ci_low and row.bayes_tau_ci_low < row.bayes_tau_ci_high
        assert row.bayes_tau_prior.startswith("half-normal")
    assert set(BAYES_COLUMNS) <= set(shipped.rows.columns)
    assert f"k <= {SMALL_K}" in shipped.settings["bayes"]
    assert any("\nBayes " in cell for cell in shipped.display_rows()["estimate [CI]"])


def test_the_bayesian_row_is_the_fit_of_the_body(shipped):
    body = next(b for b in shipped.bodies if b.measure == "RR" and len(b.effects) >= 2)
    row = shipped.rows.iloc[shipped.bodies.index(body)]
    direct = bayes_pool(body.effects["yi"], body.effects["vi"], tau_prior="halfnormal:0.5")
    assert row["bayes_estimate"] == pytest.approx(direct.mu_median, abs=1e-12)
    assert (row["bayes_ci_low"], row["bayes_ci_high"]) == pytest.approx((direct.mu_ci_low, direct.mu_ci_high))
    # few studies: the credible interval is far narrower than Knapp-Hartung's t-based interval
    assert row["bayes_ci_high"] - row["bayes_ci_low"] < row["ci_high"] - row["ci_low"]


def test_natural_units_use_half_the_unit_information_sd(shipped):
    body = next(b for b in shipped.bodies if b.measure in ("MD", "MC") and len(b.effects) >= 1)
    row = shipped.rows.iloc[shipped.bodies.index(body)]
    scale = unit_information_sd(body.effects["n"], body.effects["vi"]) / 2
    assert row["bayes_tau_prior"] == f"half-normal(scale = {scale:g})"


def _body(k: int) -> Body:
    rng = np.random.default_rng(k)
    vi = rng.uniform(0.02, 0.1, k)
    effects = pd.DataFrame({"study_id": [f"s{i}" for i in range(k)], "label": [f"S{i}" for i in range(k)],
                            "yi": rng.normal(0.3, 0.3, k), "vi": vi, "sei": np.sqrt(vi), "n": 60.0,
                            "derivation": ""})  # fmt: skip
    excluded = pd.DataFrame(columns=["study_id", "outcome_ids", "reason"])
    return Body(("prp", "aga_male", "hair_density", "placebo"), effects, excluded, "SMD", fit_body(effects))


def test_only_small_bodies_and_the_chosen_prior():
    studies = pd.DataFrame({"study_id": [f"s{i}" for i in range(6)], "design": "rct", "rob_judgement": "low"})
    big = summary_row(_body(SMALL_K + 1), studies)
    assert "bayes_estimate" not in big  # the frame fills NaN for larger bodies
    small = summary_row(_body(SMALL_K), studies, options=ModelOptions(tau_prior="halfcauchy:0.5"))
    assert small["bayes_tau_prior"] == "half-Cauchy(scale = 0.5)"
    assert math.isfinite(small["bayes_estimate"])
