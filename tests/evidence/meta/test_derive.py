"""hairmeta.evidence.meta.derive: oracle = the same published formulas re-implemented in base R
(tests/reference/derive_reference.R → derive_expected.csv) plus hand calculations."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testpaths import REFERENCE

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.meta import derive

REFERENCE = REFERENCE

CALLS = {
    "sd_from_se": lambda x: (derive.sd_from_se(x[0], x[1]).value, None),
    "sd_from_ci_t": lambda x: (derive.sd_from_ci(x[0], x[1], x[2], level=x[3], dist="t").value, None),
    "sd_from_ci_z": lambda x: (derive.sd_from_ci(x[0], x[1], x[2], level=x[3], dist="z").value, None),
    "se_from_p": lambda x: (derive.se_from_p(x[0], x[1], None if math.isnan(x[2]) else x[2]).value, None),
    "median_iqr": lambda x: derive.mean_sd_from_median_iqr(*x[:4])[:2],
    "median_range": lambda x: derive.mean_sd_from_median_range(*x[:4])[:2],
    "five_numbers": lambda x: derive.mean_sd_from_five_numbers(*x[:6])[:2],
    "change_sd": lambda x: (derive.change_sd(x[0], x[1], x[2]).value, None),
    "combine_groups": lambda x: derive.combine_groups(*x[:6])[1:3],
}


def _cases():
    frame = pd.read_csv(REFERENCE / "derive_expected.csv")
    for row in frame.itertuples(index=False):
        yield pytest.param(row, id=row.case)


@pytest.mark.parametrize("row", list(_cases()))
def test_derivation_matches_r_reimplementation(row):
    """Oracle: derive_reference.R (base R qnorm/qt on the published formulas)."""
    args = [row.x1, row.x2, row.x3, row.x4, row.x5, row.x6]
    first, second = CALLS[row.fn](args)
    assert first == pytest.approx(row.out1, rel=1e-12)
    if not math.isnan(row.out2):
        assert second == pytest.approx(row.out2, rel=1e-12)


def test_reference_covers_every_derivation():
    assert set(pd.read_csv(REFERENCE / "derive_expected.csv")["fn"]) == set(CALLS)


def test_sd_from_ci_large_sample_z_hand_calculation():
    """Hand calculation (Cochrane 6.5.2.2 example form): n=100, CI 10 to 13.92 → SD = 10·3.92/3.92 ≈ 10."""
    got = derive.sd_from_ci(10, 13.92, 100, dist="z")
    assert got.value == pytest.approx(10 * 3.92 / (2 * 1.959963984540054), rel=1e-12)
    assert "95% CI 10 to 13.92" in got.note and "z quantile" in got.note


def test_t_interval_is_wider_than_z_for_small_n():
    assert derive.sd_from_ci(1, 3, 6, dist="t").value < derive.sd_from_ci(1, 3, 6, dist="z").value


def test_se_from_t_hand_calculation():
    assert derive.se_from_t(-2.5, 5.0).value == 2.0


def test_sd_from_se_difference_hand_calculation():
    """SE of a difference 2 with 8 + 8 patients: SD = 2/√(1/4) = 4."""
    assert derive.sd_from_se_difference(2.0, 8, 8).value == pytest.approx(4.0)


def test_change_sd_default_and_sensitivity_range():
    """Hand calculation: sd 3 and 4 with r=0.5 → √(9+16−12) = √13; r=0.2 and 0.8 bracket it."""
    assert derive.DEFAULT_CORRELATION == 0.5 and derive.CORRELATION_RANGE == (0.2, 0.8)
    assert derive.change_sd(3, 4).value == pytest.approx(math.sqrt(13))
    low_r, high_r = derive.change_sd_range(3, 4)
    assert high_r.value < math.sqrt(13) < low_r.value
    assert "r=0.8" in high_r.note


def test_correlation_round_trips_change_sd():
    sd = derive.change_sd(5.0, 7.0, 0.37).value
    assert derive.correlation_from_sds(5.0, 7.0, sd).value == pytest.approx(0.37, rel=1e-12)


def test_large_n_iqr_sd_approaches_iqr_over_1_349():
    """For normal data IQR ≈ 1.349 SD: with n = 100000 the Wan estimator recovers SD = 10."""
    got = derive.mean_sd_from_median_iqr(50 - 6.744897501960817, 50, 50 + 6.744897501960817, 100_000)
    assert got.sd == pytest.approx(10, rel=1e-4) and got.mean == pytest.approx(50)


@settings(max_examples=50, deadline=None)
@given(st.floats(-100, 100), st.floats(0.1, 50), st.floats(0.1, 50), st.integers(5, 500))
def test_symmetric_summaries_give_median_as_mean(median, half_iqr, extra, n):
    """Property: for symmetric summaries every Luo estimator returns the median."""
    five = derive.mean_sd_from_five_numbers(
        median - half_iqr - extra, median - half_iqr, median, median + half_iqr, median + half_iqr + extra, n
    )
    assert five.mean == pytest.approx(median, abs=1e-9)
    assert five.sd > 0


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda: derive.sd_from_ci(5, 3, 10), "ci_high"),
        (lambda: derive.sd_from_ci(3, 5, 1), "n"),
        (lambda: derive.se_from_p(0.0, 1.0), "p_value"),
        (lambda: derive.se_from_p(1.2, 1.0, 10), "p_value"),
        (lambda: derive.mean_sd_from_median_iqr(5, 4, 6, 10), "median"),
        (lambda: derive.mean_sd_from_median_range(1, 5, 9, 1), "n"),
        (lambda: derive.change_sd(3, 4, 1.5), "ri"),
        (lambda: derive.sd_from_se(-1, 10), "se"),
    ],
)
def test_meaningless_inputs_raise_data_error_naming_the_field(call, field):
    with pytest.raises(DataError) as info:
        call()
    assert info.value.field == field


def test_se_from_p_degrees_of_freedom_from_group_sizes():
    """df = n − 1 (paired) or n1 + n2 − 2 (two groups), as with an explicit df."""
    assert derive.se_from_p(0.03, 2.0, n=12).value == derive.se_from_p(0.03, 2.0, 11).value
    assert derive.se_from_p(0.03, 2.0, n=12, n2=10).value == derive.se_from_p(0.03, 2.0, 20).value
    assert "with 20 df" in derive.se_from_p(0.03, 2.0, n=12, n2=10).note
