"""GRADE Summary of Findings (SoF): one table per question the review asks, one row per critical outcome.

The questions (:data:`QUESTIONS`) are fixed by the review: PRP against placebo, against active
treatment and against baseline; exosome / extracellular-vesicle / conditioned-medium therapies
against placebo and against baseline; and exosomes head-to-head against PRP.  Each row is one
body of evidence of :func:`hairmeta.evidence.synthesis.summary.summary` (family × condition ×
outcome × comparison, never pooled across conditions or comparisons) for a critical outcome
(:data:`CRITICAL_OUTCOMES`, in that order: hair density first, then count, diameter,
responders and regrowth, SALT, patient-reported outcomes).

A row gives: participants (studies); certainty as ``⊕⊕◯◯ LOW`` with footnote letters; the effect
(measure, estimate, CI); for dichotomous outcomes the anticipated absolute effect per 1,000 at
the comparator arms' pooled risk in the data (``cr = Σ events / Σ n`` of the control arms;
RR: ``1000·cr·(RR − 1)``, OR: ``1000·(OR·cr / (1 − cr + OR·cr) − cr)``, RD: ``1000·RD``); and
one plain-language statement (:mod:`hairmeta.evidence.synthesis.statements`).  Bodies of at most
:data:`hairmeta.evidence.meta.bayes.SMALL_K` effects use the Bayesian random-effects estimate
(posterior median and credible interval) where the summary row carries it, and their certainty
is judged on that interval.  Footnotes give each downgrade in one sentence.

References
----------
Guyatt GH, Oxman AD, Santesso N, et al. GRADE guidelines 12: preparing Summary of Findings
tables — binary outcomes. J Clin Epidemiol 2013;66:158-172.
Guyatt GH, Thorlund K, Oxman AD, et al. GRADE guidelines 13: preparing Summary of Findings
tables and evidence profiles — continuous outcomes. J Clin Epidemiol 2013;66:173-183.
Santesso N, et al. GRADE guidelines 26: informative statements. J Clin Epidemiol 2020;119:126-135.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.meta.bayes import SMALL_K
from hairmeta.evidence.meta.measures import DICHOTOMOUS_MEASURES, RATIO_MEASURES
from hairmeta.evidence.meta.options import DEFAULT, ModelOptions
from hairmeta.evidence.paths import data_file
from hairmeta.evidence.synthesis.grade import Certainty
from hairmeta.evidence.synthesis.statements import Mid, no_evidence_statement, statement
from hairmeta.evidence.synthesis.summary import Body, Summary, certainty_of, summary
from hairmeta.evidence.tables.check import number_in_quote
from hairmeta.evidence.tables.load import coded_tables
from hairmeta.evidence.tables.vocab import CONTROLLED_DESIGNS, DESIGN_INFO, OUTCOME_LABELS


@dataclass(frozen=True)
class Question:
    """One question of the review: which families against what."""

    code: str
    title: str
    families: tuple[str, ...]
    comparison: str  # a summary comparison code, or "head_to_head"
    intervention: str
    comparator: str


QUESTIONS = (
    Question("prp_placebo", "PRP compared with placebo", ("prp",), "placebo", "PRP", "placebo"),
    Question("prp_active", "PRP compared with active treatment", ("prp",), "active", "PRP", "active treatment"),
    Question("prp_baseline", "PRP: change from baseline", ("prp",), "baseline", "PRP", "baseline (no control group)"),
    Question(
        "exosome_placebo",
        "Exosomes / EVs / conditioned medium compared with placebo",
        ("exosome", "conditioned_medium"),
        "placebo",
        "exosome-type therapy",
        "placebo",
    ),
    Question(
        "exosome_baseline",
        "Exosomes / EVs / conditioned medium: change from baseline",
        ("exosome", "conditioned_medium"),
        "baseline",
        "exosome-type therapy",
        "baseline (no control group)",
    ),
    Question(
        "exosome_vs_prp",
        "Exosomes compared with PRP (head to head)",
        ("exosome", "conditioned_medium"),
        "head_to_head",
        "exosomes",
        "PRP",
    ),
)

#: Critical outcomes in the order a SoF table lists them.
CRITICAL_OUTCOMES = (
    "hair_density",
    "terminal_hair_density",
    "hair_count",
    "hair_diameter",
    "responders",
    "complete_regrowth",
    "hair_regrowth",
    "relapse",
    "salt_score",
    "salt_improvement_pct",
    "patient_reported_improvement",
    "patient_satisfaction",
    "patient_reported_coarser_hair",
)

POPULATIONS = {
    "aga_male": "men with AGA",
    "aga_female": "women with AGA",
    "aga_mixed": "people with AGA",
    "alopecia_areata": "people with alopecia areata",
    "hair_loss_unspecified": "people with hair loss (type not stated)",
    "other": "people with another condition",
}
#: Outcome words for statements where the table's label reads badly in a sentence.
SOF_LABELS = {"responders": "response (responders)", "salt_score": "SALT score (% scalp hair loss)"}
SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very low": "⊕◯◯◯"}
#: What the effect column of a table shows for small bodies (stated under every table).
BAYES_NOTE = (
    f"CrI: bodies of at most {SMALL_K} effects show the Bayesian random-effects posterior median and 95% "
    "credible interval. (−1)/(−2): levels rated down."
)


@dataclass(frozen=True)
class SofRow:
    """One row of a SoF table (plain data; ``to_dict`` is the JSON object)."""

    question: str
    intervention: str
    comparator: str
    outcome: str
    population: str
    participants: float
    studies: int
    certainty: str
    certainty_symbols: str
    effect: dict
    absolute_effect: str
    statement: str
    footnotes: list[str]
    model: str
    key: tuple[str, str, str, str]
    study_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["key"] = list(self.key)
        return out


@dataclass(frozen=True)
class SofTable:
    """The SoF table of one question: its rows, footnotes by letter, and what else exists."""

    question: Question
    rows: list[SofRow]
    footnotes: dict[str, str]
    statement: str = ""  # set when no row has controlled evidence with results
    without_numbers: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------ MIDs


def load_mids(path: str | Path | None = None) -> dict[str, Mid]:
    """Minimal important differences by measure from the protocol's ``[[mid]]`` entries.

    Each entry needs ``measure``, ``small``, ``source``, and a ``url`` a reader can open with a
    verbatim ``quote`` in which every threshold stands (``moderate`` and ``large`` optional); a
    missing field or a threshold not in the quote raises :class:`DataError` naming file, entry
    and field.
    """
    path = Path(path) if path else data_file("protocol.toml")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(str(exc), file=str(path)) from exc
    mids = {}
    for number, item in enumerate(raw.get("mid", []), start=1):
        for key in ("measure", "small", "source", "url", "quote"):
            if item.get(key) in (None, ""):
                raise DataError(f"{key} is required", file=str(path), row=number, field=key)
        for key in ("small", "moderate", "large"):
            if item.get(key) is not None and not number_in_quote(float(item[key]), str(item["quote"])):
                raise DataError(f"{item[key]} does not appear in the quote", file=str(path), row=number, field=key)
        mids[str(item["measure"])] = Mid(
            str(item["measure"]), float(item["small"]), str(item["source"]), item.get("moderate"), item.get("large")
        )
    return mids


# ------------------------------------------------------------------------------ numbers


def _finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def effect_numbers(row: pd.Series) -> tuple[dict, str]:
    """The numbers a SoF row shows (analysis scale) and the model that gave them.

    Bodies with ``k <= SMALL_K`` use the Bayesian columns when the row has them (finite);
    otherwise the frequentist estimate.
    """
    if int(row["k"]) <= SMALL_K and _finite(row.get("bayes_estimate")):
        numbers = {
            "estimate": float(row["bayes_estimate"]),
            "ci_low": float(row["bayes_ci_low"]),
            "ci_high": float(row["bayes_ci_high"]),
            "pi_low": float(row.get("bayes_pi_low", math.nan)),
            "pi_high": float(row.get("bayes_pi_high", math.nan)),
            "i2": float(row["i2"]),
        }
        return numbers, f"Bayesian random effects (k ≤ {SMALL_K}; tau prior {row.get('bayes_tau_prior', '')})"
    numbers = {c: float(row[c]) for c in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "i2")}
    return numbers, "frequentist random effects" if int(row["k"]) > 1 else "single study (Wald CI)"


def comparator_risk(effects: pd.DataFrame, outcomes: pd.DataFrame) -> float:
    """Pooled risk of the control arms behind ``effects``: Σ events / Σ n (NaN when none)."""
    ids = {i.strip() for v in effects.get("outcome_ids", []) for i in str(v).split(";")}
    control = outcomes[outcomes["outcome_id"].isin(ids) & (outcomes["arm_role"] == "control")]
    control = control[control["events"].notna() & control["n"].notna()]
    total = float(control["n"].sum())
    return float(control["events"].sum()) / total if total > 0 else math.nan


def absolute_per_1000(measure: str, value: float, risk: float) -> float:
    """Anticipated absolute difference per 1,000 at comparator risk ``risk`` (``value`` on the yi scale)."""
    if measure == "RD":
        return 1000.0 * value
    ratio = math.exp(value)
    if measure == "RR":
        return 1000.0 * risk * (ratio - 1.0)
    if measure == "OR":
        return 1000.0 * (ratio * risk / (1.0 - risk + ratio * risk) - risk)
    raise ValueError(f"no absolute effect for measure {measure}")


def absolute_text(measure: str, numbers: dict, risk: float, comparator: str) -> str:
    """``'250 per 1,000 with triamcinolone; 93 fewer per 1,000 (from 170 fewer to 80 more)'``."""
    if measure not in DICHOTOMOUS_MEASURES or measure not in ("RR", "OR", "RD") or not _finite(risk):
        return ""
    est, lo, hi = (absolute_per_1000(measure, numbers[c], risk) for c in ("estimate", "ci_low", "ci_high"))

    def words(x: float) -> str:
        return f"{abs(x):.0f} {'more' if x >= 0 else 'fewer'}"

    return f"{1000 * risk:.0f} per 1,000 with {comparator}; {words(est)} per 1,000 (from {words(lo)} to {words(hi)})"


def effect_dict(measure: str, numbers: dict, unit: str) -> dict:
    """The JSON ``effect``: measure, estimate and CI on the display scale (ratios exponentiated)."""
    values = [numbers[c] for c in ("estimate", "ci_low", "ci_high")]
    if measure in RATIO_MEASURES:
        values = [math.exp(v) for v in values]
    return {"measure": measure, "estimate": values[0], "ci_low": values[1], "ci_high": values[2], "unit": unit}


def effect_text(effect: dict) -> str:
    """``MD 4.24 (-8.06 to 16.54)``."""
    return f"{effect['measure']} {effect['estimate']:.2f} ({effect['ci_low']:.2f} to {effect['ci_high']:.2f})"


# ------------------------------------------------------------------------------ footnotes


def _reason_sentence(domain: str, reason: str) -> str:
    """A downgrade's reason in words a clinician reads, numbers that differ by row left out."""
    if domain == "imprecision":
        parts = []
        if "includes no effect" in reason:
            parts.append("CI includes no effect")
        found = re.search(r"optimal information size (\d+)", reason)
        if found:
            parts.append(f"N < {found.group(1)} (optimal information size)")
        return "; ".join(parts) or reason
    if domain == "risk of bias" and "every study" not in reason:
        return "over half the weight at high or unassessed risk"
    return reason


