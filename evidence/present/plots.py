"""Publication-quality forest and funnel plots (matplotlib, object API, no global pyplot state).

``forest_plot(fit, path)`` and ``funnel_plot(fit, path)`` write SVG or PNG by the file suffix;
``forest_svg(fit)`` and ``funnel_svg(fit)`` return the SVG text (a report generator embeds it).  The drawn numbers come
from :func:`hairmeta.evidence.present.forest.forest_rows`, so the plot and the exported data never disagree.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.meta.bayes import BayesResult, bayes_pool_file
from hairmeta.evidence.meta.pooling import MetaResult, critical_value, pool_file
from hairmeta.evidence.present.forest import forest_rows, get_transform
from hairmeta.evidence.present.output import write_output
from hairmeta.evidence.present.render import dumps_json, frame_to_csv

FORMATS = {".png": "png", ".svg": "svg"}
STABLE = {"svg.hashsalt": "hairmeta", "svg.fonttype": "none"}  # fixed SVG ids; text kept as text (smaller, faster)
INK, ACCENT, MUTED = "#1a1a1a", "#1f4e79", "#7f7f7f"


def _format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(f"unsupported image type {path.suffix or '(none)'!r}; use .png or .svg", file=str(path))
    return fmt


def _ci_text(row) -> str:
    return f"{row.yi:.2f} [{row.ci_low:.2f}, {row.ci_high:.2f}]"


def _draw_studies(ax, studies: pd.DataFrame, ys: np.ndarray) -> None:
    size = 40 + 260 * np.sqrt(studies["weight"].to_numpy() / max(studies["weight"].max(), 1e-12))
    ax.hlines(ys, studies["ci_low"], studies["ci_high"], color=INK, lw=1)
    ax.scatter(studies["yi"], ys, s=size, marker="s", color=ACCENT, zorder=3)


def _draw_pooled(ax, pooled, pred, y: float) -> None:
    if np.isfinite(pred.ci_low) and (pred.ci_low < pooled.ci_low or pred.ci_high > pooled.ci_high):
        ax.hlines(y, pred.ci_low, pred.ci_high, color=MUTED, lw=1.5, linestyles="dashed")
    diamond = [(pooled.ci_low, y), (pooled.yi, y + 0.35), (pooled.ci_high, y), (pooled.yi, y - 0.35)]
    ax.add_patch(Polygon(diamond, closed=True, color=INK, zorder=3))


def _draw_bayes(ax, rows: pd.DataFrame, ys: np.ndarray) -> tuple[list, list, list, str]:
    """Shrinkage estimates (open circles under each study) and the Bayesian diamond at y = −0.5;
    returns the extra y ticks, left labels, right texts and the footer line."""
    shrunk = rows[rows["row_type"] == "shrunken"]
    ax.hlines(ys - 0.3, shrunk["ci_low"], shrunk["ci_high"], color=MUTED, lw=1)
    ax.scatter(shrunk["yi"], ys - 0.3, s=30, marker="o", facecolor="white", edgecolor=MUTED, zorder=3)
    bayes = rows[rows["row_type"] == "bayes"].iloc[0]
    pred = rows[rows["row_type"] == "bayes_prediction"].iloc[0]
    _draw_pooled(ax, bayes, pred, -0.5)
    note = rows[rows["row_type"] == "bayes_heterogeneity"].iloc[0]["label"]
    footer = f"{note}; prediction {pred.ci_low:.2f} to {pred.ci_high:.2f}; circles: shrunken estimates"
    return [-0.5], [bayes["label"]], [_ci_text(bayes)], footer


def build_forest_figure(
    fit: MetaResult, *, transform: str | None = None, title: str | None = None, bayes: BayesResult | None = None
) -> Figure:
    """The forest plot as a matplotlib Figure (studies, pooled diamond, dashed prediction interval;
    with ``bayes`` also the shrinkage estimates and the Bayesian diamond, as bayesmeta draws them)."""
    rows = forest_rows(fit, transform=transform, bayes=bayes)
    studies = rows[rows["row_type"] == "study"]
    pooled = rows[rows["row_type"] == "pooled"].iloc[0]
    pred = rows[rows["row_type"] == "prediction"].iloc[0]
    het = rows[rows["row_type"] == "heterogeneity"].iloc[0]["label"]
    k = len(studies)
    fig = Figure(figsize=(9, 1.6 + 0.32 * (k + 3) + (0.5 if bayes else 0)), layout="constrained")
    ax = fig.add_subplot()
    ys = np.arange(k, 0, -1) + 1.5
    _draw_studies(ax, studies, ys)
    _draw_pooled(ax, pooled, pred, 0.5)
    extra = _draw_bayes(ax, rows, ys) if bayes is not None else ([], [], [], "")
    bottom = -1.5 if bayes is not None else -0.5
    null = 1.0 if transform == "exp" else 0.0
    ax.axvline(null, color=MUTED, lw=0.8, ls=":")
    if transform == "exp":
        _log_axis(ax)
    labels = list(studies["label"]) + [pooled["label"]] + extra[1]
    ax.set_yticks(list(ys) + [0.5] + extra[0], labels)
    right = [f"{_ci_text(r)}  {r.weight:5.1f}%" for r in studies.itertuples()] + [_ci_text(pooled)] + extra[2]
    twin = ax.twinx()
    twin.set_ylim(bottom, k + 2.2)
    ax.set_ylim(bottom, k + 2.2)
    twin.set_yticks(list(ys) + [0.5] + extra[0], right, family="monospace", fontsize=8)
    for spine in ("top", "right", "left"):
        ax.spines[spine].set_visible(False)
        twin.spines[spine].set_visible(False)
    ax.tick_params(axis="y", length=0)
    twin.tick_params(axis="y", length=0)
    ax.set_xlabel(("Ratio (back-transformed)" if transform == "exp" else "Effect size") + f" with {fit.level:g}% CI")
    ax.text(0, 1.0, "Study", transform=ax.transAxes, ha="right", va="bottom", fontweight="bold", fontsize=9)
    twin.text(
        1.02,
        1.0,
        f"Estimate [{fit.level:g}% CI]   Weight",
        transform=twin.transAxes,
        ha="left",
        va="bottom",
        fontweight="bold",
        fontsize=8,
        family="monospace",
    )
    pi_text = (
        f"; {fit.level:g}% prediction interval {pred.ci_low:.2f} to {pred.ci_high:.2f} (dashed)"
        if np.isfinite(pred.ci_low)
        else ""
    )
    fig.supxlabel(het + pi_text + (f"\n{extra[3]}" if extra[3] else ""), x=0.01, ha="left", fontsize=8, color=INK)
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    return fig


def _log_axis(ax) -> None:
    """Log scale with plain-number ticks (0.1, 0.2, 0.5, 1, 2, 5, …)."""
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    ax.set_xscale("log")
    lo, hi = ax.get_xlim()
    ticks = [m * 10.0**e for e in range(-4, 5) for m in (1, 2, 5) if lo <= m * 10.0**e <= hi]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())


def _save(fig: Figure, path: Path) -> Path:
    fmt = _format(path)

    def draw(tmp: Path) -> None:
        with rc_context(STABLE):
            fig.savefig(tmp, format=fmt, dpi=200 if fmt == "png" else None, metadata=_metadata(fmt))

    return write_output(path, draw)


def _metadata(fmt: str) -> dict:
    # a fixed date keeps SVG output byte-for-byte reproducible
    return {"Date": None} if fmt == "svg" else {}


def forest_plot(
    fit: MetaResult,
    path: str | Path,
    *,
    transform: str | None = None,
    title: str | None = None,
    bayes: BayesResult | None = None,
) -> Path:
    """Draw the forest plot of ``fit`` (and of ``bayes``, a Bayesian fit of the same studies) to ``path``."""
    path = Path(path)
    _format(path)
    get_transform(transform)
    return _save(build_forest_figure(fit, transform=transform, title=title, bayes=bayes), path)


def _svg_text(fig: Figure) -> str:
    buffer = io.StringIO()
    with rc_context(STABLE):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def forest_svg(
    fit: MetaResult, *, transform: str | None = None, title: str | None = None, bayes: BayesResult | None = None
) -> str:
    """The forest plot as SVG text (identical input gives identical text)."""
    return _svg_text(build_forest_figure(fit, transform=transform, title=title, bayes=bayes))


def funnel_svg(fit: MetaResult, *, title: str | None = None) -> str:
    """The funnel plot as SVG text (identical input gives identical text)."""
    return _svg_text(build_funnel_figure(fit, title=title))


def build_funnel_figure(fit: MetaResult, *, title: str | None = None) -> Figure:
    """Funnel plot: effect sizes against their SEs (inverted axis), with the pooled estimate and
    the pseudo-confidence region ``μ̂ ± z_{1−α/2} SE`` (as metafor's ``funnel``)."""
    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.add_subplot()
    sei = fit.sei
    top = float(sei.max()) * 1.05
    z = critical_value(fit.level, None)
    se_grid = np.array([0.0, top])
    ax.fill_betweenx(se_grid, fit.estimate - z * se_grid, fit.estimate + z * se_grid, color="#eef2f7", zorder=0)
    ax.plot(fit.estimate - z * se_grid, se_grid, color=MUTED, lw=0.8, ls="--")
    ax.plot(fit.estimate + z * se_grid, se_grid, color=MUTED, lw=0.8, ls="--")
    ax.axvline(fit.estimate, color=INK, lw=1)
    ax.scatter(fit.yi, sei, color=ACCENT, edgecolor="white", s=40, zorder=3)
    ax.set_ylim(top, 0)
    ax.set_xlabel("Effect size")
    ax.set_ylabel("Standard error")
    ax.set_title(title or f"Funnel plot ({fit.method}, k = {fit.k})", loc="left", fontsize=11)
    return fig


def funnel_plot(fit: MetaResult, path: str | Path, *, title: str | None = None) -> Path:
    """Draw the funnel plot of ``fit`` to ``path`` (``.png`` or ``.svg``)."""
    path = Path(path)
    _format(path)
    return _save(build_funnel_figure(fit, title=title), path)


def funnel_file(
    effects: str | Path,
    output: str | Path,
    *,
    method: str = "REML",
    knha: bool = False,
    level: float = 95.0,
    label_column: str | None = None,
    title: str | None = None,
) -> dict:
    """Pool an effects CSV and draw its funnel plot to ``output``; returns a short summary."""

    fit = pool_file(effects, method=method, knha=knha, level=level, label_column=label_column)
    path = funnel_plot(fit, output, title=title)
    return {"output": str(path), "k": fit.k, "method": fit.method, "estimate": fit.estimate}


def export_forest(
    fit: MetaResult,
    path: str | Path,
    *,
    transform: str | None = None,
    title: str | None = None,
    bayes: BayesResult | None = None,
) -> Path:
    """Write forest data (``.csv``/``.json``) or a forest plot (``.png``/``.svg``) to ``path``."""

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json", ".png", ".svg"):
        raise DataError(
            f"unsupported output type {suffix or '(none)'!r}; use .csv, .json, .png or .svg", file=str(path)
        )
    if suffix in (".png", ".svg"):
        return forest_plot(fit, path, transform=transform, title=title, bayes=bayes)
    rows = forest_rows(fit, transform=transform, bayes=bayes)
    return write_output(path, frame_to_csv(rows) if suffix == ".csv" else dumps_json(rows) + "\n")


def forest_file(
    effects: str | Path,
    output: str | Path,
    *,
    method: str = "REML",
    knha: bool = False,
    level: float = 95.0,
    transform: str | None = None,
    title: str | None = None,
    label_column: str | None = None,
    bayes: dict | None = None,
) -> pd.DataFrame:
    """Pool an effects CSV, export its forest data or plot to ``output`` and return the rows.

    ``bayes``: options of :func:`hairmeta.evidence.meta.bayes.bayes_pool_file` (e.g. ``{"tau_prior":
    "halfnormal:0.5"}``, ``{}`` for the defaults) to add the Bayesian fit of the same studies.
    """

    fit = pool_file(effects, method=method, knha=knha, level=level, label_column=label_column)
    get_transform(transform)
    bfit = None if bayes is None else bayes_pool_file(effects, level=level, label_column=label_column, **bayes)
    export_forest(fit, output, transform=transform, title=title, bayes=bfit)
    return forest_rows(fit, transform=transform, bayes=bfit)
