"""Every branch of the plain-language statement rules (GRADE informative statements, Santesso 2020)."""

import math

import pytest

from hairmeta.evidence.synthesis.statements import Mid, no_evidence_statement, size_of, statement

COHEN = Mid("SMD", 0.2, "Cohen 1988", moderate=0.5, large=0.8)
ONE_MID = Mid("MD", 5.0, "a cited MID")


def say(certainty, estimate, mid=None, **kw):
    return statement(
        intervention="PRP", comparator="placebo", outcome="hair density", certainty=certainty, estimate=estimate,
        mid=mid, **kw,
    )  # fmt: skip


@pytest.mark.parametrize(
    "estimate, mid, size",
    [
        (0.1, COHEN, "trivial"),
        (-0.3, COHEN, "small"),
        (0.6, COHEN, "moderate"),
        (-0.8, COHEN, "large"),
        (4.9, ONE_MID, "trivial"),
        (5.0, ONE_MID, "moderate"),
        (50.0, ONE_MID, "moderate"),  # no large threshold stated: never "large"
        (0.6, None, None),
        (math.nan, COHEN, None),
    ],
)
def test_size_classes(estimate, mid, size):
    assert size_of(estimate, mid) == size


@pytest.mark.parametrize(
    "certainty, estimate, expected",
    [
        ("high", 0.6, "PRP increases hair density compared with placebo."),
        ("high", -0.6, "PRP reduces hair density compared with placebo."),
        ("high", 0.3, "PRP slightly increases hair density compared with placebo."),
        ("high", 0.9, "PRP results in a large increase in hair density compared with placebo."),
        ("high", -0.9, "PRP results in a large reduction in hair density compared with placebo."),
        ("high", 0.1, "PRP results in little to no difference in hair density compared with placebo."),
        ("moderate", 0.6, "PRP probably increases hair density compared with placebo."),
        ("moderate", -0.3, "PRP probably slightly reduces hair density compared with placebo."),
        ("moderate", 0.1, "PRP probably results in little to no difference in hair density compared with placebo."),
        ("low", 0.6, "PRP may increase hair density compared with placebo."),
        ("low", 0.9, "PRP may result in a large increase in hair density compared with placebo."),
        ("low", -0.1, "PRP may result in little to no difference in hair density compared with placebo."),
    ],
)
def test_certainty_sets_the_verb_and_the_mid_the_size(certainty, estimate, expected):
    assert say(certainty, estimate, COHEN) == expected


def test_very_low_is_very_uncertain_whatever_the_size():
    for estimate in (-2.0, 0.0, 0.9):
        text = say("very low", estimate, COHEN, population="men with AGA")
        assert text == (
            "The evidence is very uncertain about the effect of PRP on hair density compared with placebo "
            "in men with AGA."
        )


def test_without_a_mid_the_size_cannot_be_judged():
    text = say("low", 12.0)
    assert text.startswith("PRP may increase hair density compared with placebo")
    assert "size of the effect cannot be judged" in text
    for word in ("slightly", "large", "little to no"):
        assert word not in text


def test_exactly_null_without_a_mid_says_no_difference_in_the_point_estimate():
    assert "no difference to hair density in the point estimate" in say("moderate", 0.0)
    assert say("high", 0.0).startswith("PRP makes no difference")
    assert say("low", 0.0).startswith("PRP may make no difference")


def test_a_non_finite_estimate_is_very_uncertain():
    assert say("high", math.nan).startswith("The evidence is very uncertain")


def test_unknown_certainty_is_refused():
    with pytest.raises(ValueError, match="certainty must be one of"):
        say("not assessable", 1.0)


def test_no_evidence_names_what_exists_or_says_nothing_is_coded():
    text = no_evidence_statement("exosomes compared with PRP", ["registered trials without results: nct1"])
    assert text == (
        "No controlled study with results answers exosomes compared with PRP; what exists: "
        "registered trials without results: nct1."
    )
    assert no_evidence_statement("X compared with Y", []).endswith("and no other study of it is coded.")
