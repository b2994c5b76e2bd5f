"""The evidence summary: every family × condition × outcome × comparison, pooled and GRADEd.

For each body of evidence in the coded outcomes the summary gives the number of studies and
participants, the pooled estimate with its confidence and prediction intervals (REML with
Knapp–Hartung by default), heterogeneity, the GRADE certainty with every downgrade and its
reason (:mod:`hairmeta.evidence.synthesis.grade`), flags for results resting on one study or on derived values,
published pooled results for the same comparison beside ours, and what the evidence lacks.

Bodies that cannot be pooled (one study; only p-values; no usable numbers) still appear, with
the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special  # distribution functions as ufuncs: scipy.stats costs 0.3 s to import

from hairmeta.evidence.errors import ModelError
from hairmeta.evidence.meta.bayes import BAYES_COLUMNS, SMALL_K, bayes_columns
from hairmeta.evidence.meta.bias import egger_test
from hairmeta.evidence.meta.measures import RATIO_MEASURES
from hairmeta.evidence.meta.options import DEFAULT, ModelOptions
from hairmeta.evidence.meta.pooling import pool
from hairmeta.evidence.synthesis.contrasts import CodedIndex, from_outcomes
from hairmeta.evidence.synthesis.grade import EvidenceBody, grade
from hairmeta.evidence.tables.load import coded_tables
from hairmeta.evidence.tables.vocab import (
    COMPARISON_INFO,
    SUMMARY_COMPARISONS,
    body_label,
    direction,
    estimate_phrase,
    measure_legend,
)

ROW_COLUMNS = [
    "intervention_family",
    "condition",
    "outcome",
    "comparison",
    "measure",
    "k",
    "k_studies",
    "n",
    "estimate",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "tau2",
    "i2",
    "q_p",
    "certainty",
    "downgrades",
    "flags",
    "studies",
    *BAYES_COLUMNS,  # bodies with k <= SMALL_K: Bayesian random-effects estimate (evidence/meta/bayes.py)
]


@dataclass(frozen=True)
class Body:
    """One body of evidence: the effect table behind a summary row and its fit (if any)."""

    key: tuple[str, str, str, str]
    effects: pd.DataFrame
    excluded: pd.DataFrame
    measure: str
    fit: object | None = None
    note: str = ""


@dataclass(frozen=True)
class Summary:
    """The whole summary: rows, published results beside ours, gaps, and the settings used."""

    rows: pd.DataFrame
    published: pd.DataFrame
    gaps: list[str]
    settings: dict
    bodies: list[Body] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        """Plain data for JSON output."""
        return {"settings": self.settings, "rows": self.rows, "published": self.published, "gaps": self.gaps}

    def display_rows(self) -> pd.DataFrame:
        """Pooled or single-study rows for a terminal: ratio measures back-transformed."""
        frame = self.rows[self.rows["k"] > 0]
        units = self.units()
        return pd.DataFrame(
            {
                "#": range(1, len(frame) + 1),
                "body of evidence": [
                    body_label(r.intervention_family, r.condition, r.outcome, r.comparison) for r in frame.itertuples()
                ],
                "k": frame["k"],
                "n": frame["n"].map(lambda v: f"{v:g}"),
                "estimate [CI]": [
                    _estimate_cell(r, units.get((r.intervention_family, r.condition, r.outcome, r.comparison), ""))
                    + _bayes_shown(r)
                    for r in frame.itertuples()
                ],
                "PI": [_shown(r, None, r.pi_low, r.pi_high).replace(" to ", " to\n") for r in frame.itertuples()],
                "I²%": frame["i2"].map(lambda v: "—" if not math.isfinite(v) else f"{v:.0f}"),
                "certainty": frame["certainty"],
            }
        )

    def units(self) -> dict[tuple[str, str, str, str], str]:
        """The one unit of each body's effects ("" when none or several)."""
        found = {}
        for body in self.bodies:
            units = set(body.effects["unit"].dropna().astype(str)) if "unit" in body.effects else set()
            found[body.key] = units.pop() if len(units) == 1 else ""
        return found

    def display_legend(self) -> list[str]:
        """Each measure shown, spelled out once (``MD: mean difference``)."""
        return measure_legend(self.rows.loc[self.rows["k"] > 0, "measure"])

    def display_reasons(self) -> list[str]:
        """Per displayed row: its certainty's reasons and its flags (numbered as the table)."""
        frame = self.rows[self.rows["k"] > 0]
        return [
            f"{i}. {r.downgrades}" + (f" — {r.flags}" if r.flags else "")
            for i, r in enumerate(frame.itertuples(), start=1)
        ]

    def display_unpooled(self) -> pd.DataFrame:
        """Bodies with no usable numbers, and why."""
        frame = self.rows[self.rows["k"] == 0]
        return pd.DataFrame(
            {
                "body of evidence": [
                    body_label(r.intervention_family, r.condition, r.outcome, r.comparison) for r in frame.itertuples()
                ],
                "why not pooled": frame["flags"],
            }
        )

    def display_published(self) -> pd.DataFrame:
        """Published pooled results beside ours, for a terminal (explanations listed apart)."""
        frame = self.published
        if frame.empty:
            return frame
        return pd.DataFrame(
            {
                "meta-analysis": frame["ma_id"],
                "outcome": frame["outcome"],
                "vs": frame["comparison"],
                "measure": frame["measure"],
                "published [CI]": [_interval(r.estimate, r.ci_low, r.ci_high) for r in frame.itertuples()],
                "ours [CI]": [_interval(r.our_estimate, r.our_ci_low, r.our_ci_high) for r in frame.itertuples()],
                "our k": frame["our_k"],
            }
        )


