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
