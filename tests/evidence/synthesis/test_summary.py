"""Summary rows, published-beside-ours explanations and gaps on hand-built bodies of evidence.

Oracles: ``pool`` itself (checked against metafor in tests/test_pooling.py) for pooled numbers,
a hand-computed Wald interval for the one-study row, and the GRADE thresholds by hand.
"""

import math

import numpy as np
import pandas as pd
import pytest

from hairmeta.evidence.meta.options import ModelOptions
from hairmeta.evidence.meta.pooling import pool
from hairmeta.evidence.synthesis.summary import Body, explain_difference, fit_body, gaps, published_beside, summary_row

SETTINGS = {"method": "REML", "knha": True, "level": 95.0, "model": "REML + Knapp-Hartung"}


def effects_frame(study_ids, yi, vi, n, derivation=None):
    return pd.DataFrame(
        {
            "study_id": study_ids,
            "label": study_ids,
            "yi": yi,
            "vi": vi,
            "sei": np.sqrt(vi),
            "n": n,
            "derivation": derivation or [""] * len(study_ids),
        }
    )


STUDIES = pd.DataFrame(
    {
        "study_id": ["a2020", "b2021", "c2022", "d2023", "reg1"],
        "design": ["rct_parallel", "rct_split_scalp", "rct_parallel", "case_series", "trial_registration"],
        "rob_judgement": ["low", "some_concerns", "high", "not_assessed", ""],
        "intervention_family": ["prp", "prp", "prp", "prp;exosome", "exosome"],
        "condition": ["aga_male"] * 4 + ["aga_mixed"],
    }
)
NO_EXCLUSIONS = pd.DataFrame(columns=["study_id", "outcome_ids", "reason"])


def test_pooled_row_equals_pool_and_is_graded():
    eff = effects_frame(["a2020", "b2021", "c2022"], [20.0, 35.0, 10.0], [25.0, 49.0, 36.0], [40, 30, 50])
    fit = fit_body(eff, options=ModelOptions("REML", True, 95.0))
    body = Body(("prp", "aga_male", "hair_density", "control"), eff, NO_EXCLUSIONS, "MD", fit)
    row = summary_row(body, STUDIES, options=ModelOptions("REML", True, 95.0))
    direct = pool([20.0, 35.0, 10.0], [25.0, 49.0, 36.0], method="REML", knha=True)
    assert row["estimate"] == direct.estimate and row["pi_high"] == direct.pi_high
    assert row["k"] == 3 and row["n"] == 120
    # randomised + control → starts high; 120 < 400 participants → imprecision at least
    assert row["downgrades"].startswith("starts high")
    assert "120 participants < optimal information size 400" in row["downgrades"]
    assert row["certainty"] in ("moderate", "low", "very low")


def test_one_study_row_has_wald_ci_and_says_so():
    eff = effects_frame(["d2023"], [12.0], [16.0], [5], derivation=["sd imputed from range"])
    body = Body(("prp", "aga_male", "hair_density", "baseline"), eff, NO_EXCLUSIONS, "MC", None)
    row = summary_row(body, STUDIES, options=ModelOptions("REML", True, 95.0))
    assert row["ci_low"] == pytest.approx(12.0 - 1.959963984540054 * 4.0, abs=1e-12)
    assert math.isnan(row["pi_low"]) and math.isnan(row["i2"])
    assert "rests on one study" in row["flags"]
    assert "derived values: sd imputed from range" in row["flags"]
    assert row["certainty"] == "very low"  # low start (baseline), -1 unassessed RoB, -1 N 5 < 400


def test_unpoolable_body_still_appears_with_its_reason():
    excluded = pd.DataFrame({"study_id": ["d2023"], "outcome_ids": ["d2023-01"], "reason": ["only a p-value reported"]})
    body = Body(("prp", "aga_male", "hair_count", "control"), effects_frame([], [], [], []), excluded, "MD", None)
    row = summary_row(body, STUDIES, options=ModelOptions("REML", True, 95.0))
    assert row["k"] == 0 and row["certainty"] == "not assessable"
    assert "d2023 (only a p-value reported)" in row["flags"]


