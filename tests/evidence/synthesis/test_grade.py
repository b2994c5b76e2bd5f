"""GRADE rules: each threshold checked on both sides by hand-built bodies of evidence."""

from dataclasses import replace

import pytest

from hairmeta.evidence.synthesis.grade import (
    EvidenceBody,
    grade,
    imprecision,
    inconsistency,
    indirectness,
    publication_bias,
    risk_of_bias,
    starting_level,
)


def body(**changes) -> EvidenceBody:
    base = EvidenceBody(
        k=3,
        designs=("rct_parallel",) * 3,
        rob=("low",) * 3,
        weights=(40.0, 30.0, 30.0),
        estimate=1.0,
        ci_low=0.5,
        ci_high=1.5,
        total_n=500,
        comparison="placebo",
        outcome="hair_density",
        condition="aga_male",
        measure="MD",
        i2=10.0,
        pi_low=0.2,
        pi_high=1.8,
    )
    return replace(base, **changes)


def test_randomised_placebo_starts_high_baseline_and_observational_start_low():
    assert starting_level(["rct_parallel", "rct_split_scalp"], "placebo")[0] == "high"
    assert starting_level(["rct_parallel"], "baseline")[0] == "low"
    level, why = starting_level(["rct_parallel", "case_series"], "control")
    assert level == "low" and "case_series" in why


def test_clean_randomised_body_stays_high_by_hand():
    certainty = grade(body())
    assert certainty.level == "high"
    assert certainty.downgrades == ()


def test_risk_of_bias_threshold_is_more_than_half_the_weight():
    # 50% exactly from a high-risk study: not rated down; 60% is
    assert risk_of_bias(["high", "low"], [50, 50]).levels == 0
    judged = risk_of_bias(["high", "low"], [60, 40])
    assert judged.levels == 1 and judged.reason.startswith("60% of the weight at high risk, 0% not")
    mixed = risk_of_bias(["high", "not_assessed", "low"], [30, 25, 45])
    assert mixed.levels == 1 and "30% of the weight at high risk, 25% not assessed" in mixed.reason
    assert risk_of_bias(["not_assessed", "low"], [70, 30]).levels == 1
    assert risk_of_bias(["high", "high"], [70, 30]).levels == 2


def test_inconsistency_by_i2_and_by_prediction_interval():
    assert inconsistency(body(i2=50.0)).levels == 0
    assert inconsistency(body(i2=50.1)).levels == 1
    crossing = inconsistency(body(pi_low=-0.3))
    assert crossing.levels == 1 and "prediction interval" in crossing.reason
    # CI crossing too: that is imprecision, not counted twice here
    assert inconsistency(body(pi_low=-0.3, ci_low=-0.1)).levels == 0
    assert "one study" in inconsistency(body(k=1)).reason


def test_indirectness_surrogate_outcome_and_loose_population():
    assert indirectness(body()).levels == 0
    assert indirectness(body(outcome="anagen_pct")).levels == 1
    assert indirectness(body(outcome="anagen_pct", condition="hair_loss_unspecified")).levels == 2


def test_imprecision_ci_and_optimal_information_size_of_400():
    assert imprecision(body(total_n=400)).levels == 0
    small = imprecision(body(total_n=399))
    assert small.levels == 1 and "399" in small.reason and "400" in small.reason
    assert imprecision(body(total_n=60, ci_low=-0.2)).levels == 2


def test_publication_bias_not_assessable_below_ten_studies():
    judged = publication_bias(body(k=9, egger_p=0.01))
    assert judged.levels == 0 and "not assessable" in judged.reason
    assert publication_bias(body(k=10, egger_p=0.09)).levels == 1
    assert publication_bias(body(k=10, egger_p=0.10)).levels == 0


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({}, "high"),
        ({"total_n": 100}, "moderate"),
        ({"total_n": 100, "ci_low": -1.0}, "low"),
        ({"total_n": 100, "ci_low": -1.0, "i2": 80.0}, "very low"),
        ({"comparison": "baseline", "total_n": 100, "ci_low": -1.0, "i2": 80.0}, "very low"),
        ({"comparison": "baseline"}, "low"),
    ],
)
def test_levels_combine_by_hand(changes, expected):
    assert grade(body(**changes)).level == expected


def test_explanation_names_each_downgrade_with_its_reason():
    text = grade(body(total_n=100, outcome="telogen_pct")).explanation()
    assert text.startswith("starts high")
    assert "-1 imprecision: 100 participants < optimal information size 400" in text
    assert "-1 indirectness: surrogate outcome (telogen_pct)" in text
    payload = grade(body()).to_dict()
    assert payload["level"] == "high" and len(payload["judgements"]) == 5
