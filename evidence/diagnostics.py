"""Functions that read a fit (:class:`evidence.pooling.MetaResult`): sensitivity, small-study
effects, subgroups and meta-regression, each agreeing with its metafor 3.8.1 counterpart.

=====================  ======================================================================
``leave_one_out``      metafor ``leave1out``: the fit repeated without each study in turn
``cumulative``         metafor ``cumul``: the fit on the first 1, 2, …, k studies of an order
``egger_test``         metafor ``regtest`` (model "rma", predictor "sei"): Egger et al. (1997,
                       BMJ 315:629) regression with the study SE as moderator in a mixed model
``rank_test``          metafor ``ranktest``: Begg & Mazumdar (1994, Biometrics 50:1088)
                       Kendall's τ between standardised deviates and variances
``trim_fill``          metafor ``trimfill``: Duval & Tweedie (2000, Biometrics 56:455), L0
``meta_regression``    metafor ``rma(yi, vi, mods = …)``: mixed-effects meta-regression
``subgroup_analysis``  separate fits per level and the between-subgroup Q test
=====================  ======================================================================

Leave-one-out and cumulative analyses reuse the batched estimators of
:mod:`evidence.estimators`: all k refits run as one vectorised computation.

The between-subgroup test of :func:`subgroup_analysis` is the fixed-effect Q of the subgroup
estimates, ``Q_b = Σ_g (θ̂_g − θ̄)² / SE_g²`` on G − 1 df, each subgroup keeping its own τ²
(RevMan's "test for subgroup differences"; metafor: ``rma(θ̂_g, sei = SE_g, method = "EE")$QE``).
The moderator test of ``rma(yi, vi, mods = ~ factor(by))`` (one common τ²) is reported beside
it as ``qm_common_tau2``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from evidence.errors import ConvergenceError, DataError, ModelError
from evidence.estimators import LL_TOL, MAXITER, THRESHOLD, Batch, estimate_tau2, resolve
from evidence.pooling import (MetaResult, critical_value, effects_arrays, pool, pool_frame,
                              read_effects, summarise)

DISPLAY_COLUMNS = ("subgroup", "k", "estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "p")
SWEEP_DISPLAY = ("label", "k", "estimate", "ci_low", "ci_high", "p", "tau2", "i2")
SWEEP_COLUMNS = ("label", "k", "estimate", "se", "stat", "p", "ci_low", "ci_high", "q", "q_p",
                 "tau2", "i2", "h2")


# --------------------------------------------------------------------- leave-one-out, cumulative

@dataclass(frozen=True, eq=False)
class SweepResult:
    """A table of refits (leave-one-out or cumulative), one row per refit."""

    kind: str
    method: str
    knha: bool
    rows: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The refits: label (omitted / added study), k, estimate, se, stat, p, CI, Q, τ², I², H²."""
        return self.rows.copy()

    def display_frame(self) -> pd.DataFrame:
        """The columns a terminal table has room for."""
        return self.rows[list(SWEEP_DISPLAY)].copy()

    def to_dict(self) -> dict:
        return {"kind": self.kind, "method": self.method, "knha": self.knha,
                "rows": self.rows.to_dict(orient="records")}


def _sweep(fit: MetaResult, mask: np.ndarray, order: np.ndarray, kind: str) -> SweepResult:
    """Refit ``fit``'s model on each row of ``mask`` (studies in the order ``order``)."""
    yi, vi = fit.yi[order], fit.vi[order]
    b = Batch.of(yi, vi, mask)
    tfit = estimate_tau2(b, fit.method)
    s = summarise(b, tfit.tau2, knha=fit.knha, level=fit.level, equal_effects=fit.method == "EE")
    frame = pd.DataFrame({"label": [fit.labels[i] for i in order], "k": b.k.astype(int)})
    for key in SWEEP_COLUMNS[2:]:
        frame[key] = np.where(tfit.converged, s[key], np.nan)
    return SweepResult(kind=kind, method=fit.method, knha=fit.knha, rows=frame)


def leave_one_out(fit: MetaResult) -> SweepResult:
    """Refit without each study in turn (metafor ``leave1out``); row i omits study i.

    Raises :class:`ModelError` for k = 1 ("Stopped because k = 1", as metafor).  A refit whose
    τ² estimator does not converge gets NaN values (metafor: NA).
    """
    if fit.k < 2:
        raise ModelError("leave-one-out: Stopped because k = 1")
    return _sweep(fit, ~np.eye(fit.k, dtype=bool), np.arange(fit.k), "leave-one-out")


