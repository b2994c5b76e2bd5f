"""hairmeta.evidence.meta.measures against metafor 3.8-1 ``escalc`` (values from tests/reference/escalc_reference.R)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from testpaths import REFERENCE

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.meta.measures import MEASURES, cmicalc, get_measure

REFERENCE = REFERENCE
RTOL = 1e-10


def _expected() -> pd.DataFrame:
    return pd.read_csv(
        REFERENCE / "escalc_expected.csv", keep_default_na=False, dtype={"options": str, "yi": str, "vi": str}
    )


def _inputs(family: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / f"escalc_{family}_inputs.csv")


def _options(text: str) -> dict:
    options = {}
    for part in filter(None, text.split(";")):
        key, value = part.split("=")
        options[key] = {"TRUE": True, "FALSE": False}.get(value, value)
        if key == "add":
            options[key] = float(value)
    return options


def _floats(values) -> np.ndarray:
    return np.array([float(v) if v != "" else np.nan for v in values])


def _cases():
    expected = _expected()
    for (family, measure, options), rows in expected.groupby(["family", "measure", "options"], sort=False):
        yield pytest.param(family, measure, options, rows, id=f"{measure}-{family}-{options or 'default'}")


def _assert_matches_metafor(got: np.ndarray, want: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg="NaN pattern differs from escalc")
    ok = ~np.isnan(want)
    np.testing.assert_allclose(got[ok], want[ok], rtol=RTOL, atol=0)


@pytest.mark.parametrize("family, measure, options, rows", list(_cases()))
def test_measure_matches_metafor_escalc(family, measure, options, rows):
    """Oracle: metafor::escalc 3.8-1 on the same random inputs (escalc_reference.R)."""
    frame = _inputs(family).set_index("row").loc[rows["row"].to_numpy()]
    columns = {name: frame[name].to_numpy(float) for name in frame.columns}
    if family == "tables":
        columns = {k: columns[k] for k in ("ai", "bi", "ci", "di")}
    if family == "proportions":
        columns = {k: columns[k] for k in ("xi", "ni")}
    yi, vi = get_measure(measure).compute(columns, **_options(options))
    _assert_matches_metafor(yi, _floats(rows["yi"]))
    _assert_matches_metafor(vi, _floats(rows["vi"]))


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_table_measures_from_group_sizes_match_metafor(measure):
    """Oracle: escalc with ai, bi, ci, di; we are given ai, n1i, ci, n2i instead (b = n1 − a)."""
    frame = _inputs("tables")
    rows = _expected().query("family == 'tables' and measure == @measure and options == ''")
    columns = {k: frame[k].to_numpy(float) for k in ("ai", "n1i", "ci", "n2i")}
    yi, vi = get_measure(measure).compute(columns)
    _assert_matches_metafor(yi, _floats(rows["yi"]))
    _assert_matches_metafor(vi, _floats(rows["vi"]))


def test_proportions_from_nonevents_match_metafor():
    """Oracle: escalc(measure="PLO", xi, ni); we are given xi and mi (non-events) instead."""
    frame = _inputs("proportions")
    rows = _expected().query("family == 'proportions' and measure == 'PLO' and options == ''")
    yi, vi = get_measure("PLO").compute({"xi": frame["xi"].to_numpy(float), "mi": frame["mi"].to_numpy(float)})
    _assert_matches_metafor(yi, _floats(rows["yi"]))


def test_reference_covers_every_registered_measure():
    assert set(_expected()["measure"]) == set(MEASURES)


def test_cmicalc_hand_calculation_m10():
    """Hand calculation: c(10) = Γ(5) / (√5 · Γ(4.5)) = 24 / (√5 · 11.6317…) ≈ 0.92274;
    Hedges' approximation 1 − 3/(4m − 1) = 0.92308 is close but not equal."""
    want = math.gamma(5) / (math.sqrt(5) * math.gamma(4.5))
    assert cmicalc(np.array([10.0]))[0] == pytest.approx(want, rel=1e-14)
    assert cmicalc(np.array([10.0]))[0] != pytest.approx(1 - 3 / 39, rel=1e-6)
    assert np.isnan(cmicalc(np.array([1.0, 0.0]))).all()