def footnote_sentences(certainty: Certainty) -> list[str]:
    """One sentence per reason the certainty is what it is: a low start, then each downgrade
    with the levels it rates down, ``(−1)`` or ``(−2)``."""
    notes = []
    if certainty.start != "high":
        why = (
            "before-after comparison without a control group"
            if "baseline" in certainty.start_reason
            else "includes non-randomised studies"
        )
        notes.append(f"Starts {certainty.start}: {why}.")
    for j in certainty.downgrades:
        notes.append(f"{j.domain.capitalize()}: {_reason_sentence(j.domain, j.reason)} (−{j.levels}).")
    return notes


def _letters(tables_notes: list[list[str]]) -> tuple[dict[str, str], list[list[str]]]:
    """Letters a, b, c... for the distinct sentences of one table, in order of first use."""
    by_text: dict[str, str] = {}
    for notes in tables_notes:
        for text in notes:
            by_text.setdefault(text, "abcdefghijklmnopqrstuvwxyz"[len(by_text) % 26])
    return {v: k for k, v in by_text.items()}, [sorted(by_text[t] for t in notes) for notes in tables_notes]


# ------------------------------------------------------------------------------ rows and tables


def _question_rows(question: Question, rows: pd.DataFrame) -> pd.DataFrame:
    if question.comparison == "head_to_head":
        return rows.iloc[0:0]
    mine = rows[rows["intervention_family"].isin(question.families) & (rows["comparison"] == question.comparison)]
    return mine


