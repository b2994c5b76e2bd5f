"""Human labels of vocabulary codes and name lookup by code or label (issue 12)."""

from __future__ import annotations

import pytest

from hairmeta.evidence.errors import UnknownNameError
from hairmeta.evidence.tables import vocab


def test_every_code_has_a_label():
    assert set(vocab.CONDITION_LABELS) == set(vocab.CONDITIONS)
    assert set(vocab.FAMILY_LABELS) == set(vocab.ARM_FAMILIES)
    assert set(vocab.OUTCOME_LABELS) == set(vocab.OUTCOMES)
    assert vocab.label("aga_male") == "androgenetic alopecia, men"
    assert vocab.label("MD") == "mean difference"


def test_lookup_accepts_codes_labels_and_groups():
    assert vocab.resolve_conditions("androgenetic alopecia") == ("aga_male", "aga_female", "aga_mixed")
    assert vocab.resolve_conditions("Androgenetic alopecia, women") == ("aga_female",)
    assert vocab.resolve_conditions("alopecia-areata") == ("alopecia_areata",)
    assert vocab.resolve_outcome("hair shaft diameter") == "hair_diameter"
    assert vocab.resolve_family("Platelet-rich plasma") == "prp"
    assert vocab.resolve_comparison("no treatment") == "untreated"


def test_unknown_name_lists_codes_with_labels():
    with pytest.raises(UnknownNameError) as info:
        vocab.resolve_conditions("baldness")
    assert "aga_male (androgenetic alopecia, men)" in info.value.valid
    assert any(v.startswith("androgenetic alopecia (all of") for v in info.value.valid)


def test_estimate_phrase_has_sign_unit_and_direction():
    assert vocab.estimate_phrase("MD", 4.2, "hair_density", "hairs/cm2") == "MD +4.20 hairs/cm2 (higher = more hair)"
    assert vocab.estimate_phrase("SMD", -0.3, "telogen_pct") == "SMD -0.30 SD (lower = fewer resting hairs)"
    assert vocab.estimate_phrase("RR", 0.37, "relapse") == "RR 0.37 (below 1 = fewer relapses)"
    assert vocab.estimate_phrase("MD", 1.0, "vas_score", "VAS") == "MD +1.00 VAS"  # direction unknown: none said
    assert vocab.estimate_phrase("MD", 1.0, "hair_count", "hairs | % change") == "MD +1.00 (higher = more hair)"


def test_body_label_and_legend_use_words():
    assert vocab.body_label("prp", "aga_male", "hair_density", "placebo") == (
        "platelet-rich plasma · androgenetic alopecia, men\nhair density vs placebo"
    )
    assert vocab.measure_legend(["MD", "RR", "MD"]) == ["MD: mean difference", "RR: risk ratio, 1 = no difference"]
