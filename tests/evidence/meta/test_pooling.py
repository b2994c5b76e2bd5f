"""pool(): parity with metafor 3.8.1 (rma, predict, confint; tests/reference/rma_pool.R),
published check values, statsmodels' combine_effects and hand-checked edge cases."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from testpaths import REFERENCE

from hairmeta.evidence.errors import ConvergenceError, DataError, ModelError, UnknownNameError
from hairmeta.evidence.meta.pooling import CONTRACT_KEYS, pool, pool_frame, read_effects

REF = REFERENCE
FITS = json.loads((REF / "rma_pool.json").read_text())["fits"]
DATA = pd.read_csv(REF / "rma_pool_data.csv")
FIELDS = (
    "estimate",
    "se",
    "stat",
    "p",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "tau2",
    "tau2_ci_low",
    "tau2_ci_high",
    "i2",
    "h2",
    "q",
    "q_p",
)


def dataset(name: str) -> pd.DataFrame:
    return DATA[DATA["dataset"] == name].reset_index(drop=True)


def assert_metafor(result, ref: dict, fields=FIELDS) -> None:
    for key in fields:
        want = ref[key]
        if want is None and key in ("pi_low", "pi_high") and ref["method"] == "EE":
            want = ref[key.replace("pi_", "ci_")]  # EE: tau2 = 0, so the PI is the CI
        got = getattr(result, key)
        if want is None:
            assert math.isnan(got), key
        else:
            assert got == pytest.approx(want, rel=1e-6, abs=1e-12), key


@pytest.mark.parametrize("ref", FITS, ids=lambda r: f"{r['dataset']}-{r['method']}-{'knha' if r['knha'] else 'z'}")
def test_matches_metafor_rma_predict_confint(ref):
    frame = dataset(ref["dataset"])
    result = pool_frame(frame, method=ref["method"], knha=ref["knha"])
    assert result.k == ref["k"]
    assert_metafor(result, ref)


def _bcg_ref(method: str, knha: bool = False) -> dict:
    return next(r for r in FITS if r["dataset"] == "bcg" and r["method"] == method and r["knha"] == knha)


@pytest.mark.parametrize("method", ["EE", "DL", "HE", "SJ", "PM", "ML", "REML", "EB"])
def test_bcg_colditz1994_method(method):
    """BCG vaccine trials (Colditz 1994, metafor's dat.bcg): every estimator, z and knha."""
    frame = dataset("bcg")
    assert len(frame) == 13
    for knha in (False, True):
        assert_metafor(pool_frame(frame, method=method, knha=knha), _bcg_ref(method, knha))


def test_bcg_colditz1994_dl_published_stata_metan_values():
    """Stata metan values quoted in metafor's tests: DL −0.7141, τ² 0.3088, I² 92.1173%."""
    dl = pool_frame(dataset("bcg"), method="DL")
    assert round(dl.estimate, 4) == -0.7141
    assert round(dl.tau2, 4) == 0.3088
    assert round(dl.i2, 4) == 92.1173
    fe = pool_frame(dataset("bcg"), method="FE")
    assert round(fe.estimate, 4) == -0.4303
    assert round(fe.q, 4) == 152.2330
    assert fe.method == "EE"


def test_dl_and_pm_agree_with_statsmodels_combine_effects_clipped():
    from statsmodels.stats.meta_analysis import combine_effects

    for name in ("bcg", "heterogeneous", "normand1999"):
        frame = dataset(name)
        sm_dl = combine_effects(frame["yi"].to_numpy(), frame["vi"].to_numpy(), method_re="chi2")
        sm_pm = combine_effects(frame["yi"].to_numpy(), frame["vi"].to_numpy(), method_re="iterated")
        assert pool_frame(frame, method="DL").tau2 == pytest.approx(max(0.0, sm_dl.tau2), rel=1e-8)
        assert pool_frame(frame, method="DL").estimate == pytest.approx(sm_dl.mean_effect_re, rel=1e-8)
        assert pool_frame(frame, method="PM").tau2 == pytest.approx(sm_pm.tau2, rel=1e-5)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")
def test_homogeneous_data_clips_tau2_and_i2_at_zero_where_statsmodels_goes_negative():
    from statsmodels.stats.meta_analysis import combine_effects

    frame = dataset("homogeneous")
    sm = combine_effects(frame["yi"].to_numpy(), frame["vi"].to_numpy(), method_re="chi2")
    assert sm.tau2 < 0  # statsmodels' raw DL on Q < df
    for method in ("DL", "REML", "PM", "HE", "SJ", "ML", "EB"):
        fit = pool_frame(frame, method=method)
        assert fit.q < fit.q_df
        assert fit.tau2 >= 0 and fit.i2 >= 0 and fit.h2 >= 1
    assert pool_frame(frame, method="DL").tau2 == 0.0
    assert pool_frame(frame, method="EE").i2 == 0.0


def test_hand_calculation_two_studies_equal_effects():
    # w = 1/0.04 = 25 and 1/0.09 = 11.11…; mean = (25*0.2 + 11.111*0.9)/36.111
    fit = pool([0.2, 0.9], [0.04, 0.09], method="EE")
    w1, w2 = 25.0, 1 / 0.09
    assert fit.estimate == pytest.approx((w1 * 0.2 + w2 * 0.9) / (w1 + w2), rel=1e-12)
    assert fit.se == pytest.approx(math.sqrt(1 / (w1 + w2)), rel=1e-12)
    assert fit.q == pytest.approx(w1 * w2 / (w1 + w2) * 0.7**2, rel=1e-12)
    assert list(fit.weights) == pytest.approx([100 * w1 / (w1 + w2), 100 * w2 / (w1 + w2)])


def test_k1_returns_the_study_with_tau2_zero_and_a_note():
    fit = pool([0.5], [0.04], method="REML", labels=["Only"])
    assert fit.k == 1 and fit.estimate == 0.5 and fit.se == pytest.approx(0.2)
    assert fit.tau2 == 0.0 and fit.q == 0.0 and fit.i2 == 0.0 and fit.h2 == 1.0 and fit.q_p == 1.0
    assert math.isnan(fit.tau2_ci_low) and "k = 1" in fit.notes[0]
    with pytest.raises(ModelError, match="k = 1"):
        pool([0.5], [0.04], knha=True)


def test_bad_variances_and_missing_values_name_the_row():
    with pytest.raises(DataError, match=r"^3:vi: sampling variance must be positive"):
        pool([0.1, 0.2, 0.3], [0.1, 0.1, 0.0])
    with pytest.raises(DataError, match=r"^2:yi: missing"):
        pool([0.1, float("nan")], [0.1, 0.1])
    with pytest.raises(ModelError, match="k = 0"):
        pool([], [])


def test_unknown_estimator_lists_the_valid_ones():
    with pytest.raises(UnknownNameError) as info:
        pool([0.1, 0.2], [0.1, 0.1], method="XYZ")
    assert "REML" in str(info.value) and "tau2 estimator" in str(info.value)
    assert pool([0.1, 0.2], [0.1, 0.1], method="reml").method == "REML"


def test_reml_cut_short_falls_back_to_the_bracketed_maximum(monkeypatch):
    import hairmeta.evidence.meta.estimators as est

    monkeypatch.setattr(est, "MAXITER", 1)
    fit = pool(dataset("bcg")["yi"], dataset("bcg")["vi"], method="REML")
    assert fit.tau2 == pytest.approx(_bcg_ref("REML")["tau2"], rel=1e-6)


def test_eb_non_convergence_raises_convergence_error(monkeypatch):
    import hairmeta.evidence.meta.estimators as est

    monkeypatch.setattr(est, "MAXITER", 1)
    with pytest.raises(ConvergenceError, match="EB did not converge"):
        pool(dataset("bcg")["yi"], dataset("bcg")["vi"], method="EB")


def test_to_dict_has_exactly_the_contract_keys_as_plain_numbers():
    d = pool_frame(dataset("bcg")).to_dict()
    assert tuple(d) == CONTRACT_KEYS
    assert isinstance(d["k"], int) and isinstance(d["estimate"], float) and d["method"] == "REML"


def test_pool_frame_reads_sei_and_labels(tmp_path):
    frame = dataset("bcg")
    path = tmp_path / "e.csv"
    pd.DataFrame({"label": frame["study"], "yi": frame["yi"], "sei": np.sqrt(frame["vi"])}).to_csv(path, index=False)
    fit = pool_frame(read_effects(path), method="DL", file=str(path))
    assert fit.labels[0] == "Aronson 1948"
    assert fit.estimate == pytest.approx(_bcg_ref("DL")["estimate"], rel=1e-10)


def test_pool_frame_errors_name_file_line_and_field(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("study,yi,vi\nA,0.1,0.02\nB,abc,0.03\n")
    with pytest.raises(DataError, match=r"bad.csv:3:yi: not a number: 'abc'"):
        pool_frame(read_effects(path), file=str(path))
    path.write_text("study,yi,vi\nA,0.1,0.02\nB,0.2,\n")
    with pytest.raises(DataError, match=r"bad.csv:3:vi: missing"):
        pool_frame(read_effects(path), file=str(path))
    path.write_text("study,yi,sei\nA,0.1,-1\n")
    with pytest.raises(DataError, match=r"bad.csv:2:sei: standard error must be positive"):
        pool_frame(read_effects(path), file=str(path))
    path.write_text("study,effect\nA,0.1\n")
    with pytest.raises(DataError, match="no 'yi' column"):
        pool_frame(read_effects(path), file=str(path))


def test_tau2_ci_upper_bound_at_the_search_limit_is_noted():
    # metafor 3.8.1: rma(c(10, 40), c(30, 40)); confint() gives tau2 415, CI 54.5721 to ">4150"
    fit = pool([10.0, 40.0], [30.0, 40.0], method="REML")
    assert fit.tau2_ci_high == pytest.approx(max(100.0, 10 * fit.tau2))  # metafor: ">4150"
    assert any("end of the search range" in n for n in fit.notes)
    assert not pool(dataset("bcg")["yi"], dataset("bcg")["vi"]).notes


def test_read_effects_accepts_a_spreadsheet_bom(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffstudy,yi,vi\nA,0.1,0.04\nB,0.3,0.05\n".encode("utf-8"))
    fit = pool_frame(read_effects(path), method="DL", file=str(path))
    assert fit.labels == ("A", "B") and fit.k == 2