def _order(frame: pd.DataFrame) -> pd.DataFrame:
    rank = {o: i for i, o in enumerate(CRITICAL_OUTCOMES)}
    frame = frame[frame["outcome"].isin(rank)]
    return frame.assign(_rank=frame["outcome"].map(rank)).sort_values(["_rank", "condition"]).drop(columns="_rank")


def sof_row(question: Question, row: pd.Series, body: Body, studies, outcomes, mids: dict[str, Mid]) -> tuple:
    """One SoF row (footnotes as sentences; letters are given per table)."""
    numbers, model = effect_numbers(row)
    certainty = certainty_of(body.effects, studies, numbers, body.fit, key=body.key, measure=body.measure)
    units = body.effects["unit"].dropna() if "unit" in body.effects else pd.Series(dtype=str)
    unit = str(units.mode().iloc[0]) if len(units) and body.measure not in DICHOTOMOUS_MEASURES else ""
    label = SOF_LABELS.get(row["outcome"]) or OUTCOME_LABELS.get(row["outcome"], (row["outcome"], None))[0]
    population = POPULATIONS.get(row["condition"], row["condition"])
    text = statement(
        intervention=question.intervention,
        comparator=question.comparator.split(" (")[0],
        outcome=label,
        certainty=certainty.level,
        estimate=numbers["estimate"],
        mid=mids.get(body.measure),
        population=population,
    )
    result = SofRow(
        question=question.title,
        intervention=question.intervention,
        comparator=question.comparator,
        outcome=label,
        population=population,
        participants=float(row["n"]),
        studies=int(row["k_studies"]),
        certainty=certainty.level,
        certainty_symbols=SYMBOLS[certainty.level],
        effect=effect_dict(body.measure, numbers, unit),
        absolute_effect=absolute_text(
            body.measure, numbers, comparator_risk(body.effects, outcomes), question.comparator
        ),
        statement=text,
        footnotes=[],
        model=model,
        key=tuple(body.key),
        study_ids=list(dict.fromkeys(body.effects["study_id"])),
    )
    return result, footnote_sentences(certainty)


