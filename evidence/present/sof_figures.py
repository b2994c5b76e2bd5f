"""The report's figures for the Summary of Findings, drawn as plain inline SVG (no fonts or scripts
fetched): a RevMan-style forest plot per SoF row, and the published meta-analyses beside ours.

Forest plot (one per SoF row): per study the coded arm data (mean (SD) n, change, or events/n,
quoted from ``outcomes.csv`` by the effect's ``outcome_ids``), the weight, the estimate with its
Wald CI, a square sized by weight; the frequentist pooled diamond when k ≥ 2 and the Bayesian
diamond when the SoF row uses it; the prediction interval; heterogeneity and overall-effect
lines; and "Favours …" labels under the axis, oriented by which direction of the outcome is
better (:data:`hairmeta.evidence.tables.vocab.OUTCOME_LABELS`).  Ratio measures are drawn on a
log axis, back-transformed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from scipy import special  # distribution functions as ufuncs: scipy.stats costs 0.3 s to import

from hairmeta.evidence.meta.measures import RATIO_MEASURES
from hairmeta.evidence.present.forest import heterogeneity_text, model_label
from hairmeta.evidence.synthesis.summary import SAME_SCALE, Body
from hairmeta.evidence.tables.vocab import OUTCOME_LABELS

INK, ACCENT, MUTED, BAYES = "#1a1a1a", "#1f4e79", "#7f7f7f", "#8a3b12"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'
#: Column x positions of the forest plot: study, intervention arm, control arm, weight, estimate, plot.
COLS = {"study": 6, "int": 190, "ctl": 370, "weight": 550, "est": 605, "plot": 770}
PLOT_W = 300
#: Room kept for a "Favours …" label on either side of where the labels meet.
LABEL_ROOM = 130
WIDTH = COLS["plot"] + PLOT_W + 60
ROW_H = 18


def _num(x, digits: int = 1) -> str:
    """``x`` with at most ``digits`` decimals, trailing zeros of the decimals dropped; ``—`` if missing."""
    if x is None or not np.isfinite(x):
        return "—"
    text = f"{x:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def arm_cell(row: pd.Series) -> str:
    """One coded outcome row as arm data: ``events/n``, ``mean (SD) n`` or ``Δ change (SD) n``."""
    n = f" n={_num(row['n'], 0)}" if np.isfinite(row["n"]) else ""
    if np.isfinite(row.get("events", np.nan)):
        return f"{_num(row['events'], 0)}/{_num(row['n'], 0)} {row['arm']}"
    if np.isfinite(row.get("change_mean", np.nan)):
        return f"Δ{_num(row['change_mean'], 2)} ({_num(row['change_sd'], 2)}){n} {row['arm']}"
    return f"{_num(row['mean'], 2)} ({_num(row['sd'], 2)}){n} {row['arm']}"


def arm_data(effect: pd.Series, outcomes: pd.DataFrame, baseline: bool) -> tuple[list[str], list[str]]:
    """Intervention-side and control-side cells of one effect (for a change from baseline:
    follow-up / change rows and baseline rows)."""
    ids = [i.strip() for i in str(effect.get("outcome_ids", "")).split(";") if i.strip()]
    rows = outcomes.set_index("outcome_id").reindex(ids).reset_index().dropna(subset=["study_id"])
    if baseline:
        is_ctl = rows["timepoint_weeks"].fillna(-1) == 0
    else:
        is_ctl = rows["arm_role"] == "control"
    return [arm_cell(r) for _, r in rows[~is_ctl].iterrows()], [arm_cell(r) for _, r in rows[is_ctl].iterrows()]


@dataclass(frozen=True)
class Diamond:
    label: str
    estimate: float
    low: float
    high: float
    colour: str


def _favours(outcome: str, baseline: bool, comparator: str, intervention: str) -> tuple[str, str]:
    """(left label, right label) under the axis; left is lower values."""
    direction = (OUTCOME_LABELS.get(outcome, ("", None))[1] or "").split(" ")[0]
    if baseline:
        return "Lower than baseline", "Higher than baseline"
    if direction == "lower":
        return f"Favours {intervention}", f"Favours {comparator}"
    if direction == "higher":
        return f"Favours {comparator}", f"Favours {intervention}"
    return f"Lower with {intervention}", f"Higher with {intervention}"


#: Tick values of a log (ratio) axis.
RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 × 10^n steps) covering [lo, hi]."""
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def _scale(values: list[float], ratio: bool, null: float = 0.0):
    """x(value) for the plot area and its ticks [(value, label)]; ratio values are on the log scale."""
    finite = [v for v in values if np.isfinite(v)] + [null]
    lo, hi = min(finite), max(finite)
    pad = (hi - lo) * 0.05 or 1.0
    lo, hi = lo - pad, hi + pad

    def x(v: float) -> float:
        return COLS["plot"] + (min(max(v, lo), hi) - lo) / (hi - lo) * PLOT_W

    if ratio:
        ticks = [(math.log(t), f"{t:g}") for t in RATIO_TICKS if lo <= math.log(t) <= hi]
    else:
        ticks = [(t, f"{t:g}") for t in _nice_ticks(lo, hi)]
    return x, ticks


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {extra}>{escape(text)}</text>'


