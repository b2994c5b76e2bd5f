"""Moderators: meta-regression (metafor's ``rma(mods = ...)``) and subgroup analysis with the test for
subgroup differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special  # distribution functions as ufuncs: scipy.stats costs 0.3 s to import

from hairmeta.evidence.errors import ConvergenceError, DataError, ModelError
from hairmeta.evidence.meta.estimators import LL_TOL, MAXITER, THRESHOLD, resolve
from hairmeta.evidence.meta.pooling import MetaResult, critical_value, effects_arrays, pool, read_effects

DISPLAY_COLUMNS = ("subgroup", "k", "estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "p")


@dataclass(frozen=True, eq=False)
class RegressionResult:
    """A mixed-effects meta-regression ``y = Xβ + u + e`` (metafor ``rma(mods = …)``)."""

    k: int
    method: str
    knha: bool
    level: float
    coefficients: pd.DataFrame  # term, estimate, se, stat, p, ci_low, ci_high
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
        return {
            "k": self.k,
            "method": self.method,
            "knha": self.knha,
            "coefficients": self.coefficients.to_dict(orient="records"),
            "qm": self.qm,
            "qm_df": list(self.qm_df),
            "qm_p": self.qm_p,
            "qe": self.qe,
            "qe_df": self.qe_df,
            "qe_p": self.qe_p,
            "tau2": self.tau2,
            "i2": self.i2,
            "h2": self.h2,
            "r2": self.r2,
        }


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


def _score_mods(y, v, X, tau2: float, reml: bool) -> float:
    """Twice dℓ/dτ² with moderators: ``Y'PPY − tr P`` (REML) or ``Y'PPY − Σw`` (ML)."""
    w = 1 / (v + tau2)
    P, _ = _projection(X, w)
    py = P @ y
    return py @ py - (np.trace(P) if reml else w.sum())


def _scoring_mods(y, v, X, method: str, tau2: float) -> float:
    """ML / REML / EB Fisher scoring with moderators, step-halving to stay at τ² ≥ 0.

    As in :mod:`.estimators`, ML/REML steps that overshoot the optimum (the score turns and
    stays over half as steep) are halved, so scoring cannot circle the optimum; a fit still
    unconverged after ``MAXITER`` steps is solved by bracketing (ML/REML) or, for EB, whose
    equation is ``Y'PY = k − p``, by the Paule–Mandel root search.
    """
    k, p = X.shape
    likelihood, reml = method in ("ML", "REML"), method == "REML"
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
        if likelihood:
            before = _score_mods(y, v, X, tau2, reml)
            for _ in range(60):
                after = _score_mods(y, v, X, tau2 + adj, reml)
                if adj == 0 or not (np.sign(after) == -np.sign(before) and abs(after) > 0.5 * abs(before)):
                    break
                adj /= 2
        tau2 += adj
        if abs(adj) <= THRESHOLD:
            break
    else:
        if not likelihood:
            return _tau2_pm_mods(y, v, X)
        tau2 = _bracketed_max_mods(y, v, X, reml)
    if likelihood:
        if _reg_loglik(y, v, X, 0.0, reml) - _reg_loglik(y, v, X, tau2, reml) > LL_TOL and tau2 > THRESHOLD:
            return 0.0
    return max(0.0, tau2)


def _bracketed_max_mods(y, v, X, reml: bool, grid: int = 400) -> float:
    """The τ² ≥ 0 maximising the (restricted) likelihood: best point of a grid over
    ``[0, max(100, 10·var(y))]``, then bisection on the score inside its bracket."""
    upper = max(100.0, 10 * float(np.var(y)))
    pts = np.concatenate(([0.0], np.geomspace(1e-10, 1.0, grid - 1))) * upper
    best = int(np.argmax([_reg_loglik(y, v, X, t, reml) for t in pts]))
    lo, hi = pts[max(best - 1, 0)], pts[min(best + 1, grid - 1)]
    if _score_mods(y, v, X, lo, reml) <= 0:
        return lo
    if _score_mods(y, v, X, hi, reml) >= 0:
        return hi
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if _score_mods(y, v, X, mid, reml) > 0 else (lo, mid)
    return (lo + hi) / 2


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


def fit_design(
    yi, vi, X: np.ndarray, names: list[str], *, method: str = "REML", knha: bool = False, level: float = 95.0
) -> RegressionResult:
    """Fit the mixed-effects model with design matrix ``X`` (first column the intercept)."""
    method = resolve(method)
    y, v = np.asarray(yi, float), np.asarray(vi, float)
    k, p = X.shape
    if k <= p or np.linalg.matrix_rank(X) < p:
        raise ModelError(
            f"meta-regression needs more studies than coefficients and a full-rank design (k = {k}, p = {p})"
        )
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
    pval = 2 * (special.stdtr(df, -np.abs(stat)) if knha else special.ndtr(-np.abs(stat)))
    coefs = pd.DataFrame(
        {
            "term": names,
            "estimate": beta,
            "se": se,
            "stat": stat,
            "p": pval,
            "ci_low": beta - crit * se,
            "ci_high": beta + crit * se,
        }
    )
    qm, qm_df, qm_p = _qm(beta[1:], vb[1:, 1:], knha, df)
    het = _residual_heterogeneity(y, v, X, tau2, method)
    return RegressionResult(
        k=k,
        method=method,
        knha=knha,
        level=level,
        coefficients=coefs,
        qm=qm,
        qm_df=qm_df,
        qm_p=qm_p,
        tau2=tau2,
        vcov=vb,
        r2=_r2(y, v, X, method, tau2),
        **het,
    )


def _qm(beta: np.ndarray, vb: np.ndarray, knha: bool, df: int):
    """Omnibus test of the moderators: Wald χ² (QM), or F = QM/m on (m, k − p) df under knha."""
    m = beta.size
    if m == 0:
        return float("nan"), (0, None), float("nan")
    qm = float(beta @ np.linalg.solve(vb, beta))
    if knha:
        return qm / m, (m, df), float(special.fdtrc(m, df, qm / m))
    return qm, (m, None), float(special.chdtrc(m, qm))


def _residual_heterogeneity(y, v, X, tau2, method) -> dict:
    k, p = X.shape
    P, _ = _projection(X, 1 / v)
    qe = max(0.0, float(y @ P @ y))
    vt = (k - p) / np.trace(P)
    if method == "EE":
        i2, h2 = max(0.0, 100 * (qe - (k - p)) / qe), qe / (k - p)
    else:
        i2, h2 = 100 * tau2 / (vt + tau2), tau2 / vt + 1
    return {"qe": qe, "qe_df": k - p, "qe_p": float(special.chdtrc(k - p, qe)), "i2": i2, "h2": h2}


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


def meta_regression(
    yi, vi, mods: pd.DataFrame, *, method: str = "REML", knha: bool = False, level: float = 95.0
) -> RegressionResult:
    """Mixed-effects meta-regression on the moderators in ``mods`` (metafor ``rma(mods = …)``).

    ``β̂ = (X'WX)⁻¹X'Wy`` with ``W = diag(1/(v_i + τ̂²))``; τ̂² by ``method`` on the residuals;
    QM tests all non-intercept coefficients (χ², or F under Knapp–Hartung); QE is the residual
    heterogeneity test; R² = proportional reduction of τ² against the intercept-only model.
    """
    mods = pd.DataFrame(mods).reset_index(drop=True)
    if mods.isna().any().any():
        bad = mods.isna().any(axis=1).to_numpy().nonzero()[0][0]
        raise DataError(
            "missing moderator value", row=int(bad) + 1, field=str(mods.columns[mods.iloc[bad].isna().to_numpy()][0])
        )
    X, names = design_matrix(mods)
    return fit_design(yi, vi, X, names, method=method, knha=knha, level=level)


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
        out.update(
            by=self.by,
            q_between=self.q_between,
            q_between_df=self.q_between_df,
            q_between_p=self.q_between_p,
            qm_common_tau2=self.qm_common_tau2,
            qm_common_tau2_df=self.qm_common_tau2_df,
            qm_common_tau2_p=self.qm_common_tau2_p,
        )
        return out

    def to_frame(self) -> pd.DataFrame:
        """Subgroup rows and the overall row (every contract key); the between-subgroup tests
        stand on the overall row."""
        rows = [{"subgroup": name, **fit.to_dict()} for name, fit in self.subgroups.items()]
        rows.append(
            {
                "subgroup": "overall",
                **self.overall.to_dict(),
                "q_between": self.q_between,
                "q_between_df": self.q_between_df,
                "q_between_p": self.q_between_p,
            }
        )
        return pd.DataFrame(rows)

    def display_frame(self) -> pd.DataFrame:
        """The columns a terminal table has room for."""
        return self.to_frame()[list(DISPLAY_COLUMNS)]


def q_between(estimates: np.ndarray, ses: np.ndarray) -> tuple[float, int, float]:
    """Fixed-effect Q of subgroup estimates: ``Σ (θ̂_g − θ̄)²/SE_g²`` on G − 1 df, and its p."""
    w = 1 / ses**2
    mean = np.sum(w * estimates) / w.sum()
    q = float(np.sum(w * (estimates - mean) ** 2))
    df = estimates.size - 1
    return q, df, float(special.chdtrc(df, q)) if df > 0 else float("nan")


def subgroup_analysis(
    frame: pd.DataFrame,
    by: str,
    *,
    method: str = "REML",
    knha: bool = False,
    level: float = 95.0,
    label_column: str | None = None,
    file: str | None = None,
) -> SubgroupResult:
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
        fits[lev] = pool(
            yi[sel], vi[sel], method=method, knha=knha, level=level, labels=[l for l, s in zip(labels, sel) if s]
        )
    qb = q_between(np.array([f.estimate for f in fits.values()]), np.array([f.se for f in fits.values()]))
    reg = (
        meta_regression(yi, vi, pd.DataFrame({by: groups}), method=method, knha=knha, level=level)
        if len(yi) > len(levels)
        else None
    )
    extra = (
        {}
        if reg is None
        else {"qm_common_tau2": reg.qm, "qm_common_tau2_df": reg.qm_df[0], "qm_common_tau2_p": reg.qm_p}
    )
    return SubgroupResult(by, overall, fits, *qb, **extra)


def subgroup_file(
    path: str | Path,
    by: str,
    *,
    method: str = "REML",
    knha: bool = False,
    level: float = 95.0,
    label_column: str | None = None,
) -> SubgroupResult:
    """Subgroup analysis of the effects CSV at ``path`` on its column ``by``."""
    return subgroup_analysis(
        read_effects(path), by, method=method, knha=knha, level=level, label_column=label_column, file=str(path)
    )