def _families_of(value) -> set[str]:
    return {f for f in str(value).split(";") if f}


def what_exists(question: Question, studies: pd.DataFrame, outcomes: pd.DataFrame) -> list[str]:
    """What the data hold on a question without controlled results: controlled studies without
    usable numbers, registrations without results, uncontrolled series."""
    with_numbers = set(outcomes.loc[outcomes[["mean", "change_mean", "events"]].notna().any(axis=1), "study_id"])
    fam = studies["intervention_family"].map(_families_of)
    mine = family_studies = studies[fam.map(lambda f: bool(f & set(question.families)))]
    if question.comparison == "head_to_head":
        heads = mine["intervention_family"].map(lambda v: "prp" in _families_of(v)) | mine["comparator"].fillna(
            ""
        ).str.contains(r"\bPRP\b")
        mine = mine[heads]
    else:
        wanted = {"placebo": ("placebo",), "active": ("active",), "baseline": ("none", "placebo", "active", "other")}
        mine = mine[mine["comparator_family"].isin(wanted.get(question.comparison, ()))]

    def describe(s) -> str:
        n = f", {s.n_total:g} participants" if _finite(s.n_total) else ""
        numbers = ", numbers coded but not usable" if s.study_id in with_numbers else ", no outcome numbers reported"
        return f"{s.study_id} ({DESIGN_INFO[s.design].label}{n}{numbers})"

    parts = []
    controlled = mine[mine["design"].isin(CONTROLLED_DESIGNS)]
    if len(controlled):
        parts.append("controlled studies without usable numbers: " + ", ".join(map(describe, controlled.itertuples())))
    regs = mine[mine["design"] == "trial_registration"]
    if len(regs):
        parts.append("registered trials without results: " + ", ".join(regs["study_id"]))
    series = mine[~mine["design"].isin(CONTROLLED_DESIGNS | {"trial_registration"})]
    if len(series):
        parts.append("uncontrolled series: " + ", ".join(map(describe, series.itertuples())))
    if question.comparison not in ("baseline", "head_to_head"):
        uncontrolled = family_studies[~family_studies["design"].isin(CONTROLLED_DESIGNS | {"trial_registration"})]
        if len(uncontrolled):
            parts.append(f"{len(uncontrolled)} uncontrolled series (before-after only, see change from baseline)")
    return parts