def published(**overrides):
    base = {
        "ma_id": "X2020",
        "citation": "X",
        "intervention_family": "prp",
        "condition": "aga_male",
        "comparison": "placebo",
        "outcome": "hair_density",
        "effect_measure": "MD",
        "estimate": 14.0,
        "ci_low": 6.0,
        "ci_high": 22.0,
        "k_studies": 7.0,
        "model": "",
        "source": "url",
    }
    base.update(overrides)
    return pd.Series(base)


OURS = {
    "intervention_family": "prp",
    "condition": "aga_male",
    "outcome": "hair_density",
    "comparison": "placebo",
    "measure": "MD",
    "k": 3,
    "estimate": 18.0,
    "ci_low": 2.0,
    "ci_high": 30.0,
}


def test_difference_explanations_by_hand():
    assert explain_difference(published(), OURS, SETTINGS).startswith("consistent")
    far = explain_difference(published(), dict(OURS, estimate=40.0, ci_low=30.0, ci_high=50.0), SETTINGS)
    assert "difference +26" in far and "k = 7 published vs 3 ours" in far
    assert "do not overlap" in far
    other = explain_difference(published(effect_measure="SMD"), OURS, SETTINGS)
    assert "not on the same scale" in other
    assert explain_difference(published(), None, SETTINGS).startswith("no pooled result")


def test_published_placebo_rows_match_our_placebo_comparison():
    rows = pd.DataFrame([OURS])
    beside = published_beside(pd.DataFrame([published()]), rows, SETTINGS)
    assert list(beside["our_k"]) == [3]
    unmatched = published_beside(pd.DataFrame([published(outcome="hair_count")]), rows, SETTINGS)
    assert list(unmatched["our_k"]) == [0]


def test_gaps_state_missing_controlled_evidence_and_registrations():
    rows = pd.DataFrame([dict(OURS, certainty="low")])
    outcomes = pd.DataFrame(
        {
            "study_id": ["a2020", "d2023"],
            "mean": [1.0, np.nan],
            "change_mean": [np.nan, np.nan],
            "events": [np.nan, np.nan],
        }
    )
    found = gaps(rows, STUDIES, outcomes)
    assert "no controlled trial of exosome with extractable numbers (registered, no results: reg1)" in found
    assert not any(g.startswith("no controlled trial of prp") for g in found)
    assert "no result reaches high certainty" in found
    assert "no extractable numbers coded for: d2023" in found


def test_model_failure_leaves_the_row_unpooled_with_the_reason():
    eff = effects_frame(["a2020", "b2021"], [1.0, 2.0], [0.1, 0.2], [10, 10])
    body = Body(
        ("prp", "aga_male", "hair_density", "control"),
        eff,
        NO_EXCLUSIONS,
        "MD",
        None,
        note="tau2 estimator SJ did not converge",
    )
    row = summary_row(body, STUDIES, options=ModelOptions("SJ", True, 95.0))
    assert row["k"] == 2 and row["k_studies"] == 2 and math.isnan(row["estimate"])
    assert row["certainty"] == "not assessable"
    assert row["downgrades"] == "not pooled: tau2 estimator SJ did not converge"


def test_arms_of_one_study_are_flagged_and_counted_as_one_study():
    eff = effects_frame(["d2023", "d2023"], [10.0, 30.0], [4.0, 9.0], [3, 2])
    fit = fit_body(eff, options=ModelOptions("REML", True, 95.0))
    row = summary_row(
        Body(("prp", "aga_male", "hair_density", "baseline"), eff, NO_EXCLUSIONS, "MC", fit),
        STUDIES,
        options=ModelOptions("REML", True, 95.0),
    )
    assert row["k"] == 2 and row["k_studies"] == 1
    assert "rests on one study" in row["flags"] and "k counts arms" in row["flags"]