def test_md_hand_calculation():
    """Hand calculation: MD = 12 − 10 = 2, vi = 3²/10 + 4²/20 = 0.9 + 0.8 = 1.7."""
    yi, vi = get_measure("MD").compute(
        {"m1i": [12.0], "sd1i": [3.0], "n1i": [10.0], "m2i": [10.0], "sd2i": [4.0], "n2i": [20.0]}
    )
    assert yi[0] == 2.0 and vi[0] == pytest.approx(1.7, rel=1e-15)


def test_unknown_measure_lists_valid_ones():
    with pytest.raises(UnknownNameError) as info:
        get_measure("hedges")
    assert "unknown effect measure 'hedges'" in str(info.value)
    assert "SMD" in info.value.valid and "PFT" in info.value.valid


def test_measure_names_are_case_insensitive():
    assert get_measure("smd") is MEASURES["SMD"]


def test_unknown_vtype_lists_valid_ones():
    with pytest.raises(UnknownNameError, match="valid: LS, UB, LS2"):
        get_measure("SMD").compute({k: [1.0] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}, vtype="AV")


def test_missing_columns_raise_data_error_naming_them():
    with pytest.raises(DataError, match=r"needs columns \(ai, bi, ci, di\) or \(ai, n1i, ci, n2i\)"):
        get_measure("OR").compute({"ai": [1.0], "ci": [2.0]})


def test_ratio_flags_mark_log_ratio_measures():
    assert {m.name for m in MEASURES.values() if m.ratio} == {"RR", "OR", "ROM"}


def test_zero_cell_rows_are_reported_as_adjusted():
    """metafor's default add=1/2, to="only0": only the row with a zero cell is corrected."""
    result = get_measure("OR").detail({"ai": [0.0, 3.0], "bi": [10.0, 7.0], "ci": [4.0, 5.0], "di": [6.0, 5.0]})
    assert result.adjusted.tolist() == [True, False]
    assert result.vi[0] == pytest.approx(1 / 0.5 + 1 / 10.5 + 1 / 4.5 + 1 / 6.5, rel=1e-15)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st

_pos = st.floats(0.5, 100, allow_nan=False)
_n = st.integers(2, 200).map(float)


@settings(max_examples=60, deadline=None)
@given(st.floats(-50, 50), _pos, _n, st.floats(-50, 50), _pos, _n, st.sampled_from(["MD", "SMD", "SMDH"]))
def test_swapping_groups_negates_yi_and_keeps_vi(m1, sd1, n1, m2, sd2, n2, name):
    """Property: exchanging the two groups flips the sign of the difference and keeps its variance."""
    measure = get_measure(name)
    forward = measure.compute({"m1i": [m1], "sd1i": [sd1], "n1i": [n1], "m2i": [m2], "sd2i": [sd2], "n2i": [n2]})
    backward = measure.compute({"m1i": [m2], "sd1i": [sd2], "n1i": [n2], "m2i": [m1], "sd2i": [sd1], "n2i": [n1]})
    assert backward[0][0] == pytest.approx(-forward[0][0], rel=1e-12, abs=1e-12)
    assert backward[1][0] == pytest.approx(forward[1][0], rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 40), st.integers(1, 40), st.integers(0, 40), st.integers(1, 40), st.sampled_from(["RR", "OR", "RD"])
)
def test_table_measures_are_antisymmetric_and_vi_positive(a, extra1, c, extra2, name):
    """Property: swapping the groups negates yi (log scale for RR/OR); vi is positive after the
    default zero-cell correction."""
    n1, n2 = a + extra1, c + extra2
    measure = get_measure(name)
    yi, vi = measure.compute({"ai": [a], "n1i": [n1], "ci": [c], "n2i": [n2]})
    yj, vj = measure.compute({"ai": [c], "n1i": [n2], "ci": [a], "n2i": [n1]})
    assert yj[0] == pytest.approx(-yi[0], abs=1e-12) and vj[0] == pytest.approx(vi[0], rel=1e-12)
    assert vi[0] > 0 or (name == "RD" and a in (0, n1) and c in (0, n2))