def _shown(row, estimate, low, high) -> str:
    """Display an interval labelled with its measure; log-ratio measures exponentiated."""
    values = (estimate, low, high)
    if row.measure in RATIO_MEASURES:
        values = [None if v is None else math.exp(v) if math.isfinite(v) else v for v in values]
    text = _interval(*values)
    return text if text == "—" or estimate is None else f"{row.measure} {text}"


def _estimate_cell(row, unit: str) -> str:
    """``MD +4.24 hairs/cm2`` / ``[CI]`` / ``(higher = more hair)``: sign, unit and direction."""
    text = _shown(row, row.estimate, row.ci_low, row.ci_high)
    if text == "—" or " [" not in text:
        return text
    value = math.exp(row.estimate) if row.measure in RATIO_MEASURES else row.estimate
    way = direction(row.outcome, row.measure)
    head = estimate_phrase(row.measure, value, row.outcome, unit).removesuffix(f" ({way})" if way else "")
    return f"{head}\n[{text.split(' [', 1)[1]}" + (f"\n({way})" if way else "")


def _bayes_shown(row) -> str:
    """The Bayesian estimate of a small body (k <= SMALL_K) under its frequentist one, else nothing."""
    if not math.isfinite(row.bayes_estimate):
        return ""
    return "\nBayes " + _shown(row, row.bayes_estimate, row.bayes_ci_low, row.bayes_ci_high).split(" ", 1)[1].replace(
        " [", "\n[", 1
    )


def _interval(estimate, low, high, digits: int = 2) -> str:
    """``est [low, high]`` for display; ``—`` when missing."""

    def f(x):
        return "—" if x is None or not math.isfinite(float(x)) else f"{float(x):.{digits}f}"

    if estimate is None:
        return "—" if f(low) == "—" else f"{f(low)} to {f(high)}"
    return "—" if f(estimate) == "—" else f"{f(estimate)} [{f(low)}, {f(high)}]"


# ------------------------------------------------------------------------------ one body


def _single(effects: pd.DataFrame, level: float) -> dict:
    """A one-study row: its own estimate and Wald CI; no PI or heterogeneity."""
    one = effects.iloc[0]
    z = special.ndtri(0.5 + level / 200.0)
    return {
        "estimate": one["yi"],
        "ci_low": one["yi"] - z * one["sei"],
        "ci_high": one["yi"] + z * one["sei"],
        "pi_low": math.nan,
        "pi_high": math.nan,
        "tau2": math.nan,
        "i2": math.nan,
        "q_p": math.nan,
    }


def fit_body(effects: pd.DataFrame, *, options: ModelOptions = DEFAULT):
    """Pool ``effects`` (k ≥ 2) with :func:`hairmeta.evidence.meta.pooling.pool`; ``None`` for k < 2."""
    if len(effects) < 2:
        return None

    return pool(
        effects["yi"].to_numpy(float),
        effects["vi"].to_numpy(float),
        labels=list(effects["label"]),
        **options.as_kwargs(),
    )


def _egger_p(fit) -> float | None:
    if fit is None or fit.k < 10:
        return None
    try:
        return float(egger_test(fit).p)
    except ModelError:
        return None