def cumulative(fit: MetaResult, order=None) -> SweepResult:
    """Cumulative meta-analysis (metafor ``cumul``): row j pools the first j studies.

    ``order`` is a sort key per study (e.g. publication year; ties keep the input order) or
    ``None`` for the order of the fit.  Row j's label is the study added at step j.
    """
    if order is None:
        idx = np.arange(fit.k)
    else:
        key = np.asarray(order)
        if key.size != fit.k:
            raise DataError(f"cumulative order has {key.size} values for {fit.k} studies", field="order")
        idx = np.argsort(key, kind="stable")
    mask = np.tril(np.ones((fit.k, fit.k), dtype=bool))
    return _sweep(fit, mask, idx, "cumulative")


# ------------------------------------------------------------------------- meta-regression

@dataclass(frozen=True, eq=False)
class RegressionResult:
    """A mixed-effects meta-regression ``y = Xβ + u + e`` (metafor ``rma(mods = …)``)."""

    k: int
    method: str
    knha: bool
    level: float
    coefficients: pd.DataFrame   # term, estimate, se, stat, p, ci_low, ci_high
    qm: float
    qm_df: tuple[int, int | None]
    qm_p: float
    qe: float
    qe_df: int
    qe_p: float
    tau2: float
    i2: float
    h2: float
    r2: float
    vcov: np.ndarray = field(repr=False, default=None)

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients.copy()

    def to_dict(self) -> dict:
        return {"k": self.k, "method": self.method, "knha": self.knha,
                "coefficients": self.coefficients.to_dict(orient="records"), "qm": self.qm,
                "qm_df": list(self.qm_df), "qm_p": self.qm_p, "qe": self.qe, "qe_df": self.qe_df,
                "qe_p": self.qe_p, "tau2": self.tau2, "i2": self.i2, "h2": self.h2, "r2": self.r2}


def _projection(X: np.ndarray, w: np.ndarray):
    """``P = W − W X (X'WX)⁻¹ X' W`` and ``(X'WX)⁻¹`` for diagonal weights ``w``."""
    xtwx_inv = np.linalg.inv(X.T @ (w[:, None] * X))
    wx = w[:, None] * X
    return np.diag(w) - wx @ xtwx_inv @ wx.T, xtwx_inv


def _tau2_mods(y: np.ndarray, v: np.ndarray, X: np.ndarray, method: str) -> float:
    """τ² of the mixed-effects model with design ``X`` (metafor ``rma.uni``'s formulas)."""
    k, p = X.shape
    if method == "EE":
        return 0.0
    if method == "DL":
        P, _ = _projection(X, 1 / v)
        return max(0.0, (y @ P @ y - (k - p)) / np.trace(P))
    he = _tau2_he(y, v, X)
    if method == "HE":
        return max(0.0, he)
    if method == "SJ":
        tau0 = np.sum((y - y.mean()) ** 2) / k
        P, _ = _projection(X, 1 / (v + tau0))
        return max(0.0, tau0 * (y @ P @ y) / (k - p))
    if method == "PM":
        return _tau2_pm_mods(y, v, X)
    return _scoring_mods(y, v, X, method, max(0.0, he))


def _tau2_he(y, v, X) -> float:
    k, p = X.shape
    P = np.eye(k) - X @ np.linalg.inv(X.T @ X) @ X.T
    return (y @ P @ y - np.trace(P * v[None, :])) / (k - p)


def _tau2_pm_mods(y, v, X) -> float:
    """Paule–Mandel with moderators: root of ``Y'P(τ²)Y = k − p`` by Newton steps from 0."""
    k, p = X.shape
    tau2 = 0.0
    for _ in range(MAXITER):
        P, _ = _projection(X, 1 / (v + tau2))
        py = P @ y
        q = y @ py
        if q <= k - p and tau2 == 0.0:
            return 0.0
        step = (q - (k - p)) / (py @ py)
        tau2 += step
        if abs(step) <= THRESHOLD * max(1.0, tau2):
            return tau2
    raise ConvergenceError(f"tau2 estimator PM did not converge within {MAXITER} iterations")


