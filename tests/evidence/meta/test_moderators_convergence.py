"""Meta-regression τ² estimators converge where plain Fisher scoring circles the optimum, like the
intercept-only estimators (issue 12)."""

from __future__ import annotations

import numpy as np
import pytest

from hairmeta.evidence.meta import moderators
from hairmeta.evidence.meta.pooling import pool

Y = np.array([0.0, 0.0, 0.0, 0.0, 1.0])
V = np.array([1.0, 1.0, 1.0, 1.0, 0.125])


@pytest.mark.parametrize("method", ["REML", "ML", "EB", "PM"])
def test_intercept_only_regression_equals_pool(method):
    tau2 = moderators._tau2_mods(Y, V, np.ones((5, 1)), method)
    assert tau2 == pytest.approx(pool(Y, V, method=method).tau2, abs=1e-9)


def test_reml_optimum_and_bracketed_fallback_agree():
    X = np.ones((5, 1))
    assert moderators._tau2_mods(Y, V, X, "REML") == pytest.approx(0.0868745, abs=1e-6)
    assert moderators._bracketed_max_mods(Y, V, X, True) == pytest.approx(
        moderators._tau2_mods(Y, V, X, "REML"), rel=1e-9
    )


def test_cut_short_scoring_still_reaches_the_maximum(monkeypatch):
    monkeypatch.setattr(moderators, "MAXITER", 1)
    X = np.column_stack([np.ones(5), [0.0, 1.0, 0.0, 1.0, 0.5]])
    tau2 = moderators._tau2_mods(Y, V, X, "REML")
    grid = np.linspace(0, 3, 3001)
    best = max(moderators._reg_loglik(Y, V, X, t, True) for t in grid)
    assert moderators._reg_loglik(Y, V, X, tau2, True) >= best - 1e-9