def certainty_of(
    effects: pd.DataFrame, studies: pd.DataFrame, stats_row: dict, fit, *, key: tuple[str, str, str, str], measure: str
):
    """GRADE certainty of one body: designs and risk of bias from ``studies``, weights from the fit."""
    info = studies.set_index("study_id").reindex(effects["study_id"])
    weights = tuple(fit.weights) if fit is not None else (100.0,) * len(effects)
    body = EvidenceBody(
        k=len(effects),
        designs=tuple(info["design"].fillna("")),
        rob=tuple(info["rob_judgement"].fillna("")),
        weights=weights,
        estimate=stats_row["estimate"],
        ci_low=stats_row["ci_low"],
        ci_high=stats_row["ci_high"],
        total_n=float(np.nansum(effects["n"].to_numpy(float))),
        comparison=key[3],
        outcome=key[2],
        condition=key[1],
        measure=measure,
        i2=stats_row["i2"],
        pi_low=stats_row["pi_low"],
        pi_high=stats_row["pi_high"],
        egger_p=_egger_p(fit),
    )
    return grade(body)


def flags_of(effects: pd.DataFrame, excluded: pd.DataFrame) -> list[str]:
    """Warnings a reader needs beside the number: one study, derived values, exclusions."""
    flags = []
    if effects["study_id"].nunique() == 1:
        flags.append("rests on one study")
    if len(effects) > effects["study_id"].nunique():
        flags.append(
            f"k counts arms: {effects['study_id'].nunique()} studies give {len(effects)} "
            "effects (arms of one study are not independent)"
        )
    derived = sorted({d for d in effects.get("derivation", pd.Series(dtype=str)).fillna("") if d})
    if derived:
        flags.append("derived values: " + "; ".join(derived))
    # studies with another kind of comparator belong to another row, not to this one's gaps
    excluded = excluded[~excluded["reason"].str.startswith("comparator is ")]
    if len(excluded):
        count = excluded["study_id"].nunique()
        flags.append(
            f"{count} {'study' if count == 1 else 'studies'} not poolable: "
            + "; ".join(f"{r.study_id} ({r.reason})" for r in excluded.itertuples())
        )
    return flags


def summary_row(body: Body, studies: pd.DataFrame, *, options: ModelOptions = DEFAULT) -> dict:
    """One summary row from a body of evidence (pooled, single-study, or not poolable)."""
    family, condition, outcome, comparison = body.key
    row = {
        "intervention_family": family,
        "condition": condition,
        "outcome": outcome,
        "comparison": comparison,
        "measure": body.measure,
        "k": len(body.effects),
        "k_studies": int(body.effects["study_id"].nunique()) if len(body.effects) else 0,
        "n": float(np.nansum(body.effects["n"].to_numpy(float))) if len(body.effects) else 0.0,
        "studies": ", ".join(dict.fromkeys(body.effects["study_id"])),
    }
    flags = flags_of(body.effects, body.excluded)
    if body.effects.empty:
        row.update({c: math.nan for c in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "q_p")})
        row.update(
            certainty="not assessable", downgrades="no poolable numbers", flags="; ".join(flags) or "no usable numbers"
        )
        return row
    if body.fit is None and len(body.effects) > 1:
        row.update({c: math.nan for c in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "q_p")})
        row.update(certainty="not assessable", downgrades=f"not pooled: {body.note}", flags="; ".join(flags))
        return row
    if body.fit is None:
        numbers = _single(body.effects, options.level)
    else:
        f = body.fit
        numbers = {
            "estimate": f.estimate,
            "ci_low": f.ci_low,
            "ci_high": f.ci_high,
            "pi_low": f.pi_low,
            "pi_high": f.pi_high,
            "tau2": f.tau2,
            "i2": f.i2,
            "q_p": f.q_p,
        }
    row.update(numbers)
    if len(body.effects) <= SMALL_K:
        row.update(bayes_columns(body.effects, body.measure, tau_prior=options.tau_prior, level=options.level))
    certainty = certainty_of(body.effects, studies, numbers, body.fit, key=body.key, measure=body.measure)
    row.update(certainty=certainty.level, downgrades=certainty.explanation(), flags="; ".join(flags))
    return row


# ------------------------------------------------------------------------------ all bodies


