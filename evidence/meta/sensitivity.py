"""Sensitivity analyses that refit a pooled model: leave-one-out and cumulative meta-analysis
(metafor's ``leave1out`` and ``cumul``), run as one vectorised batch of refits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hairmeta.evidence.errors import DataError, ModelError
from hairmeta.evidence.meta.estimators import Batch, estimate_tau2
from hairmeta.evidence.meta.pooling import MetaResult, summarise

SWEEP_DISPLAY = ("label", "k", "estimate", "ci_low", "ci_high", "p", "tau2", "i2")


SWEEP_COLUMNS = ("label", "k", "estimate", "se", "stat", "p", "ci_low", "ci_high", "q", "q_p", "tau2", "i2", "h2")


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
        return {
            "kind": self.kind,
            "method": self.method,
            "knha": self.knha,
            "rows": self.rows.to_dict(orient="records"),
        }


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