def forest_svg(sof_row, body: Body, outcomes: pd.DataFrame, bayes: dict | None, level: float) -> str:
    """RevMan-style forest plot of one SoF row as SVG text (see the module docstring)."""
    effects = body.effects.reset_index(drop=True)
    baseline = body.key[3] == "baseline"
    ratio = body.measure in RATIO_MEASURES
    z = special.ndtri(0.5 + level / 200.0)
    weights = list(body.fit.weights) if body.fit is not None else [100.0] * len(effects)
    diamonds = []
    if body.fit is not None:
        f = body.fit
        diamonds.append(Diamond(model_label(f), f.estimate, f.ci_low, f.ci_high, INK))
    if bayes:
        diamonds.append(
            Diamond("Bayesian RE (median, CrI)", bayes["estimate"], bayes["ci_low"], bayes["ci_high"], BAYES)
        )
    pi = (body.fit.pi_low, body.fit.pi_high) if body.fit is not None else (np.nan, np.nan)
    if bayes and np.isfinite(bayes.get("pi_low", np.nan)):
        pi = (bayes["pi_low"], bayes["pi_high"])
    cells = [arm_data(e, outcomes, baseline) for _, e in effects.iterrows()]
    heights = [max(1, len(i), len(c)) for i, c in cells]
    values = [v for _, e in effects.iterrows() for v in (e.yi - z * e.sei, e.yi + z * e.sei)]
    values += [v for d in diamonds for v in (d.low, d.high)] + list(pi)
    x, ticks = _scale(values, ratio)
    show = math.exp if ratio else (lambda v: v)
    y = 46
    parts = [
        _text(COLS["study"], 16, "Study", extra='font-weight="bold"'),
        _text(COLS["int"], 16, "Follow-up / change" if baseline else sof_row.intervention, extra='font-weight="bold"'),
        _text(COLS["ctl"], 16, "Baseline" if baseline else "Control", extra='font-weight="bold"'),
        _text(COLS["weight"] + 40, 16, "Weight", "end", 'font-weight="bold"'),
        _text(COLS["est"], 16, f"{body.measure} [{level:g}% CI]", extra='font-weight="bold"'),
        _text(COLS["int"], 29, "mean (SD) n, Δ change (SD), events/n", extra=f'fill="{MUTED}" font-size="10"'),
    ]
    for (_, e), (left, right), h, w in zip(effects.iterrows(), cells, heights, weights):
        mid = y + (h - 1) * ROW_H / 2
        parts.append(_text(COLS["study"], mid, str(e["label"])[:28]))
        for j, cell in enumerate(left):
            parts.append(_text(COLS["int"], y + j * ROW_H, cell[:30], extra='font-size="11"'))
        for j, cell in enumerate(right):
            parts.append(_text(COLS["ctl"], y + j * ROW_H, cell[:30], extra='font-size="11"'))
        lo, hi = e.yi - z * e.sei, e.yi + z * e.sei
        parts.append(_text(COLS["weight"] + 40, mid, f"{w:.1f}%", "end"))
        parts.append(_text(COLS["est"], mid, f"{show(e.yi):.2f} [{show(lo):.2f}, {show(hi):.2f}]"))
        size = 4 + 6 * math.sqrt(w / 100.0)
        parts.append(f'<line x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="{mid - 4:.1f}" y2="{mid - 4:.1f}" stroke="{INK}"/>')
        parts.append(
            f'<rect x="{x(e.yi) - size / 2:.1f}" y="{mid - 4 - size / 2:.1f}" width="{size:.1f}" '
            f'height="{size:.1f}" fill="{ACCENT}"/>'
        )
        y += h * ROW_H + 4
    y += 6
    for d in diamonds:
        parts.append(_text(COLS["study"], y, d.label, extra='font-weight="bold"'))
        parts.append(_text(COLS["weight"] + 40, y, "100%", "end"))
        parts.append(_text(COLS["est"], y, f"{show(d.estimate):.2f} [{show(d.low):.2f}, {show(d.high):.2f}]"))
        pts = f"{x(d.low):.1f},{y - 4} {x(d.estimate):.1f},{y - 10} {x(d.high):.1f},{y - 4} {x(d.estimate):.1f},{y + 2}"
        parts.append(f'<polygon points="{pts}" fill="{d.colour}"/>')
        y += ROW_H + 2
    if np.isfinite(pi[0]):
        parts.append(_text(COLS["study"], y, "Prediction interval"))
        parts.append(_text(COLS["est"], y, f"{show(pi[0]):.2f} to {show(pi[1]):.2f}"))
        parts.append(
            f'<line x1="{x(pi[0]):.1f}" x2="{x(pi[1]):.1f}" y1="{y - 4}" y2="{y - 4}" stroke="{MUTED}" '
            'stroke-dasharray="4 3" stroke-width="1.5"/>'
        )
        y += ROW_H + 2
    top, bottom = 24, y - 8
    parts.append(
        f'<line x1="{x(0.0):.1f}" x2="{x(0.0):.1f}" y1="{top}" y2="{bottom}" stroke="{MUTED}" stroke-dasharray="2 2"/>'
    )
    parts.append(f'<line x1="{COLS["plot"]}" x2="{COLS["plot"] + PLOT_W}" y1="{bottom}" y2="{bottom}" stroke="{INK}"/>')
    for t, label in ticks:
        parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{bottom}" y2="{bottom + 4}" stroke="{INK}"/>')
        parts.append(_text(x(t), bottom + 16, label, "middle", 'font-size="10"'))
    left, right = _favours(body.key[2], baseline, sof_row.comparator.split(" (")[0], sof_row.intervention)
    middle = min(max(x(0.0), COLS["plot"] + LABEL_ROOM), COLS["plot"] + PLOT_W - LABEL_ROOM)  # labels stay inside
    parts.append(_text(middle - 6, bottom + 30, left, "end", 'font-size="11"'))
    parts.append(_text(middle + 6, bottom + 30, right, "start", 'font-size="11"'))
    y = bottom + 50
    het = heterogeneity_text(body.fit) if body.fit is not None else "Heterogeneity: not applicable (one study)"
    overall = _overall_text(body, bayes)
    for line in (het, overall):
        parts.append(_text(COLS["study"], y, line, extra='font-size="11"'))
        y += 16
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {y}" width="{WIDTH}" height="{y}" '
        f'role="img" {FONT}><title>{escape(sof_row.outcome)}: {escape(sof_row.population)}</title>'
        + "".join(parts)
        + "</svg>"
    )