def _reg_loglik(y, v, X, tau2, reml: bool) -> float:
    k, p = X.shape
    P, inv = _projection(X, 1 / (v + tau2))
    ll = -0.5 * np.sum(np.log(v + tau2)) - 0.5 * (y @ P @ y)
    if reml:
        return ll - 0.5 * (k - p) * np.log(2 * np.pi) + 0.5 * np.linalg.slogdet(inv)[1]
    return ll - 0.5 * k * np.log(2 * np.pi)


def _scoring_mods(y, v, X, method: str, tau2: float) -> float:
    """ML / REML / EB Fisher scoring with moderators, step-halving to stay at τ² ≥ 0."""
    k, p = X.shape
    for _ in range(MAXITER):
        w = 1 / (v + tau2)
        P, _ = _projection(X, w)
        py = P @ y
        if method == "ML":
            adj = (py @ py - w.sum()) / (w @ w)
        elif method == "REML":
            adj = (py @ py - np.trace(P)) / np.sum(P * P)
        else:
            adj = ((y @ py) * k / (k - p) - k) / w.sum()
        while tau2 + adj < 0:
            adj /= 2
        tau2 += adj
        if abs(adj) <= THRESHOLD:
            break
    else:
        raise ConvergenceError(f"tau2 estimator {method} did not converge within {MAXITER} iterations")
    if method in ("ML", "REML"):
        reml = method == "REML"
        if _reg_loglik(y, v, X, 0.0, reml) - _reg_loglik(y, v, X, tau2, reml) > LL_TOL and tau2 > THRESHOLD:
            return 0.0
    return max(0.0, tau2)


