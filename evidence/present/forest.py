"""Forest-plot data: one row per study, the pooled row, the prediction-interval row and the
heterogeneity line, ready to export as CSV/JSON or to draw (:mod:`hairmeta.evidence.present.plots`).

Study confidence intervals are Wald intervals ``y_i ± z_{1−α/2} sqrt(v_i)`` at the fit's level
(as metafor's ``forest``); the pooled row carries the fit's CI (t-based under Knapp–Hartung)
and its weight column is 100 (percent).  ``transform="exp"`` back-transforms ``yi`` and the
interval bounds of ratio measures (log RR, log OR, log ROM) for display; ``se`` always stays on
the analysis (log) scale.

With a Bayesian fit (:func:`hairmeta.evidence.meta.bayes.bayes_pool` on the same data) the rows
also carry, as bayesmeta's forest plot shows them, each study's shrinkage estimate (``shrunken``:
posterior median and credible interval of its own effect θ_i), the Bayesian estimate of μ
(``bayes``), its posterior predictive interval (``bayes_prediction``) and τ's posterior
(``bayes_heterogeneity``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from hairmeta.evidence.errors import UnknownNameError
from hairmeta.evidence.meta.bayes import BayesResult
from hairmeta.evidence.meta.pooling import MetaResult, critical_value

COLUMNS = ("row_type", "label", "yi", "se", "ci_low", "ci_high", "weight")
TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"none": lambda x: x, "exp": np.exp}


def get_transform(name: str | None) -> Callable[[np.ndarray], np.ndarray]:
    """The back-transformation called ``name`` (``None`` → identity)."""
    key = "none" if name is None else str(name).lower()
    if key not in TRANSFORMS:
        raise UnknownNameError("transform", str(name), list(TRANSFORMS))
    return TRANSFORMS[key]


def model_label(fit: MetaResult) -> str:
    """``RE Model (REML)``, ``RE Model (REML, Knapp-Hartung)`` or ``EE Model``."""
    if fit.method == "EE":
        return "EE Model"
    return f"RE Model ({fit.method}{', Knapp-Hartung' if fit.knha else ''})"


def _p_text(p: float) -> str:
    return "p < 0.0001" if p < 1e-4 else f"p = {p:.4f}"


def heterogeneity_text(fit: MetaResult) -> str:
    """The heterogeneity line, e.g. ``Heterogeneity: tau² = 0.3132 [0.1197, 1.1115]; I² = 92.2%; …``."""
    parts = []
    if fit.method != "EE":
        ci = "" if np.isnan(fit.tau2_ci_low) else f" [{fit.tau2_ci_low:.4f}, {fit.tau2_ci_high:.4f}]"
        parts.append(f"tau² = {fit.tau2:.4f}{ci}")
    parts.append(f"I² = {fit.i2:.1f}%")
    parts.append(f"Q = {fit.q:.2f}, df = {fit.q_df}, {_p_text(fit.q_p)}")
    return "Heterogeneity: " + "; ".join(parts)


def bayes_rows(bayes: BayesResult, f: Callable[[np.ndarray], np.ndarray]) -> pd.DataFrame:
    """``shrunken`` × k, ``bayes``, ``bayes_prediction`` and ``bayes_heterogeneity`` rows (``f`` back-transforms)."""
    lvl = f"{bayes.level:g}%"
    tau = (f"Bayesian: tau = {bayes.tau_median:.4f} [{bayes.tau_ci_low:.4f}, {bayes.tau_ci_high:.4f}] "
           f"(median, {lvl} CrI), prior {bayes.tau_prior.label}")  # fmt: skip
    rows = [("shrunken", lab, m, lo, hi) for lab, m, lo, hi in
            zip(bayes.labels, bayes.theta_median, bayes.theta_low, bayes.theta_high)]  # fmt: skip
    rows += [
        ("bayes", "Bayesian RE (posterior median)", bayes.mu_median, bayes.mu_ci_low, bayes.mu_ci_high),
        ("bayes_prediction", "Bayesian prediction interval", bayes.mu_median, bayes.pi_low, bayes.pi_high),
    ]
    frame = pd.DataFrame(rows, columns=["row_type", "label", "yi", "ci_low", "ci_high"])
    for column in ("yi", "ci_low", "ci_high"):
        frame[column] = f(frame[column].to_numpy(float))
    heterogeneity = {"row_type": "bayes_heterogeneity", "label": tau, "yi": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    frame = pd.concat([frame, pd.DataFrame([heterogeneity])], ignore_index=True)
    return frame.assign(se=np.nan, weight=np.nan)[list(COLUMNS)]


def forest_rows(fit: MetaResult, *, transform: str | None = None, bayes: BayesResult | None = None) -> pd.DataFrame:
    """Forest-plot rows: ``study`` × k, ``pooled``, ``prediction`` and ``heterogeneity``, and with
    ``bayes`` (a Bayesian fit of the same studies) the :func:`bayes_rows` after them.

    Columns: ``row_type, label, yi, se, ci_low, ci_high, weight`` (weight in percent).
    """
    f = get_transform(transform)
    z = critical_value(fit.level, None)
    sei = fit.sei
    study = pd.DataFrame(
        {
            "row_type": "study",
            "label": list(fit.labels),
            "yi": f(fit.yi),
            "se": sei,
            "ci_low": f(fit.yi - z * sei),
            "ci_high": f(fit.yi + z * sei),
            "weight": fit.weights,
        }
    )
    est = float(f(np.array(fit.estimate)))
    extra = pd.DataFrame(
        [
            {
                "row_type": "pooled",
                "label": model_label(fit),
                "yi": est,
                "se": fit.se,
                "ci_low": float(f(np.array(fit.ci_low))),
                "ci_high": float(f(np.array(fit.ci_high))),
                "weight": 100.0,
            },
            {
                "row_type": "prediction",
                "label": "Prediction interval",
                "yi": est,
                "se": np.nan,
                "ci_low": float(f(np.array(fit.pi_low))),
                "ci_high": float(f(np.array(fit.pi_high))),
                "weight": np.nan,
            },
            {
                "row_type": "heterogeneity",
                "label": heterogeneity_text(fit),
                "yi": np.nan,
                "se": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "weight": np.nan,
            },
        ]
    )
    parts = [study, extra] + ([bayes_rows(bayes, f)] if bayes is not None else [])
    return pd.concat(parts, ignore_index=True)[list(COLUMNS)]
