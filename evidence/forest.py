"""Forest-plot data: one row per study, the pooled row, the prediction-interval row and the
heterogeneity line, ready to export as CSV/JSON or to draw (:mod:`evidence.plots`).

Study confidence intervals are Wald intervals ``y_i ± z_{1−α/2} sqrt(v_i)`` at the fit's level
(as metafor's ``forest``); the pooled row carries the fit's CI (t-based under Knapp–Hartung)
and its weight column is 100 (percent).  ``transform="exp"`` back-transforms ``yi`` and the
interval bounds of ratio measures (log RR, log OR, log ROM) for display; ``se`` always stays on
the analysis (log) scale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from evidence.errors import DataError, UnknownNameError
from evidence.pooling import MetaResult, critical_value

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


def forest_rows(fit: MetaResult, *, transform: str | None = None) -> pd.DataFrame:
    """Forest-plot rows: ``study`` × k, ``pooled``, ``prediction`` and ``heterogeneity``.

    Columns: ``row_type, label, yi, se, ci_low, ci_high, weight`` (weight in percent).
    """
    f = get_transform(transform)
    z = critical_value(fit.level, None)
    sei = fit.sei
    study = pd.DataFrame({"row_type": "study", "label": list(fit.labels), "yi": f(fit.yi), "se": sei,
                          "ci_low": f(fit.yi - z * sei), "ci_high": f(fit.yi + z * sei),
                          "weight": fit.weights})
    est = float(f(np.array(fit.estimate)))
    extra = pd.DataFrame([
        {"row_type": "pooled", "label": model_label(fit), "yi": est, "se": fit.se,
         "ci_low": float(f(np.array(fit.ci_low))), "ci_high": float(f(np.array(fit.ci_high))), "weight": 100.0},
        {"row_type": "prediction", "label": "Prediction interval", "yi": est, "se": np.nan,
         "ci_low": float(f(np.array(fit.pi_low))), "ci_high": float(f(np.array(fit.pi_high))), "weight": np.nan},
        {"row_type": "heterogeneity", "label": heterogeneity_text(fit), "yi": np.nan, "se": np.nan,
         "ci_low": np.nan, "ci_high": np.nan, "weight": np.nan},
    ])
    return pd.concat([study, extra], ignore_index=True)[list(COLUMNS)]


def export_forest(fit: MetaResult, path: str | Path, *, transform: str | None = None,
                  title: str | None = None) -> Path:
    """Write forest data (``.csv``/``.json``) or a forest plot (``.png``/``.svg``) to ``path``."""
    from evidence.render import dumps_json, frame_to_csv
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".png", ".svg"):
        from evidence.plots import forest_plot
        forest_plot(fit, path, transform=transform, title=title)
        return path
    if suffix not in (".csv", ".json"):
        raise DataError(f"unsupported output type {suffix or '(none)'!r}; use .csv, .json, .png or .svg",
                        file=str(path))
    rows = forest_rows(fit, transform=transform)
    text = frame_to_csv(rows) if suffix == ".csv" else dumps_json(rows) + "\n"
    _write_text(path, text)
    return path


def _write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file, so a failure leaves no half-written file."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError(f"cannot write: {exc.strerror}", file=str(path)) from None


def forest_file(effects: str | Path, output: str | Path, *, method: str = "REML", knha: bool = False,
                level: float = 95.0, transform: str | None = None, title: str | None = None,
                label_column: str | None = None) -> pd.DataFrame:
    """Pool an effects CSV, export its forest data or plot to ``output`` and return the rows."""
    from evidence.pooling import pool_file
    fit = pool_file(effects, method=method, knha=knha, level=level, label_column=label_column)
    get_transform(transform)
    export_forest(fit, output, transform=transform, title=title)
    return forest_rows(fit, transform=transform)