def design_matrix(mods: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Intercept plus moderators; text columns become treatment dummies (first sorted level = reference)."""
    parts, names = [np.ones(len(mods))], ["intrcpt"]
    for column in mods.columns:
        values = mods[column]
        if pd.api.types.is_numeric_dtype(values):
            parts.append(values.to_numpy(float))
            names.append(str(column))
            continue
        for level in sorted(values.astype(str).unique())[1:]:
            parts.append((values.astype(str) == level).to_numpy(float))
            names.append(f"{column}{level}")
    return np.column_stack(parts), names


def fit_design(yi, vi, X: np.ndarray, names: list[str], *, method: str = "REML",
               knha: bool = False, level: float = 95.0) -> RegressionResult:
    """Fit the mixed-effects model with design matrix ``X`` (first column the intercept)."""
    method = resolve(method)
    y, v = np.asarray(yi, float), np.asarray(vi, float)
    k, p = X.shape
    if k <= p or np.linalg.matrix_rank(X) < p:
        raise ModelError(f"meta-regression needs more studies than coefficients and a full-rank design (k = {k}, p = {p})")
    tau2 = _tau2_mods(y, v, X, method)
    w = 1 / (v + tau2)
    _, vb = _projection(X, w)
    beta = vb @ (X.T @ (w * y))
    df = k - p
    if knha:
        rss = np.sum(w * (y - X @ beta) ** 2)
        vb = vb * (0.0 if rss <= np.finfo(float).eps else rss / df)
    se = np.sqrt(np.diag(vb))
    stat = beta / se
    crit = critical_value(level, df if knha else None)
    pval = 2 * (stats.t.sf(np.abs(stat), df) if knha else stats.norm.sf(np.abs(stat)))
    coefs = pd.DataFrame({"term": names, "estimate": beta, "se": se, "stat": stat, "p": pval,
                          "ci_low": beta - crit * se, "ci_high": beta + crit * se})
    qm, qm_df, qm_p = _qm(beta[1:], vb[1:, 1:], knha, df)
    het = _residual_heterogeneity(y, v, X, tau2, method)
    return RegressionResult(k=k, method=method, knha=knha, level=level, coefficients=coefs,
                            qm=qm, qm_df=qm_df, qm_p=qm_p, tau2=tau2, vcov=vb,
                            r2=_r2(y, v, X, method, tau2), **het)


def _qm(beta: np.ndarray, vb: np.ndarray, knha: bool, df: int):
    """Omnibus test of the moderators: Wald χ² (QM), or F = QM/m on (m, k − p) df under knha."""
    m = beta.size
    if m == 0:
        return float("nan"), (0, None), float("nan")
    qm = float(beta @ np.linalg.solve(vb, beta))
    if knha:
        return qm / m, (m, df), float(stats.f.sf(qm / m, m, df))
    return qm, (m, None), float(stats.chi2.sf(qm, m))


def _residual_heterogeneity(y, v, X, tau2, method) -> dict:
    k, p = X.shape
    P, _ = _projection(X, 1 / v)
    qe = max(0.0, float(y @ P @ y))
    vt = (k - p) / np.trace(P)
    if method == "EE":
        i2, h2 = max(0.0, 100 * (qe - (k - p)) / qe), qe / (k - p)
    else:
        i2, h2 = 100 * tau2 / (vt + tau2), tau2 / vt + 1
    return {"qe": qe, "qe_df": k - p, "qe_p": float(stats.chi2.sf(qe, k - p)), "i2": i2, "h2": h2}


def _r2(y, v, X, method, tau2) -> float:
    """R² as metafor's default: the proportional reduction of τ², ``max(0, 100 (τ²₀ − τ²)/τ²₀)``
    against the intercept-only fit (0 when τ²₀ = 0); for the EE model, 100 × the adjusted R² of
    the weighted least-squares regression (weights 1/v), truncated at 0."""
    if method != "EE":
        tau2_0 = pool(y, v, method=method).tau2
        return 0.0 if tau2_0 == 0 else max(0.0, 100 * (tau2_0 - tau2) / tau2_0)
    k, p = X.shape
    w = 1 / v
    beta = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * y))
    rss = np.sum(w * (y - X @ beta) ** 2)
    tss = np.sum(w * (y - np.sum(w * y) / w.sum()) ** 2)
    if tss == 0:
        return 0.0
    return max(0.0, 100 * (1 - (rss / tss) * (k - 1) / (k - p)))


def meta_regression(yi, vi, mods: pd.DataFrame, *, method: str = "REML", knha: bool = False,
                    level: float = 95.0) -> RegressionResult:
    """Mixed-effects meta-regression on the moderators in ``mods`` (metafor ``rma(mods = …)``).

    ``β̂ = (X'WX)⁻¹X'Wy`` with ``W = diag(1/(v_i + τ̂²))``; τ̂² by ``method`` on the residuals;
    QM tests all non-intercept coefficients (χ², or F under Knapp–Hartung); QE is the residual
    heterogeneity test; R² = proportional reduction of τ² against the intercept-only model.
    """
    mods = pd.DataFrame(mods).reset_index(drop=True)
    if mods.isna().any().any():
        bad = mods.isna().any(axis=1).to_numpy().nonzero()[0][0]
        raise DataError("missing moderator value", row=int(bad) + 1,
                        field=str(mods.columns[mods.iloc[bad].isna().to_numpy()][0]))
    X, names = design_matrix(mods)
    return fit_design(yi, vi, X, names, method=method, knha=knha, level=level)


# -------------------------------------------------------------------- small-study effects

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
        return {"test": self.test, "stat": self.stat, "p": self.p, "df": self.df,
                "estimate": self.estimate, "ci_low": self.ci_low, "ci_high": self.ci_high}

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
    return TestResult("egger", float(c["stat"][1]), float(c["p"][1]), fit.k - 2 if fit.knha else None,
                      float(c["estimate"][0]), float(c["ci_low"][0]), float(c["ci_high"][0]))


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
    res = stats.kendalltau(ystar, fit.vi, method="asymptotic" if ties else "exact")
    return TestResult("rank", float(res.statistic), float(res.pvalue))


# ------------------------------------------------------------------------------ trim and fill

@dataclass(frozen=True, eq=False)
class TrimFillResult:
    """Trim-and-fill: the number of filled studies, their values and the refit."""

    k0: int
    se_k0: float
    side: str
    filled: pd.DataFrame   # label, yi, vi of the imputed studies
    fit: MetaResult

    def to_dict(self) -> dict:
        return {"k0": self.k0, "se_k0": self.se_k0, "side": self.side,
                "filled": self.filled.to_dict(orient="records"), "fit": self.fit.to_dict()}

    def to_frame(self) -> pd.DataFrame:
        return self.filled.copy()


def _l0(yc: np.ndarray) -> tuple[float, float]:
    """Duval & Tweedie's L0 and its SE from centred, sorted effects."""
    k = yc.size
    ranks = stats.rankdata(np.abs(yc), method="ordinal")
    sr = np.sum(ranks[yc > 0])
    k0 = (4 * sr - k * (k + 1)) / (2 * k - 1)
    var_sr = (k * (k + 1) * (2 * k + 1) + 10 * k0 ** 3 + 27 * k0 ** 2 + 17 * k0
              - 18 * k * k0 ** 2 - 18 * k * k0 + 6 * k ** 2 * k0) / 24
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
    refit = pool(np.concatenate([fit.yi, mirrored]), np.concatenate([fit.vi, v[-k0:]]),
                 method=fit.method, level=fit.level, labels=list(fit.labels) + labels)
    filled = pd.DataFrame({"label": labels, "yi": mirrored, "vi": v[-k0:]})
    return TrimFillResult(k0, se_k0, side, filled, refit)


# ----------------------------------------------------------------------------- subgroups

@dataclass(frozen=True, eq=False)
class SubgroupResult:
    """Pooled estimate per subgroup, the overall fit and the between-subgroup tests."""

    by: str
    overall: MetaResult
    subgroups: dict[str, MetaResult]
    q_between: float
    q_between_df: int
    q_between_p: float
    qm_common_tau2: float = float("nan")
    qm_common_tau2_df: int = 0
    qm_common_tau2_p: float = float("nan")

    def to_dict(self) -> dict:
        out = self.overall.to_dict()
        out["subgroups"] = [{"subgroup": name, **fit.to_dict()} for name, fit in self.subgroups.items()]
        out.update(by=self.by, q_between=self.q_between, q_between_df=self.q_between_df,
                   q_between_p=self.q_between_p, qm_common_tau2=self.qm_common_tau2,
                   qm_common_tau2_df=self.qm_common_tau2_df, qm_common_tau2_p=self.qm_common_tau2_p)
        return out

    def to_frame(self) -> pd.DataFrame:
        """Subgroup rows and the overall row (every contract key); the between-subgroup tests
        stand on the overall row."""
        rows = [{"subgroup": name, **fit.to_dict()} for name, fit in self.subgroups.items()]
        rows.append({"subgroup": "overall", **self.overall.to_dict(), "q_between": self.q_between,
                     "q_between_df": self.q_between_df, "q_between_p": self.q_between_p})
        return pd.DataFrame(rows)

    def display_frame(self) -> pd.DataFrame:
        """The columns a terminal table has room for."""
        return self.to_frame()[list(DISPLAY_COLUMNS)]


def q_between(estimates: np.ndarray, ses: np.ndarray) -> tuple[float, int, float]:
    """Fixed-effect Q of subgroup estimates: ``Σ (θ̂_g − θ̄)²/SE_g²`` on G − 1 df, and its p."""
    w = 1 / ses ** 2
    mean = np.sum(w * estimates) / w.sum()
    q = float(np.sum(w * (estimates - mean) ** 2))
    df = estimates.size - 1
    return q, df, float(stats.chi2.sf(q, df)) if df > 0 else float("nan")


def subgroup_analysis(frame: pd.DataFrame, by: str, *, method: str = "REML", knha: bool = False,
                      level: float = 95.0, label_column: str | None = None,
                      file: str | None = None) -> SubgroupResult:
    """Pool ``frame`` overall and within each level of column ``by`` (levels sorted as text).

    A row with an empty ``by`` value is a DataError naming its line; at least two levels are needed.
    """
    if by not in frame.columns:
        raise DataError(f"no column {by!r} to group by", file=file, field=by)
    yi, vi, labels = effects_arrays(frame, label_column=label_column, file=file)
    missing = frame[by].isna().to_numpy()
    if missing.any():
        raise DataError("empty subgroup value", file=file, row=int(missing.argmax()) + 2, field=by)
    groups = frame[by].astype(str).to_numpy()
    levels = sorted(set(groups))
    if len(levels) < 2:
        raise ModelError(f"subgroup analysis needs at least two levels of {by!r}, found {len(levels)}")
    overall = pool(yi, vi, method=method, knha=knha, level=level, labels=labels)
    fits = {}
    for lev in levels:
        sel = groups == lev
        if knha and sel.sum() < 2:
            raise ModelError(f"subgroup {by}={lev!r} has k = 1: Knapp-Hartung needs k >= 2")
        fits[lev] = pool(yi[sel], vi[sel], method=method, knha=knha, level=level,
                         labels=[l for l, s in zip(labels, sel) if s])
    qb = q_between(np.array([f.estimate for f in fits.values()]), np.array([f.se for f in fits.values()]))
    reg = meta_regression(yi, vi, pd.DataFrame({by: groups}), method=method, knha=knha, level=level) \
        if len(yi) > len(levels) else None
    extra = {} if reg is None else {"qm_common_tau2": reg.qm, "qm_common_tau2_df": reg.qm_df[0],
                                    "qm_common_tau2_p": reg.qm_p}
    return SubgroupResult(by, overall, fits, *qb, **extra)


# ------------------------------------------------------------------------ all at once (CLI)

@dataclass(frozen=True, eq=False)
class DiagnosticsReport:
    """The fit and every diagnostic that applies to it; ``skipped`` says why one does not."""

    fit: MetaResult
    leave_one_out: SweepResult | None
    cumulative: SweepResult | None
    egger: TestResult | None
    rank: TestResult | None
    trim_fill: TrimFillResult | None
    skipped: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        def part(x):
            return None if x is None else x.to_dict()
        return {"fit": self.fit.to_dict(), "leave_one_out": part(self.leave_one_out),
                "cumulative": part(self.cumulative), "egger": part(self.egger),
                "rank": part(self.rank), "trim_fill": part(self.trim_fill), "skipped": dict(self.skipped)}

    def tests_frame(self) -> pd.DataFrame:
        """Egger, rank test and trim-and-fill as rows (test, stat, p, estimate, CI, k0, side)."""
        rows = [t.to_dict() for t in (self.egger, self.rank) if t is not None]
        if self.trim_fill is not None:
            tf = self.trim_fill
            rows.append({"test": "trim_fill", "stat": float(tf.k0), "p": float("nan"), "df": None,
                         "estimate": tf.fit.estimate, "ci_low": tf.fit.ci_low, "ci_high": tf.fit.ci_high,
                         "side": tf.side, "se_k0": tf.se_k0})
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """One long table: leave-one-out and cumulative rows, then the tests (column ``analysis``)."""
        parts = [s.to_frame().assign(analysis=s.kind) for s in (self.leave_one_out, self.cumulative) if s]
        tests = self.tests_frame()
        if len(tests):
            parts.append(tests.rename(columns={"test": "analysis"}))
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["analysis"])
        if "k" in frame.columns:
            frame["k"] = frame["k"].astype("Int64")
        return frame[["analysis"] + [c for c in frame.columns if c != "analysis"]]


def _attempt(name: str, func, skipped: dict):
    try:
        return func()
    except ModelError as exc:
        skipped[name] = str(exc)
        return None


def diagnose(fit: MetaResult, order=None) -> DiagnosticsReport:
    """Leave-one-out, cumulative (by ``order``), Egger, rank test and trim-and-fill of ``fit``;
    a diagnostic that does not apply (e.g. k < 3) is listed in ``skipped`` with the reason."""
    skipped: dict[str, str] = {}
    return DiagnosticsReport(
        fit=fit, leave_one_out=_attempt("leave_one_out", lambda: leave_one_out(fit), skipped),
        cumulative=_attempt("cumulative", lambda: cumulative(fit, order), skipped),
        egger=_attempt("egger", lambda: egger_test(fit), skipped),
        rank=_attempt("rank", lambda: rank_test(fit), skipped),
        trim_fill=_attempt("trim_fill", lambda: trim_fill(fit), skipped), skipped=skipped)


def diagnose_file(path, *, method: str = "REML", knha: bool = False, level: float = 95.0,
                  order_column: str | None = None, label_column: str | None = None) -> DiagnosticsReport:
    """:func:`diagnose` on the effects CSV at ``path``; cumulative order by ``order_column``."""
    frame = read_effects(path)
    if order_column is not None and order_column not in frame.columns:
        raise DataError(f"no column {order_column!r} to order by", file=str(path), field=order_column)
    fit = pool_frame(frame, method=method, knha=knha, level=level, label_column=label_column, file=str(path))
    order = None
    if order_column is not None:
        order = pd.to_numeric(frame[order_column], errors="coerce")
        if order.isna().any():
            order = frame[order_column].astype(str)
        order = order.to_numpy()
    return diagnose(fit, order)
