"""Diagnostics that read a fit, checked against metafor 3.8.1 (tests/reference/rma_diagnostics.R):
leave1out, cumul, regtest, ranktest, trimfill, rma(mods = ...), per-subgroup fits."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from testpaths import REFERENCE

from hairmeta.evidence.errors import DataError, ModelError
from hairmeta.evidence.meta.bias import egger_test, rank_test, trim_fill
from hairmeta.evidence.meta.moderators import meta_regression, q_between, subgroup_analysis
from hairmeta.evidence.meta.pooling import MetaResult, pool, pool_frame
from hairmeta.evidence.meta.sensitivity import cumulative, leave_one_out

REF = REFERENCE
CASES = json.loads((REF / "rma_diagnostics.json").read_text())["cases"]
DATA = pd.read_csv(REF / "rma_diagnostics_data.csv")
IDS = [f"{c['dataset']}-{c['method']}-{'knha' if c['knha'] else 'z'}" for c in CASES]


def data(name: str) -> pd.DataFrame:
    return DATA[DATA["dataset"] == name].reset_index(drop=True)


def fit_for(case) -> MetaResult:
    return pool_frame(data(case["dataset"]), method=case["method"], knha=case["knha"])


def close(got, want, key=""):
    if isinstance(want, dict):  # metafor leaves the quantity out (e.g. tau2 of an EE model)
        return
    got = np.atleast_1d(np.asarray(got, float))
    want = np.atleast_1d(np.asarray([np.nan if w is None else w for w in np.atleast_1d(want)], float))
    defined = ~np.isnan(want)
    np.testing.assert_allclose(got[defined], want[defined], rtol=1e-6, atol=1e-10, err_msg=key)


def assert_sweep(frame: pd.DataFrame, ref: dict):
    for key in ("estimate", "se", "p", "ci_low", "ci_high", "q", "q_p", "tau2", "i2", "h2"):
        close(frame[key], ref[key], key)
        if not isinstance(ref[key], dict):  # where metafor gives NA we give NaN
            assert np.isnan(frame[key].to_numpy()[pd.isna(pd.Series(ref[key], dtype=object)).to_numpy()]).all(), key


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_leave_one_out_matches_metafor_leave1out(case):
    assert_sweep(leave_one_out(fit_for(case)).to_frame(), case["leave1out"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cumulative_by_year_matches_metafor_cumul(case):
    fit = fit_for(case)
    frame = cumulative(fit, order=data(case["dataset"])["year"]).to_frame()
    assert list(frame["label"]) == case["cumul"]["order"]
    assert list(frame["k"]) == list(range(1, fit.k + 1))
    assert_sweep(frame, case["cumul"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_egger_matches_metafor_regtest(case):
    res, ref = egger_test(fit_for(case)), case["regtest"]
    for key in ("stat", "p", "estimate", "ci_low", "ci_high"):
        close(getattr(res, key), ref[key], key)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_rank_test_matches_metafor_ranktest(case):
    res = rank_test(fit_for(case))
    close(res.stat, case["ranktest"]["tau"], "tau")
    close(res.p, case["ranktest"]["p"], "p")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_trim_fill_matches_metafor_trimfill(case):
    res, ref = trim_fill(fit_for(case)), case["trimfill"]
    assert (res.k0, res.side) == (ref["k0"], ref["side"])
    close(res.se_k0, ref["se_k0"], "se_k0")
    if res.k0:
        close(np.sort(res.filled["yi"]), np.sort(np.atleast_1d(ref["filled_yi"])), "filled yi")
        close(np.sort(res.filled["vi"]), np.sort(np.atleast_1d(ref["filled_vi"])), "filled vi")
    for key in ("estimate", "se", "tau2", "ci_low", "ci_high"):
        close(getattr(res.fit, key), ref[key], key)


BCG_CASES = [c for c in CASES if c["dataset"] == "bcg"]
BCG_IDS = [f"{c['method']}-{'knha' if c['knha'] else 'z'}" for c in BCG_CASES]


@pytest.mark.parametrize("case", BCG_CASES, ids=BCG_IDS)
def test_bcg_colditz1994_meta_regression_matches_rma_mods(case):
    d, ref = data("bcg"), case["metareg"]
    res = meta_regression(d["yi"], d["vi"], d[["ablat", "year"]], method=case["method"], knha=case["knha"])
    coefs = res.to_frame()
    assert list(coefs["term"]) == ["intrcpt", "ablat", "year"]
    for key in ("estimate", "se", "stat", "p", "ci_low", "ci_high"):
        close(coefs[key], ref[key], key)
    for key in ("qm", "qm_p", "qe", "qe_p", "tau2", "i2", "h2", "r2"):
        close(getattr(res, key), ref[key], key)


@pytest.mark.parametrize("case", BCG_CASES, ids=BCG_IDS)
def test_bcg_colditz1994_subgroups_by_allocation_match_separate_rma_fits(case):
    ref = case["subgroups"]
    res = subgroup_analysis(data("bcg"), "alloc", method=case["method"], knha=case["knha"], label_column="study")
    assert list(res.subgroups) == ref["levels"]
    close([f.estimate for f in res.subgroups.values()], ref["estimate"], "estimate")
    close([f.se for f in res.subgroups.values()], ref["se"], "se")
    close([f.tau2 for f in res.subgroups.values()], ref["tau2"], "tau2")
    close(res.q_between, ref["q_between"], "q_between")
    close(res.q_between_p, ref["q_between_p"], "q_between_p")
    close(res.qm_common_tau2, ref["qm_common_tau2"], "qm")
    close(res.qm_common_tau2_p, ref["qm_common_tau2_p"], "qm_p")
    d = res.to_dict()
    assert d["q_between_df"] == 2 and len(d["subgroups"]) == 3 and d["subgroups"][0]["subgroup"] == "alternate"


def test_q_between_hand_calculation():
    # two subgroups 0 and 1 with SE 1 each: mean 0.5, Q = 0.25 + 0.25 = 0.5 on 1 df
    q, df, p = q_between(np.array([0.0, 1.0]), np.array([1.0, 1.0]))
    assert (q, df) == (0.5, 1) and p == pytest.approx(0.4795001221869535)


def test_leave_one_out_k1_stops_as_metafor():
    with pytest.raises(ModelError, match="Stopped because k = 1"):
        leave_one_out(pool([0.3], [0.1]))


def test_cumulative_first_row_is_the_first_study_alone():
    fit = pool([0.1, 0.5, 0.9], [0.04, 0.05, 0.06], labels=["a", "b", "c"])
    frame = cumulative(fit, order=[3, 1, 2]).to_frame()
    assert list(frame["label"]) == ["b", "c", "a"]
    assert frame["estimate"][0] == 0.5 and frame["tau2"][0] == 0.0
    assert frame["se"][0] == pytest.approx(math.sqrt(0.05))
    with pytest.raises(DataError, match="order has 2 values"):
        cumulative(fit, order=[1, 2])


def test_small_k_and_bad_input_errors():
    two = pool([0.1, 0.5], [0.04, 0.05])
    for func in (egger_test, rank_test, trim_fill):
        with pytest.raises(ModelError, match="k >= 3"):
            func(two)
    with pytest.raises(DataError, match="side must be"):
        trim_fill(pool([0.1, 0.5, 0.7], [0.04, 0.05, 0.06]), side="up")
    frame = pd.DataFrame({"yi": [0.1, 0.2, 0.3], "vi": [0.1, 0.1, 0.1], "g": ["a", None, "b"]})
    with pytest.raises(DataError, match=r"^3:g: empty subgroup value"):
        subgroup_analysis(frame, "g")
    with pytest.raises(ModelError, match="at least two levels"):
        subgroup_analysis(frame.assign(g="a"), "g")
    with pytest.raises(ModelError, match="more studies than coefficients"):
        meta_regression([0.1, 0.2], [0.1, 0.1], pd.DataFrame({"x": [1.0, 2.0]}))
