"""Random-effects pooling of effect sizes (``yi``, ``vi``), agreeing with metafor 3.8 ``rma``.

``pool(yi, vi, method=…)`` fits the intercept-only model ``y_i = μ + u_i + e_i`` with
``u_i ~ N(0, τ²)`` and ``e_i ~ N(0, v_i)`` and returns a frozen :class:`MetaResult`.  Functions in
:mod:`hairmeta.evidence.meta.diagnostics`, :mod:`hairmeta.evidence.present.forest` and :mod:`hairmeta.evidence.present.plots` read that fit.

Formulas (Viechtbauer 2010, J Stat Softw 36(3); metafor 3.8.1 ``rma.uni``, ``predict.rma``,
``confint.rma.uni``), with ``w_i = 1/(v_i + τ²)``:

* estimate ``μ̂ = Σ w_i y_i / Σ w_i``, ``SE = sqrt(1/Σ w_i)``, Wald CI ``μ̂ ± z_{1−α/2} SE``.
* Knapp–Hartung (``knha=True``; Hartung & Knapp 2001, Sidik & Jonkman 2002): ``SE² · s²`` with
  ``s² = Σ w_i (y_i − μ̂)² / (k − 1)`` (not truncated at 1, as metafor's ``test="knha"``), and
  t quantiles with ``k − 1`` df.
* prediction interval ``μ̂ ± crit · sqrt(SE² + τ²)``, ``crit`` = z, or t with ``k − 1`` df
  under Knapp–Hartung (as ``predict.rma``).
* Cochran's ``Q = Σ (y_i − μ̂_FE)²/v_i`` with ``k − 1`` df; the "typical" within-study variance
  ``s² = (k − 1) / (Σ w − Σ w²/Σ w)`` (``w = 1/v``), ``I² = 100 τ²/(s² + τ²)``,
  ``H² = τ²/s² + 1`` (for the equal-effects model ``I² = max(0, 100 (Q − df)/Q)``, ``H² = Q/df``).
  Under DL these equal Higgins & Thompson's (Q − df)/Q.
* τ² confidence interval by the Q-profile method (Viechtbauer 2007, Stat Med 26:37–52): the
  values of τ² at which the generalised Q equals the χ²_{k−1} quantiles, bounded to
  ``[0, max(100, 10 τ̂²)]`` as metafor.

statsmodels' ``combine_effects`` computes DL and PM only one fit at a time and leaves DL's τ²
negative on homogeneous data; our core (:mod:`hairmeta.evidence.meta.estimators`) batches many fits (for
leave-one-out and cumulative analyses) and covers every estimator, and the test suite checks it
against ``combine_effects`` as an independent implementation.

Edge cases: k = 1 returns that study with τ² = 0, Q = 0, I² = 0, H² = 1 and a note (the
τ² interval is undefined); Knapp–Hartung with k = 1 raises :class:`ModelError`; missing or
non-positive variances raise :class:`DataError` naming the row; an estimator that does not
converge raises :class:`ConvergenceError` naming it and the iterations used.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import special  # distribution functions as ufuncs: scipy.stats' wrappers cost ~50 µs a call

from hairmeta.evidence.errors import ConvergenceError, DataError, InputNote, ModelError
from hairmeta.evidence.meta.csvinput import read_csv_checked
from hairmeta.evidence.meta.estimators import (
    MAXITER,
    Batch,
    Tau2Fit,
    estimate_tau2,
    q_stat,
    resolve,
    solve_q,
    tau2_max_default,
)

#: the keys of ``MetaResult.to_dict()`` and of ``hairmeta pool --format json``
CONTRACT_KEYS = (
    "k",
    "method",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "tau2",
    "tau2_ci_low",
    "tau2_ci_high",
    "tau",
    "i2",
    "h2",
    "q",
    "q_df",
    "q_p",
    "p",
)


@dataclass(frozen=True, eq=False)
class MetaResult:
    """A fitted (intercept-only) meta-analysis; every number at full precision."""

    k: int
    method: str
    knha: bool
    level: float
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    tau2: float
    tau2_ci_low: float
    tau2_ci_high: float
    tau: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p: float
    stat: float
    p: float
    yi: np.ndarray
    vi: np.ndarray
    labels: tuple[str, ...]
    weights: np.ndarray
    tau2_se: float = float("nan")
    typical_vi: float = float("nan")
    df: float | None = None
    iterations: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def sei(self) -> np.ndarray:
        """Standard errors of the studies, ``sqrt(vi)``."""
        return np.sqrt(self.vi)

    def to_dict(self) -> dict:
        """The JSON contract: plain Python numbers (NaN stays NaN; rendering writes ``null``)."""
        out = {}
        for key in CONTRACT_KEYS:
            value = getattr(self, key)
            out[key] = value if isinstance(value, str) else (int(value) if key in ("k", "q_df") else float(value))
        return out

    def studies_frame(self) -> pd.DataFrame:
        """One row per study: label, yi, vi, sei, weight (percent)."""
        return pd.DataFrame(
            {"label": list(self.labels), "yi": self.yi, "vi": self.vi, "sei": self.sei, "weight": self.weights}
        )


def critical_value(level: float, df: float | np.ndarray | None) -> float | np.ndarray:
    """Two-sided critical value for ``level`` percent: z, or t with ``df`` degrees of freedom."""
    alpha = 1 - level / 100
    if df is None:
        return -special.ndtri(alpha / 2)
    return -special.stdtrit(df, alpha / 2)


def _heterogeneity(b: Batch, tau2: np.ndarray, equal_effects: bool) -> dict:
    """Q, its p-value, the typical variance s², I² and H² (metafor's ``i2def = "1"``)."""
    w = b.mask / b.v
    sw = w.sum(axis=1)
    mu = (w * b.y).sum(axis=1) / sw
    q = np.maximum(0.0, (w * (b.y - mu[:, None]) ** 2 * b.mask).sum(axis=1))
    df = b.k - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        vt = df / (sw - (w * w).sum(axis=1) / sw)
        if equal_effects:
            i2 = np.maximum(0.0, 100 * (q - df) / q)
            h2 = q / df
        else:
            i2, h2 = 100 * tau2 / (vt + tau2), tau2 / vt + 1
    single = b.k < 2
    return {
        "q": np.where(single, 0.0, q),
        "q_df": df,
        "q_p": np.where(single, 1.0, special.chdtrc(np.maximum(df, 1), q)),
        "typical_vi": np.where(single, 0.0, vt),
        "i2": np.where(single, 0.0, i2),
        "h2": np.where(single, 1.0, h2),
    }


def summarise(
    b: Batch, tau2: np.ndarray, *, knha: bool, level: float, equal_effects: bool = False
) -> dict[str, np.ndarray]:
    """Estimate, SE, test, CI, prediction interval and heterogeneity for every fit in ``b``."""
    w = b.mask / (b.v + tau2[:, None])
    sw = w.sum(axis=1)
    est = (w * b.y).sum(axis=1) / sw
    vb = 1 / sw
    df = b.k - 1
    # Knapp-Hartung per fit; a fit with k = 1 falls back to z, as metafor does (test="z" if k = 1)
    kn = np.full(est.shape, bool(knha)) & (df >= 1)
    dfs = np.maximum(df, 1)
    if knha:
        rss = (w * (b.y - est[:, None]) ** 2).sum(axis=1)
        s2w = np.where(rss <= np.finfo(float).eps, 0.0, rss / dfs)
        vb = np.where(kn, vb * s2w, vb)
    crit = np.where(kn, critical_value(level, dfs), critical_value(level, None))
    se = np.sqrt(vb)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se
        p = 2 * np.where(kn, special.stdtr(dfs, -np.abs(stat)), special.ndtr(-np.abs(stat)))
    pi_half = crit * np.sqrt(vb + tau2)
    out = {
        "estimate": est,
        "se": se,
        "stat": stat,
        "p": p,
        "ci_low": est - crit * se,
        "ci_high": est + crit * se,
        "pi_low": est - pi_half,
        "pi_high": est + pi_half,
        "tau2": tau2,
        "tau": np.sqrt(tau2),
        "weights": 100 * w / sw[:, None],
        "crit": crit,
    }
    out.update(_heterogeneity(b, tau2, equal_effects))
    return out


def tau2_search_limit(tau2: float) -> float:
    """Upper end of the Q-profile search, ``max(100, 10 τ̂²)`` (metafor ``confint.rma.uni``)."""
    return max(100.0, 10 * tau2)


def tau2_confint(yi: np.ndarray, vi: np.ndarray, tau2: float, level: float) -> tuple[float, float]:
    """Q-profile confidence interval for τ² (metafor ``confint.rma.uni``, ``type="QP"``).

    Bounds are the τ² where ``Q(τ²)`` crosses ``χ²_{k−1, 1−α/2}`` (lower bound) and
    ``χ²_{k−1, α/2}`` (upper bound), searched within ``[0, max(100, 10 τ̂²)]``; a bound outside
    that range is set to the range's end, as metafor does.
    """
    b = Batch.of(yi, vi)
    k, alpha = yi.size, 1 - level / 100
    lo_t, hi_t = 0.0, tau2_search_limit(tau2)
    crit_u, crit_l = special.chdtri(k - 1, alpha / 2), special.chdtri(k - 1, 1 - alpha / 2)
    q_min, q_max = (float(b_q) for b_q in (_q_at(b, lo_t), _q_at(b, hi_t)))

    def root(target):
        return float(solve_q(b, np.array([target])).tau2[0])

    if q_min < crit_l:
        lower = upper = lo_t
    else:
        upper = hi_t if q_max > crit_l else root(crit_l)
    if q_max > crit_u:
        lower = upper = hi_t
    elif q_min < crit_u:
        lower = lo_t
    else:
        lower = root(crit_u)
    return lower, upper


def _q_at(b: Batch, tau2: float) -> float:
    return float(q_stat(b, np.array([tau2]))[0])


def validate_effects(
    yi, vi, *, file: str | None = None, rows: Sequence[int] | None = None, vi_field: str = "vi"
) -> tuple[np.ndarray, np.ndarray]:
    """``yi``, ``vi`` as float arrays; a missing/non-finite value or ``vi <= 0`` is a DataError."""
    yi = np.asarray(yi, dtype=float).ravel()
    vi = np.asarray(vi, dtype=float).ravel()
    if yi.size != vi.size:
        raise DataError(f"yi has {yi.size} values but vi has {vi.size}", file=file)
    checks = (
        (~np.isfinite(yi), "missing or non-numeric effect size", "yi"),
        (~np.isfinite(vi), "missing or non-numeric sampling variance", vi_field),
        (vi <= 0, "sampling variance must be positive, got {:g}", vi_field),
    )
    for bad, message, field_name in checks:
        where = np.flatnonzero(bad)
        if where.size:
            i = int(where[0])
            row = rows[i] if rows is not None else i + 1
            raise DataError(message.format(vi[i]), file=file, row=row, field=field_name)
    return yi, vi


def pool(
    yi, vi, *, method: str = "REML", knha: bool | None = False, level: float = 95.0, labels: Sequence[str] | None = None
) -> MetaResult:
    """Fit the random-effects (or equal-effects) model to ``yi`` with sampling variances ``vi``.

    Parameters
    ----------
    yi, vi : array-like
        Effect sizes and their sampling variances (all finite, ``vi > 0``).
    method : str
        τ² estimator: EE (alias FE), DL, HE, SJ, PM, ML, REML, EB.
    knha : bool or None
        Knapp–Hartung(–Sidik–Jonkman) adjustment of the SE, with t tests on k − 1 df.  ``True``
        with k = 1 is an error; ``None`` means "wherever it applies": on for k ≥ 2, and for k = 1
        the z test with a note (metafor switches silently).  ``False`` is metafor's default.
    level : float
        Confidence level in percent.
    labels : sequence of str, optional
        Study labels (default ``Study 1`` …).

    Returns
    -------
    MetaResult
    """
    name = resolve(method)
    yi, vi = validate_effects(yi, vi)
    k = yi.size
    if k == 0:
        raise ModelError("no studies to pool (k = 0)")
    if knha and k == 1:
        raise ModelError("Knapp-Hartung adjustment needs k >= 2 studies (k = 1)")
    auto_note = ("Knapp-Hartung needs k >= 2: the z test is used",) if knha is None and k == 1 else ()
    knha = bool(k >= 2) if knha is None else knha
    if not 0 < level < 100:
        raise ModelError(f"confidence level must be between 0 and 100 percent, got {level}")
    labels = tuple(str(x) for x in labels) if labels is not None else tuple(f"Study {i + 1}" for i in range(k))
    if len(labels) != k:
        raise DataError(f"{len(labels)} labels for {k} studies")
    b = Batch.of(yi, vi)
    fit = estimate_tau2(b, name)
    if not fit.converged[0] and name == "PM" and fit.tau2[0] > tau2_max_default(b)[0]:
        raise ConvergenceError(
            f"tau2 estimator PM: the root of Q(tau2) = k - 1 lies above the search "
            f"limit {tau2_max_default(b)[0]:g} (metafor: 'Value of tau2.max too low')"
        )
    if not fit.converged[0]:
        raise ConvergenceError(
            f"tau2 estimator {name} did not converge within {MAXITER} iterations (last tau2 = {fit.tau2[0]:.6g})"
        )
    return _result(b, fit, name=name, knha=knha, level=level, labels=labels, notes=auto_note)


def _result(
    b: Batch, fit: Tau2Fit, *, name: str, knha: bool, level: float, labels: tuple[str, ...], notes: tuple[str, ...] = ()
) -> MetaResult:
    s = {
        key: np.asarray(val)[0]
        for key, val in summarise(b, fit.tau2, knha=knha, level=level, equal_effects=name == "EE").items()
    }
    yi, vi, k = b.y[0], b.v[0], int(b.k[0])
    notes = list(notes)
    if k == 1:
        notes.append("k = 1: the pooled estimate is the single study; tau2 = 0 and heterogeneity is undefined")
        ci = (float("nan"), float("nan"))
    elif name == "EE":
        ci = (float("nan"), float("nan"))
    else:
        ci = tau2_confint(yi, vi, float(s["tau2"]), level)
        limit = tau2_search_limit(float(s["tau2"]))
        if ci[1] >= limit:
            notes.append(
                f"the tau2 CI bound {limit:g} is the end of the search range (metafor prints "
                f"'> {limit:g}'): the data cannot bound tau2 from above on this scale"
            )
    return MetaResult(
        k=k,
        method=name,
        knha=knha,
        level=level,
        estimate=float(s["estimate"]),
        se=float(s["se"]),
        ci_low=float(s["ci_low"]),
        ci_high=float(s["ci_high"]),
        pi_low=float(s["pi_low"]),
        pi_high=float(s["pi_high"]),
        tau2=float(s["tau2"]),
        tau2_ci_low=ci[0],
        tau2_ci_high=ci[1],
        tau=float(s["tau"]),
        i2=float(s["i2"]),
        h2=float(s["h2"]),
        q=float(s["q"]),
        q_df=k - 1,
        q_p=float(s["q_p"]),
        stat=float(s["stat"]),
        p=float(s["p"]),
        yi=yi.copy(),
        vi=vi.copy(),
        labels=labels,
        weights=np.asarray(s["weights"], float).copy(),
        typical_vi=float(s["typical_vi"]),
        df=float(k - 1) if knha else None,
        iterations=int(fit.iterations[0]),
        notes=tuple(notes),
    )


# ------------------------------------------------------------------ effect tables (CSV files)

LABEL_COLUMNS = ("study", "label")


def read_effects(path: str | Path) -> pd.DataFrame:
    """Read an effects CSV (columns ``yi`` and ``vi`` or ``sei``; optional ``study``/``label``)."""
    return read_csv_checked(path)  # repeated columns, ragged rows, UTF-16: see csvinput


def _numeric(frame: pd.DataFrame, column: str, file: str | None) -> np.ndarray:
    """A column as floats; a non-numeric cell is a DataError naming its line (header = line 1)."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        cell = str(frame[column].iloc[i])
        cell = cell if len(cell) <= 40 else cell[:37] + "..."
        raise DataError(f"not a number: {cell!r}", file=file, row=i + 2, field=column)
    return values.to_numpy(dtype=float)


def effects_arrays(
    frame: pd.DataFrame, *, label_column: str | None = None, file: str | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Validated ``yi``, ``vi`` (from ``vi`` or ``sei``) and labels of an effects table.

    Rows are numbered as lines of the CSV file (the header is line 1).
    """
    if "yi" not in frame.columns:
        raise DataError("no 'yi' column (effect sizes)", file=file, field="yi")
    if "vi" not in frame.columns and "sei" not in frame.columns:
        raise DataError("needs a 'vi' (variance) or 'sei' (standard error) column", file=file, field="vi")
    yi = _numeric(frame, "yi", file)
    vfield = "vi" if "vi" in frame.columns else "sei"
    if "vi" in frame.columns and "sei" in frame.columns:
        warnings.warn(InputNote(f"{file or 'effects'}: has both vi and sei; vi is used, sei ignored"), stacklevel=2)
    vals = _numeric(frame, vfield, file)
    if vfield == "sei":
        bad = np.flatnonzero(np.isfinite(vals) & (vals <= 0))
        if bad.size:
            raise DataError(
                f"standard error must be positive, got {vals[bad[0]]:g}", file=file, row=int(bad[0]) + 2, field="sei"
            )
    rows = [i + 2 for i in range(len(frame))]
    yi, vi = validate_effects(yi, vals**2 if vfield == "sei" else vals, file=file, rows=rows, vi_field=vfield)
    return yi, vi, _labels(frame, label_column, file)


def _labels(frame: pd.DataFrame, label_column: str | None, file: str | None) -> tuple[str, ...]:
    if label_column is not None and label_column not in frame.columns:
        raise DataError(f"no label column {label_column!r}", file=file, field=label_column)
    column = label_column or next((c for c in LABEL_COLUMNS if c in frame.columns), None)
    if column is None:
        return tuple(f"Study {i + 1}" for i in range(len(frame)))
    return tuple(str(v) if pd.notna(v) else f"Study {i + 1}" for i, v in enumerate(frame[column]))


def pool_frame(
    frame: pd.DataFrame,
    *,
    method: str = "REML",
    knha: bool = False,
    level: float = 95.0,
    label_column: str | None = None,
    file: str | None = None,
) -> MetaResult:
    """:func:`pool` on an effects table (``yi`` with ``vi`` or ``sei``), validating every row."""
    yi, vi, labels = effects_arrays(frame, label_column=label_column, file=file)
    return pool(yi, vi, method=method, knha=knha, level=level, labels=labels)


def pool_file(
    path: str | Path, *, method: str = "REML", knha: bool = False, level: float = 95.0, label_column: str | None = None
) -> MetaResult:
    """Pool the effects CSV at ``path`` (a subgroup analysis is :func:`.moderators.subgroup_file`)."""
    return pool_frame(
        read_effects(path), method=method, knha=knha, level=level, label_column=label_column, file=str(path)
    )