def candidate_keys(outcomes: pd.DataFrame, studies: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(family, condition, outcome) triples present among intervention/single arms."""
    rows = outcomes[outcomes["arm_role"] != "control"].merge(
        studies[["study_id", "condition"]], on="study_id", how="left"
    )
    rows = rows[
        rows["intervention_family"].isin(set(f for v in studies["intervention_family"] for f in str(v).split(";") if f))
    ]
    keys = rows.groupby(["intervention_family", "condition", "outcome"]).size().index
    return [tuple(str(x) for x in key) for key in keys]


def _no_such_comparison(excluded: pd.DataFrame) -> bool:
    """True when nothing was excluded, or only for lacking a control arm or for another kind of
    comparator (no such body of evidence exists)."""
    not_this_kind = excluded["reason"].str.startswith(("no control-arm row", "comparator is "))
    return excluded.empty or bool(not_this_kind.all())


def collect_bodies(
    outcomes: pd.DataFrame, studies: pd.DataFrame, *, options: ModelOptions = DEFAULT
) -> tuple[list[Body], list[str]]:
    """Every non-empty body of evidence, with its fit; model failures become notes."""

    bodies, notes = [], []
    index = CodedIndex.of(outcomes, studies)  # the tables as rows, once for every body
    for family, condition, outcome in candidate_keys(outcomes, studies):
        for comparison in SUMMARY_COMPARISONS:
            table = from_outcomes(
                index=index,
                outcome=outcome,
                comparison=comparison,
                intervention_family=family,
                condition=condition,
            )
            if table.effects.empty and _no_such_comparison(table.excluded):
                continue
            key = (family, condition, outcome, comparison)
            fit, note = None, ""
            try:
                fit = fit_body(table.effects, options=options)
            except ModelError as exc:
                note = str(exc)
                notes.append(f"{'/'.join(key)}: {exc}")
            bodies.append(Body(key, table.effects, table.excluded, table.measure, fit, note))
    return bodies, notes


# ------------------------------------------------------------------------------ published


def _overlaps(a_low, a_high, b_low, b_high) -> bool:
    return not (a_high < b_low or b_high < a_low)


#: Published measure names that are on our measure's scale (a mean difference against baseline
#: is a mean change).
SAME_SCALE = {("MD", "MC"), ("SMD", "SMCR")}


def _same_scale(published: str, ours: str) -> bool:
    return published == ours or (published, ours) in SAME_SCALE


def explain_difference(pub: pd.Series, ours: dict | None, settings: dict) -> str:
    """Why a published pooled result and ours differ (or that they agree), from coded facts.

    "Large" means either estimate lies outside the other's confidence interval.  Reasons
    offered: a different effect measure, a different number of studies or participants,
    different populations and a different model.
    """
    if ours is None or not math.isfinite(ours.get("estimate", math.nan)):
        return "no pooled result of ours for this comparison"
    measure = str(pub.get("effect_measure") or "")
    if not math.isfinite(float(pub.get("estimate", math.nan))):
        return f"no pooled estimate published (measure coded as {measure or 'empty'})"
    if measure and not _same_scale(measure, ours["measure"]):
        return f"different effect measures ({measure} published, {ours['measure']} ours): not on the same scale"
    est, lo, hi = (float(pub.get(c, math.nan)) for c in ("estimate", "ci_low", "ci_high"))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return (
            f"published estimate {est:g} without a coded CI; ours {ours['estimate']:.3g} "
            f"(k = {ours['k']}): difference {ours['estimate'] - est:+.3g}, not testable"
        )
    inside = lo <= ours["estimate"] <= hi and ours["ci_low"] <= est <= ours["ci_high"]
    if inside:
        return "consistent: each estimate lies inside the other's confidence interval"
    reasons = [f"difference {ours['estimate'] - est:+.3g}"]
    k_pub = pub.get("k_studies")
    if isinstance(k_pub, (int, float)) and math.isfinite(k_pub) and k_pub != ours["k"]:
        reasons.append(f"different study sets (k = {k_pub:g} published vs {ours['k']} ours)")
    if str(pub.get("condition") or "") not in ("", ours["condition"]):
        reasons.append(f"populations differ ({pub.get('condition')} vs {ours['condition']})")
    if pub.get("model"):
        reasons.append(f"model {pub.get('model')} vs ours {settings['model']}")
    if not _overlaps(lo, hi, ours["ci_low"], ours["ci_high"]):
        reasons.append("confidence intervals do not overlap")
    return "; ".join(reasons)


def published_beside(meta: pd.DataFrame, rows: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Each published pooled result beside our row(s) for the same family, outcome, comparison."""
    out = []
    pooled = [r for r in rows.to_dict(orient="records") if r["k"] > 0]
    for _, pub in meta.iterrows():
        ours_rows = [
            r
            for r in pooled
            if r["intervention_family"] in str(pub.get("intervention_family")).split(";")
            and r["outcome"] == pub.get("outcome")
            and pub.get("comparison") in COMPARISON_INFO[r["comparison"]].published
        ]
        same = [r for r in ours_rows if r["condition"] == pub.get("condition")]
        ours_rows = same or ours_rows
        for ours in ours_rows or [None]:
            out.append(
                {
                    "ma_id": pub.get("ma_id"),
                    "citation": pub.get("citation"),
                    "intervention_family": pub.get("intervention_family"),
                    "condition": pub.get("condition"),
                    "comparison": pub.get("comparison"),
                    "outcome": pub.get("outcome"),
                    "measure": pub.get("effect_measure"),
                    "estimate": pub.get("estimate"),
                    "ci_low": pub.get("ci_low"),
                    "ci_high": pub.get("ci_high"),
                    "k": pub.get("k_studies"),
                    "our_condition": ours["condition"] if ours else "",
                    "our_measure": ours["measure"] if ours else "",
                    "our_k": ours["k"] if ours else 0,
                    "our_estimate": ours["estimate"] if ours else math.nan,
                    "our_ci_low": ours["ci_low"] if ours else math.nan,
                    "our_ci_high": ours["ci_high"] if ours else math.nan,
                    "explanation": explain_difference(pub, ours, settings),
                    "source": pub.get("source"),
                }
            )
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------ gaps


def _families(studies: pd.DataFrame) -> list[str]:
    return sorted({f for v in studies["intervention_family"] for f in str(v).split(";") if f})


def gaps(rows: pd.DataFrame, studies: pd.DataFrame, outcomes: pd.DataFrame) -> list[str]:
    """What the evidence lacks, stated plainly, generated from the rows and the coded studies."""
    found = []
    with_numbers = rows[rows["k"] > 0]
    for family in _families(studies):
        controlled = with_numbers[
            (with_numbers["intervention_family"] == family) & (with_numbers["comparison"] != "baseline")
        ]
        if controlled.empty:
            fam_studies = studies[studies["intervention_family"].str.split(";").map(lambda fams, f=family: f in fams)]
            regs = fam_studies.loc[fam_studies["design"] == "trial_registration", "study_id"]
            text = f"no controlled trial of {family} with extractable numbers"
            if len(regs):
                text += f" (registered, no results: {', '.join(regs)})"
            found.append(text)
    single = with_numbers[with_numbers["k"] == 1]
    if len(single):
        found.append(f"{len(single)} of {len(with_numbers)} results rest on one study")
    if len(with_numbers) and not (with_numbers["certainty"] == "high").any():
        found.append("no result reaches high certainty")
    has = outcomes.groupby("study_id")[["mean", "change_mean", "events"]].apply(lambda g: bool(g.notna().any().any()))
    coded = set(outcomes["study_id"])  # once, not per study
    empty = [s for s in studies["study_id"] if not has.get(s, False) and s in coded]
    if empty:
        found.append("no extractable numbers coded for: " + ", ".join(empty))
    return found


# ------------------------------------------------------------------------------ entry point


def summary(
    *,
    options: ModelOptions = DEFAULT,
    studies: pd.DataFrame | None = None,
    outcomes: pd.DataFrame | None = None,
    meta: pd.DataFrame | None = None,
) -> Summary:
    """The evidence summary of the shipped (or given) tables.

    Parameters
    ----------
    options : ModelOptions
        The model settings (default: REML, Knapp–Hartung wherever k ≥ 2, 95%).
    studies, outcomes, meta : DataFrame, optional
        The tables; default the shipped ``studies.csv``, ``outcomes.csv`` and
        ``published_meta_analyses.csv``.
    """
    tables = coded_tables(studies=studies, outcomes=outcomes, meta=meta)
    studies, outcomes, meta = tables.studies, tables.outcomes, tables.meta
    settings = {
        "method": options.method,
        "knha": options.uses_knha,
        "level": options.level,
        "model": options.label,
        "bayes": f"bodies with k <= {SMALL_K}: Bayesian random-effects model beside {options.label} "
        "(posterior median, central credible interval; tau prior by measure unless chosen)",
    }
    bodies, notes = collect_bodies(outcomes, studies, options=options)
    rows = pd.DataFrame([summary_row(b, studies, options=options) for b in bodies], columns=ROW_COLUMNS)
    settings["notes"] = notes
    return Summary(
        rows=rows,
        published=published_beside(meta, rows, settings),
        gaps=gaps(rows, studies, outcomes),
        settings=settings,
        bodies=bodies,
    )