def sof_table(question: Question, result, studies, outcomes, mids) -> SofTable:
    """The SoF table of one question from a summary ``result``."""
    bodies = {b.key: b for b in result.bodies}
    mine = _question_rows(question, result.rows)
    rows, notes = [], []
    for _, row in _order(mine[mine["k"] > 0]).iterrows():
        key = (row["intervention_family"], row["condition"], row["outcome"], row["comparison"])
        made, sentences = sof_row(question, row, bodies[key], studies, outcomes, mids)
        rows.append(made)
        notes.append(sentences)
    footnotes, letters = _letters(notes)
    rows = [SofRow(**{**r.__dict__, "footnotes": ls}) for r, ls in zip(rows, letters)]
    without = [
        f"{OUTCOME_LABELS.get(r.outcome, (r.outcome,))[0]} ({POPULATIONS.get(r.condition, r.condition)}): "
        f"{r.flags or 'no usable numbers'}"
        for r in _order(mine[mine["k"] == 0]).itertuples()
    ]
    text = ""
    if not rows:
        what = f"{question.intervention} compared with {question.comparator.split(' (')[0]}"
        text = no_evidence_statement(what, what_exists(question, studies, outcomes))
    return SofTable(question, rows, footnotes, text, without)


def summary_of_findings(result, studies: pd.DataFrame, outcomes: pd.DataFrame, mids=None) -> list[SofTable]:
    """Every question's SoF table, in :data:`QUESTIONS` order."""
    mids = load_mids() if mids is None else mids
    return [sof_table(q, result, studies, outcomes, mids) for q in QUESTIONS]


def sof_json(tables: list[SofTable]) -> list[dict]:
    """The JSON list ``summary_of_findings``: one object per row (a question without rows gives
    one object with ``outcome`` empty and its statement)."""
    out = []
    for t in tables:
        for r in t.rows:
            d = r.to_dict()
            d["footnotes"] = [f"{letter}: {t.footnotes[letter]}" for letter in r.footnotes]
            out.append(d)
        if not t.rows:
            out.append(
                {
                    "question": t.question.title,
                    "intervention": t.question.intervention,
                    "comparator": t.question.comparator,
                    "outcome": "",
                    "participants": 0,
                    "studies": 0,
                    "certainty": "",
                    "effect": None,
                    "absolute_effect": "",
                    "statement": t.statement,
                    "footnotes": [],
                }
            )
    return out


@dataclass(frozen=True)
class Findings:
    """The summary with its Summary of Findings tables (what ``hairmeta summary`` shows)."""

    summary: Summary
    tables: list[SofTable]

    def to_dict(self) -> dict:
        """Plain data for JSON: the summary's keys plus ``summary_of_findings``."""
        return {"summary_of_findings": sof_json(self.tables), **self.summary.to_dict()}


def findings(
    *,
    options: ModelOptions = DEFAULT,
    studies: pd.DataFrame | None = None,
    outcomes: pd.DataFrame | None = None,
    meta: pd.DataFrame | None = None,
    mids: dict[str, Mid] | None = None,
) -> Findings:
    """The evidence summary of the shipped (or given) tables and its SoF tables.

    Parameters as :func:`hairmeta.evidence.synthesis.summary.summary`; ``mids`` defaults to the
    protocol's (:func:`load_mids`).
    """
    tables = coded_tables(studies=studies, outcomes=outcomes, meta=meta)
    result = summary(options=options, studies=tables.studies, outcomes=tables.outcomes, meta=tables.meta)
    return Findings(result, summary_of_findings(result, tables.studies, tables.outcomes, mids))
