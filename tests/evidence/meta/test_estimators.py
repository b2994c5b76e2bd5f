"""τ² estimators: registry, batching (one vectorised batch = separate fits), invariants on
random data (hypothesis), hand calculations of DL and HE, and PM's search limit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hairmeta.evidence.errors import ConvergenceError, UnknownNameError
from hairmeta.evidence.meta.estimators import ALIASES, ESTIMATORS, Batch, estimate_tau2, q_stat, resolve
from hairmeta.evidence.meta.pooling import pool

METHODS = sorted(ESTIMATORS)
YI = np.array([-0.89, -1.59, -1.35, -1.44, -0.22, -0.79, -1.62, 0.01, -0.47, -1.37, -0.34, 0.45, -0.02])
VI = np.array([0.33, 0.19, 0.42, 0.02, 0.05, 0.01, 0.22, 0.004, 0.06, 0.07, 0.01, 0.53, 0.07])


def test_registry_names_and_aliases():
    assert set(METHODS) == {"EE", "DL", "HE", "SJ", "PM", "ML", "REML", "EB"}
    assert resolve("fe") == "EE" and ALIASES["FE"] == "EE"
    with pytest.raises(UnknownNameError) as info:
        resolve("MM")
    assert info.value.valid[:2] == ("EE", "DL")


def test_dl_and_he_by_hand():
    y, v = np.array([0.0, 1.0, 3.0]), np.array([1.0, 1.0, 2.0])
    # DL: w = 1, 1, .5; mean_w = 2.5/2.5 = 1; Q = 1 + 0 + .5·4 = 3; c = 2.5 - 2.25/2.5 = 1.6
    assert estimate_tau2(Batch.of(y, v), "DL").tau2[0] == pytest.approx((3 - 2) / 1.6)
    # HE: RSS = Σ(y - 4/3)² = 14/3; Σv (k-1)/k = 4 · 2/3 = 8/3; τ² = (14/3 - 8/3)/2 = 1
    assert estimate_tau2(Batch.of(y, v), "HE").tau2[0] == pytest.approx(1.0)


@pytest.mark.parametrize("method", METHODS)
def test_batched_leave_one_out_equals_separate_fits(method):
    mask = ~np.eye(YI.size, dtype=bool)
    batch = estimate_tau2(Batch.of(YI, VI, mask), method).tau2
    single = [pool(np.delete(YI, i), np.delete(VI, i), method=method).tau2 for i in range(YI.size)]
    np.testing.assert_allclose(batch, single, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("method", ["PM", "REML", "ML", "EB"])
def test_iterative_estimators_solve_their_equations(method):
    tau2 = pool(YI, VI, method=method).tau2
    b = Batch.of(YI, VI)
    if method == "PM":  # generalised Q equals its expectation k - 1
        assert q_stat(b, np.array([tau2]))[0] == pytest.approx(YI.size - 1, rel=1e-9)
    else:  # the scoring step vanishes at the solution
        from hairmeta.evidence.meta.estimators import _scoring_step

        assert abs(_scoring_step(b, np.array([tau2]), method)[0]) < 1e-9


def test_pm_root_beyond_search_limit_is_a_convergence_error():
    # mad(y) is tiny, so the limit is 100, but Q(100) ≈ 8e5/100 > k - 1; metafor 3.8.1 stops with
    # "Value of 'tau2.max' too low" on rma(c(0, .001, -.001, 0, 1000), rep(1e-4, 5), method = "PM")
    y = np.array([0.0, 0.001, -0.001, 0.0, 1000.0])
    with pytest.raises(ConvergenceError, match="search limit 100"):
        pool(y, np.full(5, 1e-4), method="PM")


finite = st.floats(-5, 5, allow_nan=False)
positive = st.floats(1e-3, 2.0, allow_nan=False)


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(finite, positive), min_size=2, max_size=12), st.sampled_from(METHODS))
def test_invariants_on_random_data(studies, method):
    y, v = (np.array(x) for x in zip(*studies))
    fit = pool(y, v, method=method)
    assert fit.tau2 >= 0 and 0 <= fit.i2 < 100 and fit.q >= 0
    if method == "EE":  # metafor: H² = Q/df for EE models, not truncated at 1
        assert fit.h2 == pytest.approx(fit.q / fit.q_df)
    else:
        assert fit.h2 >= 1
    assert y.min() - 1e-9 <= fit.estimate <= y.max() + 1e-9
    assert fit.ci_low <= fit.estimate <= fit.ci_high
    assert fit.pi_low <= fit.ci_low + 1e-12 and fit.pi_high >= fit.ci_high - 1e-12
    assert fit.weights.sum() == pytest.approx(100.0)


def test_reml_converges_where_fisher_scoring_circles_the_optimum():
    # Plain Fisher scoring contracts by a factor of about -0.998 per step here (issue 12): the
    # step-halving must land on the REML optimum, where the score vanishes.
    from hairmeta.evidence.meta.estimators import _score

    b = Batch.of([0, 0, 0, 0, 1], [1, 1, 1, 1, 0.125])
    fit = estimate_tau2(b, "REML")
    assert fit.converged[0] and fit.iterations[0] < 50
    assert fit.tau2[0] == pytest.approx(0.0868745, abs=1e-6)
    assert abs(_score(b, fit.tau2, True)[0]) < 1e-10
    assert pool([0, 0, 0, 0, 1], [1, 1, 1, 1, 0.125], method="REML").tau2 == pytest.approx(fit.tau2[0])


@pytest.mark.parametrize("reml", [True, False])
def test_bracketed_fallback_agrees_with_scoring(reml):
    from hairmeta.evidence.meta.estimators import _bracketed_max

    b = Batch.of(YI, VI)
    scored = estimate_tau2(b, "REML" if reml else "ML").tau2
    np.testing.assert_allclose(_bracketed_max(b, reml), scored, rtol=1e-9)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(finite, positive), min_size=2, max_size=10), st.sampled_from(["ML", "REML"]))
def test_likelihood_estimators_always_reach_the_maximum(studies, method):
    from hairmeta.evidence.meta.estimators import log_likelihood

    y, v = (np.array(x) for x in zip(*studies))
    b = Batch.of(y, v)
    fit = estimate_tau2(b, method)
    assert fit.converged[0]
    grid = np.concatenate(([0.0], np.geomspace(1e-6, 10 * max(1.0, float(np.var(y))), 300)))
    best = max(log_likelihood(b, np.array([t]), method == "REML")[0] for t in grid)
    assert log_likelihood(b, fit.tau2, method == "REML")[0] >= best - 1e-9
