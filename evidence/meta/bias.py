"""Small-study effects and publication bias: Egger's regression test, Begg's rank correlation test and
trim-and-fill (metafor's ``regtest``, ``ranktest`` and ``trimfill``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hairmeta.evidence.errors import ConvergenceError, DataError, ModelError
from hairmeta.evidence.meta.moderators import fit_design
from hairmeta.evidence.meta.pooling import MetaResult, pool


@dataclass(frozen=True)
class TestResult:
    """A small-study-effect test: statistic, p-value and, for Egger, the limit estimate."""

    test: str
    stat: float
    p: float
    df: int | None = None
    estimate: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")

    def to_dict(self) -> dict:
        return {
            "test": self.test,
            "stat": self.stat,
            "p": self.p,
            "df": self.df,
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])


def egger_test(fit: MetaResult) -> TestResult:
    """Egger's regression test as metafor ``regtest(fit)``: the fit's model with ``sei`` as moderator.

    ``stat`` is the z (t under Knapp–Hartung, df k − 2) of the ``sei`` slope; ``estimate`` is the
    intercept, the limit estimate as ``sei → 0``, with its CI.
    """
    if fit.k < 3:
        raise ModelError(f"Egger's test needs k >= 3 studies (k = {fit.k})")
    X = np.column_stack([np.ones(fit.k), fit.sei])
    reg = fit_design(fit.yi, fit.vi, X, ["intrcpt", "sei"], method=fit.method, knha=fit.knha, level=fit.level)
    c = reg.coefficients
    return TestResult(
        "egger",
        float(c["stat"][1]),
        float(c["p"][1]),
        fit.k - 2 if fit.knha else None,
        float(c["estimate"][0]),
        float(c["ci_low"][0]),
        float(c["ci_high"][0]),
    )


def rank_test(fit: MetaResult) -> TestResult:
    """Begg & Mazumdar's rank correlation test as metafor ``ranktest``.

    Kendall's τ between ``(y_i − θ̂_FE)/sqrt(v_i − 1/Σw)`` and ``v_i``; exact p-value without
    ties (``cor.test(exact = TRUE)``), normal approximation with tie correction otherwise.
    """
    if fit.k < 3:
        raise ModelError(f"rank correlation test needs k >= 3 studies (k = {fit.k})")
    w = 1 / fit.vi
    theta = np.sum(w * fit.yi) / w.sum()
    ystar = (fit.yi - theta) / np.sqrt(fit.vi - 1 / w.sum())
    ties = len(np.unique(ystar)) < fit.k or len(np.unique(fit.vi)) < fit.k
    from scipy import stats  # only the rank test needs scipy.stats (0.3 s to import)

    res = stats.kendalltau(ystar, fit.vi, method="asymptotic" if ties else "exact")
    return TestResult("rank", float(res.statistic), float(res.pvalue))


@dataclass(frozen=True, eq=False)
class TrimFillResult:
    """Trim-and-fill: the number of filled studies, their values and the refit."""

    k0: int
    se_k0: float
    side: str
    filled: pd.DataFrame  # label, yi, vi of the imputed studies
    fit: MetaResult

    def to_dict(self) -> dict:
        return {
            "k0": self.k0,
            "se_k0": self.se_k0,
            "side": self.side,
            "filled": self.filled.to_dict(orient="records"),
            "fit": self.fit.to_dict(),
        }

    def to_frame(self) -> pd.DataFrame:
        return self.filled.copy()


def _l0(yc: np.ndarray) -> tuple[float, float]:
    """Duval & Tweedie's L0 and its SE from centred, sorted effects."""
    k = yc.size
    from scipy import stats  # only trim-and-fill needs scipy.stats (0.3 s to import)

    ranks = stats.rankdata(np.abs(yc), method="ordinal")
    sr = np.sum(ranks[yc > 0])
    k0 = (4 * sr - k * (k + 1)) / (2 * k - 1)
    var_sr = (
        k * (k + 1) * (2 * k + 1) + 10 * k0**3 + 27 * k0**2 + 17 * k0 - 18 * k * k0**2 - 18 * k * k0 + 6 * k**2 * k0
    ) / 24
    return k0, 4 * np.sqrt(max(var_sr, 0.0)) / (2 * k - 1)


def _side(fit: MetaResult) -> str:
    """metafor's rule: regress yi on sqrt(vi) with the fit's estimator; slope < 0 → "right"."""
    X = np.column_stack([np.ones(fit.k), fit.sei])
    slope = fit_design(fit.yi, fit.vi, X, ["intrcpt", "sei"], method=fit.method).coefficients["estimate"][1]
    return "right" if slope < 0 else "left"


def trim_fill(fit: MetaResult, side: str | None = None, maxiter: int = 100) -> TrimFillResult:
    """Trim and fill with the L0 estimator (metafor ``trimfill``; Duval & Tweedie 2000).

    Missing studies are imputed on ``side`` ("left"/"right"; default metafor's rule from the
    sign of the Egger-type slope), by iterating: pool the k − k0 least extreme studies, rank
    the centred effects, ``k0 = max(0, round((4 S_r − k(k+1)) / (2k − 1)))``.  The filled data are
    refitted with the fit's estimator and, as metafor 3.8 does, the default z test.
    """
    if fit.k < 3:
        raise ModelError(f"trim and fill needs k >= 3 studies (k = {fit.k})")
    side = side or _side(fit)
    if side not in ("left", "right"):
        raise DataError(f"side must be 'left' or 'right', got {side!r}", field="side")
    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * fit.yi, kind="stable")
    y, v, k = sign * fit.yi[order], fit.vi[order], fit.k
    k0, k0_prev, it = 0, -1, 0
    while k0 != k0_prev:
        k0_prev, it = k0, it + 1
        if it > maxiter:
            raise ConvergenceError(f"trim and fill did not converge within {maxiter} iterations")
        beta = pool(y[: k - k0], v[: k - k0], method=fit.method).estimate
        k0_raw, se_k0 = _l0(y - beta)
        k0 = int(max(0.0, np.round(k0_raw)))  # R's round() and numpy's both round halves to even
    return _filled(fit, y, v, beta, k0, max(0.0, se_k0), side, sign)


def _filled(fit, y, v, beta, k0, se_k0, side, sign) -> TrimFillResult:
    if k0 == 0:
        return TrimFillResult(0, se_k0, side, pd.DataFrame(columns=["label", "yi", "vi"]), fit)
    mirrored = sign * (2 * beta - y[-k0:])
    labels = [f"Filled {i + 1}" for i in range(k0)]
    refit = pool(
        np.concatenate([fit.yi, mirrored]),
        np.concatenate([fit.vi, v[-k0:]]),
        method=fit.method,
        level=fit.level,
        labels=list(fit.labels) + labels,
    )
    filled = pd.DataFrame({"label": labels, "yi": mirrored, "vi": v[-k0:]})
    return TrimFillResult(k0, se_k0, side, filled, refit)
