"""Contrasts from the coded tables: ``from_outcomes`` turns coded evidence rows into one effect per study
(per arm for changes from baseline) for a chosen outcome and comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hairmeta.evidence.errors import DataError, ModelError, UnknownNameError
from hairmeta.evidence.meta import derive
from hairmeta.evidence.meta.measures import get_measure
from hairmeta.evidence.meta.options import DEFAULT, ModelOptions
from hairmeta.evidence.meta.pooling import MetaResult, pool
from hairmeta.evidence.synthesis.arms import (
    cell_number,
    cell_text,
    finite,
    value_kinds,
)
from hairmeta.evidence.synthesis.candidates import (
    CHANGE_NOTE,
    Candidate,
    baseline_candidate,
    control_candidate,
    family_ok,
)
from hairmeta.evidence.tables.load import load_outcomes, load_studies
from hairmeta.evidence.tables.vocab import (
    COMPARISON_INFO,
    OUTCOME_COLUMNS,
    resolve_comparison,
    resolve_conditions,
    resolve_family,
    resolve_outcome,
)

EFFECT_COLUMNS = [
    "study_id",
    "label",
    "yi",
    "vi",
    "sei",
    "measure",
    "n",
    "outcome",
    "comparison",
    "intervention_family",
    "condition",
    "design",
    "unit",
    "timepoint_weeks",
    "derivation",
    "outcome_ids",
]


EXCLUDED_COLUMNS = ["study_id", "outcome_ids", "reason"]


#: Measures for events (e.g. responders) in intervention vs control arms; the first is the default.
BINARY_MEASURES = ("RR", "OR", "RD")


#: The outcome columns a contrast reads at the least: the schema's, from ``outcome_id`` to ``sd``.
NEEDED_OUTCOME_COLUMNS = OUTCOME_COLUMNS[: OUTCOME_COLUMNS.index("sd") + 1]


@dataclass(frozen=True)
class EffectTable:
    """Effects for one outcome and comparison, the rows that could not be used, and why.

    ``effects`` has :data:`EFFECT_COLUMNS` (one row per study, or per arm for ``baseline``);
    ``excluded`` has :data:`EXCLUDED_COLUMNS`; ``notes`` says how the measure was chosen and
    any caveat that applies to the whole table.
    """

    effects: pd.DataFrame
    excluded: pd.DataFrame
    measure: str
    comparison: str
    outcome: str
    notes: tuple[str, ...]


def _valid_measures(comparison: str) -> tuple[str, ...]:
    return COMPARISON_INFO[comparison].measures + (BINARY_MEASURES if comparison != "baseline" else ())


def _unit(c: Candidate) -> str:
    """The unit of a pairing ("a | b" when its two arms were coded in different units)."""
    units = list(dict.fromkeys(a.unit for a in (c.first, c.second) if a.ids))
    return " | ".join(units)


def _choose_measure(
    candidates: list[Candidate], comparison: str, measure: str | None, outcome: str
) -> tuple[str, str | None, str]:
    """(measure, unit or None, why).  Given: used as is.  Else RR when only event counts are
    usable; MD/MC when every usable row shares one unit; with several units, the standardised
    measure unless the largest one-unit group holds more usable rows than it can use."""
    if measure is not None:
        name = str(measure).upper()
        if name not in _valid_measures(comparison):
            raise UnknownNameError(
                f"effect measure for comparison {comparison!r}", measure, _valid_measures(comparison)
            )
        units = {_unit(c) for c in candidates if _fits(c, comparison, name, None) is None}
        mixed = (
            f"; units differ ({', '.join(sorted(units))}) and are pooled as they are"
            if name in ("MD", "MC") and len(units) > 1
            else ""
        )
        return name, None, f"{name} as requested{mixed}"
    raw, standardised = COMPARISON_INFO[comparison].measures
    continuous = [c for c in candidates if _fits(c, comparison, raw, None) is None]
    if not continuous:
        if candidates:
            return "RR", None, f"RR: the usable studies report event counts ({outcome} is binary here)"
        return raw, None, f"{raw}: no usable studies, so no unit to compare"
    counts = pd.Series([_unit(c) for c in continuous]).value_counts()
    groups = counts.iloc[sorted(range(len(counts)), key=lambda i: (-counts.iloc[i], counts.index[i]))]
    unit, size = str(groups.index[0]), int(groups.iloc[0])
    if len(groups) == 1 and unit:
        return raw, unit, f"{raw}: all {size} usable rows report {outcome} in {unit}"
    usable = sum(_fits(c, comparison, standardised, None) is None for c in continuous)
    shown = ", ".join(u or "(unit not coded)" for u in groups.index)
    if unit and size > usable:
        return (
            raw,
            unit,
            (
                f"{raw} in {unit}: units differ ({shown}); {size} rows share {unit}, "
                f"more than the {usable} {standardised} could use"
            ),
        )
    return standardised, None, f"{standardised}: units differ or are not coded ({shown}), so effects are standardised"


def _fits(c: Candidate, comparison: str, measure: str, unit: str | None) -> str | None:
    """None when candidate ``c`` can give ``measure`` (in ``unit``, if given); else why not."""
    if unit is not None and _unit(c) != unit:
        return f"unit {_unit(c) or '(not coded)'} differs from {unit}, the unit used for {measure}"
    if comparison == "baseline":
        if measure == "SMCR" and not (c.first.has_final and c.second.has_final) and not finite(c.second.sd):
            return "SMCR needs the baseline SD, which is not reported"
        return None
    if finite(c.md_se) and measure == "SMD" and c.paired:
        return "a paired SMD cannot be built from a p-value without the arms' SDs"
    kinds = {"continuous"} if finite(c.md_se) else value_kinds(c.first, c.second)
    if measure in BINARY_MEASURES and "binary" not in kinds:
        return f"no event counts in both arms, which {measure} needs"
    if measure not in BINARY_MEASURES and "continuous" not in kinds:
        return f"event counts only; {measure} needs means and SDs (or change scores) in both arms"
    return None


def _compute_one(name: str, **columns: float) -> tuple[float, float]:
    yi, vi = get_measure(name).compute({k: np.array([v], dtype=float) for k, v in columns.items()})
    return float(yi[0]), float(vi[0])


def _r_note(ri: float) -> str:
    low, high = derive.CORRELATION_RANGE
    return f"ri imputed at {ri:g} (correlation not reported; re-run with ri={low:g} and {high:g} for sensitivity)"


def _binary_effect(c: Candidate, measure: str) -> tuple[float, float, float, list[str]]:
    """RR/OR/RD from event counts (metafor's zero-cell rule, said when applied)."""
    a, b = c.first, c.second
    got = get_measure(measure).detail(
        {"ai": np.array([a.events]), "n1i": np.array([a.n]), "ci": np.array([b.events]), "n2i": np.array([b.n])}
    )
    notes = ["added 0.5 to each cell (zero cell; metafor's add/to rule)"] if got.adjusted[0] else []
    if c.paired:
        notes.append(
            "within-person arms analysed as independent groups (pairing of binary data not reported; conservative)"
        )
    return float(got.yi[0]), float(got.vi[0]), a.n + b.n, notes


def _p_value_effect(c: Candidate, measure: str) -> tuple[float, float, float, list[str]]:
    """MD (vi = SE²) or, for parallel arms, SMD with the SD implied by the SE of the difference."""
    n1, n2 = c.first.n, c.second.n
    if measure == "MD":
        return c.md, c.md_se**2, (min(n1, n2) if c.paired else n1 + n2), [c.md_note]
    sd = derive.sd_from_se_difference(c.md_se, n1, n2)
    yi, vi = _compute_one("SMD", m1i=c.md, sd1i=sd.value, n1i=n1, m2i=0.0, sd2i=sd.value, n2i=n2)
    return yi, vi, n1 + n2, [c.md_note, sd.note]


def _control_effect(c: Candidate, measure: str, ri: float) -> tuple[float, float, float, list[str]]:
    """yi, vi, n and notes for intervention vs control (parallel or within-person)."""
    if measure in BINARY_MEASURES:
        return _binary_effect(c, measure)
    if finite(c.md_se):
        return _p_value_effect(c, measure)
    a, b = c.first, c.second
    change = a.has_change and b.has_change and (measure == "MD" or not (a.has_final and b.has_final))
    m1, s1, m2, s2 = (
        (a.change_mean, a.change_sd, b.change_mean, b.change_sd) if change else (a.mean, a.sd, b.mean, b.sd)
    )
    notes = [CHANGE_NOTE] if change else []
    if not c.paired:
        yi, vi = _compute_one(measure, m1i=m1, sd1i=s1, n1i=a.n, m2i=m2, sd2i=s2, n2i=b.n)
        return yi, vi, a.n + b.n, notes
    n = min(a.n, b.n)
    notes.append(f"within-person design (split-scalp): arms analysed as paired, n={n:g} patients; " + _r_note(ri))
    if measure == "MD":
        yi, vi = _compute_one("MC", m1i=m1, m2i=m2, sd1i=s1, sd2i=s2, ni=n, ri=ri)
    else:
        pooled = math.sqrt((s1**2 + s2**2) / 2)
        notes.append("paired SMD standardised by the average of the two arms' SDs (SMCR variance)")
        yi, vi = _compute_one("SMCR", m1i=m1, m2i=m2, sd1i=pooled, ni=n, ri=ri)
    return yi, vi, n, notes


def _baseline_effect(c: Candidate, measure: str, ri: float) -> tuple[float, float, float, list[str]]:
    """yi, vi, n and notes for follow-up vs baseline of one arm (MC or SMCR)."""
    post, pre = c.first, c.second
    n = post.n if finite(post.n) else pre.n
    if post.has_change and measure == "MC":
        return post.change_mean, post.change_sd**2 / n, n, ["change scores as reported"]
    if post.has_change:
        if not finite(pre.sd):
            return math.nan, math.nan, n, ["SMCR needs the baseline SD, which is not reported"]
        r, note = ri, _r_note(ri)
        if finite(post.sd) and post.sd > 0 and pre.sd > 0:
            implied = derive.correlation_from_sds(pre.sd, post.sd, post.change_sd)
            if -1 <= implied.value <= 1:
                r, note = implied.value, implied.note
        yi, vi = _compute_one("SMCR", m1i=post.change_mean, m2i=0.0, sd1i=pre.sd, ni=n, ri=r)
        return yi, vi, n, ["change scores standardised by the baseline SD", note]
    if measure == "MC":
        yi, vi = _compute_one("MC", m1i=post.mean, m2i=pre.mean, sd1i=post.sd, sd2i=pre.sd, ni=n, ri=ri)
    else:
        yi, vi = _compute_one("SMCR", m1i=post.mean, m2i=pre.mean, sd1i=pre.sd, ni=n, ri=ri)
    notes = ["follow-up minus baseline means"] + (["standardised by the baseline SD"] if measure == "SMCR" else [])
    return yi, vi, n, notes + [_r_note(ri)]


def _label(study: dict, arm: str, per_arm: bool) -> str:
    author, year = cell_text(study, "first_author"), cell_number(study, "year")
    base = f"{author} {year:.0f}" if author and finite(year) else cell_text(study, "study_id")
    return f"{base} ({arm})" if per_arm and arm else base


def _effect_row(
    c: Candidate, measure: str, comparison: str, outcome: str, ri: float, family: str | None, per_arm: bool
) -> dict:
    compute = _baseline_effect if comparison == "baseline" else _control_effect
    yi, vi, n, notes = compute(c, measure, ri)
    notes = list(c.first.notes) + list(c.second.notes) + notes
    study = c.study
    return {
        "study_id": study["study_id"],
        "label": _label(study, c.arm_label, per_arm),
        "yi": yi,
        "vi": vi,
        "sei": math.sqrt(vi) if finite(vi) and vi >= 0 else math.nan,
        "measure": measure,
        "n": n,
        "outcome": outcome,
        "comparison": comparison,
        "intervention_family": family or cell_text(study, "intervention_family"),
        "condition": cell_text(study, "condition"),
        "design": cell_text(study, "design"),
        "unit": c.first.unit or c.second.unit,
        "timepoint_weeks": c.weeks,
        "derivation": "; ".join(dict.fromkeys(n for n in notes if n)),
        "outcome_ids": ";".join(c.first.ids + c.second.ids),
    }


def _study_results(study: dict, records: list[dict], comparison: str, timepoint) -> list[tuple]:
    """(rows, Candidate | reason | None) for one study: one pairing per arm for ``baseline``."""
    if comparison != "baseline":
        return [(records, _guarded(control_candidate, study, records, comparison, timepoint))]
    arms: dict[str, list[dict]] = {}
    for row in records:
        if cell_text(row, "arm_role") in ("intervention", "single"):
            arms.setdefault(cell_text(row, "arm"), []).append(row)
    return [(rows, _guarded(baseline_candidate, study, rows, timepoint)) for rows in arms.values()]


def _candidates(
    rows: list[dict], studies: dict[str, dict], comparison: str, timepoint, family: str | None
) -> tuple[list[Candidate], list[dict]]:
    """Usable pairings and excluded rows (with reasons) across all studies."""
    found, excluded = [], []
    by_study: dict[str, list[dict]] = {}
    for record in rows:
        by_study.setdefault(record["study_id"], []).append(record)
    for study_id in sorted(by_study):
        study = studies.get(study_id, {"study_id": study_id})
        records = [r for r in by_study[study_id] if family_ok(r, study, family)]
        for used, result in _study_results(study, records, comparison, timepoint):
            if isinstance(result, Candidate):
                found.append(result)
            elif isinstance(result, str):
                ids = ";".join(cell_text(r, "outcome_id") for r in used)
                excluded.append({"study_id": study_id, "outcome_ids": ids, "reason": result})
    return found, excluded


def _guarded(build, *args):
    """``build(*args)``; a derivation that fails on the coded values becomes an exclusion reason."""
    try:
        return build(*args)
    except DataError as exc:
        return f"cannot derive mean/SD from the coded values ({exc})"


def _check_inputs(comparison: str, timepoint) -> None:
    if comparison not in COMPARISON_INFO:
        raise UnknownNameError("comparison", comparison, tuple(COMPARISON_INFO))
    if timepoint != "last":
        try:
            float(timepoint)
        except (TypeError, ValueError):
            raise UnknownNameError("timepoint", str(timepoint), ("last", "<weeks, e.g. 24>")) from None


@dataclass(frozen=True)
class CodedIndex:
    """The coded outcome and study tables as plain rows, grouped once.

    Building it converts the tables once (pandas' row access is the cost of a body of evidence);
    :func:`from_outcomes` then reads every body from it.  Build one per set of tables
    (:meth:`of`) and pass it as ``index=`` when many bodies are computed from the same tables.
    """

    by_outcome: dict[str, list[dict]]
    studies: dict[str, dict]

    @classmethod
    def of(cls, outcomes: pd.DataFrame, studies: pd.DataFrame) -> CodedIndex:
        missing = [c for c in NEEDED_OUTCOME_COLUMNS if c not in outcomes.columns]
        if missing:
            raise DataError("missing column in the outcomes table", file="outcomes", row=1, field=missing[0])
        by_outcome: dict[str, list[dict]] = {}
        for record in outcomes.to_dict("records"):
            by_outcome.setdefault(record["outcome"], []).append(record)
        return cls(by_outcome, {r["study_id"]: r for r in studies.to_dict("records")})

    def chosen_studies(self, conditions: tuple[str, ...] | None) -> dict[str, dict]:
        """The studies of ``conditions`` (every study for None)."""
        if conditions is None:
            return self.studies
        return {sid: r for sid, r in self.studies.items() if cell_text(r, "condition") in conditions}


def from_outcomes(
    outcomes: pd.DataFrame | None = None,
    studies: pd.DataFrame | None = None,
    *,
    outcome: str,
    comparison: str,
    intervention_family: str | None = None,
    condition: str | None = None,
    measure: str | None = None,
    ri: float = derive.DEFAULT_CORRELATION,
    timepoint="last",
    index: CodedIndex | None = None,
) -> EffectTable:
    """Coded outcome rows → one effect per study (per arm for ``baseline``) for one outcome.

    Parameters
    ----------
    outcomes, studies : the coded tables (default: the shipped ``data/outcomes.csv`` and
        ``data/studies.csv`` via :mod:`hairmeta.evidence.tables`).
    outcome : the outcome vocabulary term, e.g. ``"hair_density"``.
    comparison : ``"control"`` (intervention vs control arm of the same study, any comparator);
        ``"placebo"``, ``"active"`` or ``"untreated"`` (the same, only studies whose
        comparator_family is placebo; active; none/other) or ``"baseline"`` (follow-up vs
        baseline within each intervention/single arm).
    intervention_family, condition : filters (``"prp"``, ``"aga_male"``…); None keeps all.  Codes or
        their labels (``"androgenetic alopecia"`` keeps every AGA code); an unknown name is an
        :class:`UnknownNameError` listing the valid ones.
    measure : MD or SMD for control/placebo, MC or SMCR for baseline; None chooses the raw
        measure when every usable row shares one unit, else the standardised one (said in notes).
    ri : correlation imputed for paired data (within-person designs, pre–post) when not
        reported; :data:`hairmeta.evidence.meta.derive.CORRELATION_RANGE` is the suggested sensitivity range.
    timepoint : ``"last"`` (latest follow-up shared by the arms) or a number of weeks.
    index : the tables already indexed (:class:`CodedIndex`); then ``outcomes`` and ``studies`` are
        not read.

    Notes
    -----
    Per arm, the best-reported form is used: mean and SD as reported; else SD from SE, from a
    t-based CI, or mean and SD from median with IQR/range (see :mod:`hairmeta.evidence.meta.derive`).  For
    control comparisons change scores are used when both arms report them (MD; for SMD only
    when final values are missing, to avoid mixing scales); several intervention (or control)
    arms are combined (Cochrane Table 6.5.a).  Split-scalp designs are paired: MD uses the MC
    variance and SMD the SMCR variance with the imputed ``ri``.  Every derivation is written to
    the row's ``derivation``; rows that cannot be used go to ``excluded`` with the reason.
    """
    outcome, comparison = resolve_outcome(outcome), resolve_comparison(comparison)
    intervention_family = None if intervention_family is None else resolve_family(intervention_family)
    _check_inputs(comparison, timepoint)
    if index is None:
        index = CodedIndex.of(*_default_tables(outcomes, studies))
    chosen = index.chosen_studies(None if condition is None else resolve_conditions(condition))
    rows = index.by_outcome.get(outcome, [])
    if condition is not None:  # studies missing from the studies table are kept unless filtering
        rows = [r for r in rows if r["study_id"] in chosen]
    found, excluded = _candidates(rows, chosen, comparison, timepoint, intervention_family)
    name, unit, why = _choose_measure(found, comparison, measure, outcome)
    found = _drop_misfits(found, excluded, comparison, name, unit)
    counts = pd.Series([c.study["study_id"] for c in found]).value_counts()
    effects = [
        _effect_row(
            c,
            name,
            comparison,
            outcome,
            ri,
            intervention_family,
            comparison == "baseline" or counts[c.study["study_id"]] > 1,
        )
        for c in found
    ]
    notes = [why] + _table_notes(effects, name)
    effects, excluded = _split_uncomputable(effects, excluded)
    return EffectTable(
        pd.DataFrame(effects, columns=EFFECT_COLUMNS),
        pd.DataFrame(excluded, columns=EXCLUDED_COLUMNS),
        name,
        comparison,
        outcome,
        tuple(notes),
    )


def _drop_misfits(
    found: list[Candidate], excluded: list[dict], comparison: str, measure: str, unit: str | None
) -> list[Candidate]:
    """Candidates that can give ``measure``; the others go to ``excluded`` with the reason."""
    keep = []
    for c in found:
        reason = _fits(c, comparison, measure, unit)
        if reason is None:
            keep.append(c)
        else:
            excluded.append(
                {"study_id": c.study["study_id"], "outcome_ids": ";".join(c.first.ids + c.second.ids), "reason": reason}
            )
    return keep


def _default_tables(outcomes, studies) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The outcome and study tables given, each one not given loaded (as :func:`coded_tables` would)."""
    return (load_outcomes() if outcomes is None else outcomes, load_studies() if studies is None else studies)


def _table_notes(effects: list[dict], measure: str) -> list[str]:
    """Caveats for the whole table: SMD mixing change and final values, imputed correlations."""
    notes = []
    change = sum(CHANGE_NOTE in e["derivation"] for e in effects)
    if measure == "SMD" and 0 < change < len(effects):
        notes.append(
            f"{change} of {len(effects)} SMDs use change scores and the rest final values: "
            "their SDs differ in meaning (Cochrane Handbook 10.5.2)"
        )
    if any("ri imputed" in e["derivation"] for e in effects):
        low, high = derive.CORRELATION_RANGE
        notes.append(f"some variances rest on an imputed correlation; check ri={low:g} and ri={high:g}")
    return notes


def _split_uncomputable(effects: list[dict], excluded: list[dict]) -> tuple[list[dict], list[dict]]:
    """Rows whose yi or vi came out undefined move to ``excluded`` with their note."""
    keep = []
    for e in effects:
        if finite(e["yi"], e["vi"]) and e["vi"] > 0:
            keep.append(e)
        else:
            excluded.append(
                {
                    "study_id": e["study_id"],
                    "outcome_ids": e["outcome_ids"],
                    "reason": "effect undefined for these values: " + (e["derivation"] or "zero or missing variance"),
                }
            )
    return keep, excluded


@dataclass(frozen=True, eq=False)
class OutcomePool:
    """A pooled fit of coded outcomes and the effect table it came from (with exclusions, notes)."""

    fit: MetaResult
    table: EffectTable


def pool_outcomes(
    *,
    outcome: str,
    comparison: str,
    intervention_family: str | None = None,
    condition: str | None = None,
    measure: str | None = None,
    options: ModelOptions = DEFAULT,
) -> OutcomePool:
    """Pool the shipped coded outcomes via :func:`from_outcomes`."""
    table = from_outcomes(
        outcome=outcome,
        comparison=comparison,
        intervention_family=intervention_family,
        condition=condition,
        measure=measure,
    )
    effects = table.effects
    if len(effects) == 0:
        raise ModelError(
            f"no poolable effects for outcome {outcome!r} vs {comparison!r} ({len(table.excluded)} excluded)"
        )
    labels = effects["label"] if "label" in effects.columns else effects["study_id"]
    fit = pool(effects["yi"], effects["vi"], labels=[str(x) for x in labels], **options.as_kwargs())
    return OutcomePool(fit=fit, table=table)