def _overall_text(body: Body, bayes: dict | None) -> str:
    parts = []
    if body.fit is not None:
        f = body.fit
        test = "t" if f.knha else "Z"
        p = "p < 0.0001" if f.p < 1e-4 else f"p = {f.p:.4f}"
        parts.append(f"Test for overall effect: {test} = {f.stat:.2f} ({p})")
    else:
        e = body.effects.iloc[0]
        zval = e.yi / e.sei
        p = 2 * special.ndtr(-abs(zval))
        parts.append(
            f"Test for overall effect (one study): Z = {zval:.2f} ({'p < 0.0001' if p < 1e-4 else f'p = {p:.4f}'})"
        )
    if bayes and np.isfinite(bayes.get("prob_positive", np.nan)):
        parts.append(
            f"Bayesian P(effect > {'1' if body.measure in RATIO_MEASURES else '0'}) = {bayes['prob_positive']:.2f}"
        )
    return "; ".join(parts)


# ------------------------------------------------------------------------------ published


def published_svg(published: pd.DataFrame) -> str:
    """Published pooled results (filled dots) with ours beside on the same scale (open squares),
    one panel per measure; rows without a published interval are left out (listed in the table)."""
    frame = published[np.isfinite(published["ci_low"].astype(float)) & np.isfinite(published["ci_high"].astype(float))]
    frame = frame.drop_duplicates("ma_id")
    if frame.empty:
        return ""
    parts, y = [], 10
    for measure, group in frame.groupby("measure", sort=True):
        rows = []
        for r in group.itertuples():
            rows.append((f"{r.ma_id} ({r.outcome}, {r.comparison})", r.estimate, r.ci_low, r.ci_high, ACCENT, "pub"))
            same = r.our_measure == measure or (measure, r.our_measure) in SAME_SCALE
            if same and np.isfinite(r.our_estimate):
                rows.append((f"   ours: {r.our_condition}", r.our_estimate, r.our_ci_low, r.our_ci_high, BAYES, "ours"))
        values = [v for row in rows for v in row[1:4]]
        null = 1.0 if measure in ("OR", "RR") else 0.0  # published ratios are coded as printed
        x, ticks = _scale(values, False, null)
        parts.append(_text(COLS["study"], y + 12, f"{measure}", extra='font-weight="bold"'))
        y += 24
        start = y
        for label, est, lo, hi, colour, kind in rows:
            parts.append(_text(COLS["study"], y, label[:60], extra='font-size="11"'))
            parts.append(_text(COLS["est"], y, f"{est:.2f} [{lo:.2f}, {hi:.2f}]", extra='font-size="11"'))
            parts.append(f'<line x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}"/>')
            if kind == "pub":
                parts.append(f'<circle cx="{x(est):.1f}" cy="{y - 4}" r="4" fill="{colour}"/>')
            else:
                parts.append(
                    f'<rect x="{x(est) - 4:.1f}" y="{y - 8}" width="8" height="8" fill="white" stroke="{colour}"/>'
                )
            y += ROW_H
        parts.append(
            f'<line x1="{x(null):.1f}" x2="{x(null):.1f}" y1="{start - 12}" y2="{y - 8}" stroke="{MUTED}" stroke-dasharray="2 2"/>'
        )
        parts.append(
            f'<line x1="{COLS["plot"]}" x2="{COLS["plot"] + PLOT_W}" y1="{y - 8}" y2="{y - 8}" stroke="{INK}"/>'
        )
        for t, label in ticks:
            parts.append(_text(x(t), y + 6, label, "middle", 'font-size="10"'))
        y += 20
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {y}" width="{WIDTH}" height="{y}" '
        f'role="img" {FONT}><title>Published meta-analyses beside ours</title>' + "".join(parts) + "</svg>"
    )
