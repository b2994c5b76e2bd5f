"""Diagnostics of one fit in one report (:func:`diagnose`), over the functions that read a fit
(:class:`MetaResult`) in :mod:`.sensitivity`, :mod:`.bias` and :mod:`.moderators`, each agreeing with
its metafor 3.8.1 counterpart.

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
:mod:`hairmeta.evidence.meta.estimators`: all k refits run as one vectorised computation.

The between-subgroup test of :func:`subgroup_analysis` is the fixed-effect Q of the subgroup
estimates, ``Q_b = Σ_g (θ̂_g − θ̄)² / SE_g²`` on G − 1 df, each subgroup keeping its own τ²
(RevMan's "test for subgroup differences"; metafor: ``rma(θ̂_g, sei = SE_g, method = "EE")$QE``).
The moderator test of ``rma(yi, vi, mods = ~ factor(by))`` (one common τ²) is reported beside
it as ``qm_common_tau2``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from hairmeta.evidence.errors import DataError, ModelError
from hairmeta.evidence.meta.bias import TestResult, TrimFillResult, egger_test, rank_test, trim_fill
from hairmeta.evidence.meta.pooling import MetaResult, pool_frame, read_effects
from hairmeta.evidence.meta.sensitivity import SweepResult, cumulative, leave_one_out


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

        return {
            "fit": self.fit.to_dict(),
            "leave_one_out": part(self.leave_one_out),
            "cumulative": part(self.cumulative),
            "egger": part(self.egger),
            "rank": part(self.rank),
            "trim_fill": part(self.trim_fill),
            "skipped": dict(self.skipped),
        }

    def tests_frame(self) -> pd.DataFrame:
        """Egger, rank test and trim-and-fill as rows (test, stat, p, estimate, CI, k0, side)."""
        rows = [t.to_dict() for t in (self.egger, self.rank) if t is not None]
        if self.trim_fill is not None:
            tf = self.trim_fill
            rows.append(
                {
                    "test": "trim_fill",
                    "stat": float(tf.k0),
                    "p": float("nan"),
                    "df": None,
                    "estimate": tf.fit.estimate,
                    "ci_low": tf.fit.ci_low,
                    "ci_high": tf.fit.ci_high,
                    "side": tf.side,
                    "se_k0": tf.se_k0,
                }
            )
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
        fit=fit,
        leave_one_out=_attempt("leave_one_out", lambda: leave_one_out(fit), skipped),
        cumulative=_attempt("cumulative", lambda: cumulative(fit, order), skipped),
        egger=_attempt("egger", lambda: egger_test(fit), skipped),
        rank=_attempt("rank", lambda: rank_test(fit), skipped),
        trim_fill=_attempt("trim_fill", lambda: trim_fill(fit), skipped),
        skipped=skipped,
    )


def diagnose_file(
    path,
    *,
    method: str = "REML",
    knha: bool = False,
    level: float = 95.0,
    order_column: str | None = None,
    label_column: str | None = None,
) -> DiagnosticsReport:
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
