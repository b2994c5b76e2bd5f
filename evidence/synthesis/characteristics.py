"""One study's characteristics against the literature's: families, size, sessions, follow-up, sex and age,
with percentiles; its arms side by side and the differences that confound an arm-versus-arm claim.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from hairmeta.evidence.errors import UnknownNameError
from hairmeta.evidence.tables.vocab import ARM_COLUMNS, DESIGN_INFO
from hairmeta.evidence.tables.vocab import label as code_label

#: Conditions too loose to restrict the literature by; the comparison then uses every condition.
LOOSE_CONDITIONS = frozenset({"hair_loss_unspecified", "other", ""})


#: Words in a free-text comparator that name an intervention family.
FAMILY_WORDS = {
    "prp": r"\bprp\b|platelet",
    "exosome": r"exosom",
    "conditioned_medium": r"conditioned medi",
    "stem_cell": r"stem cell",
}


#: Arm-level family names that are not an intervention family (control arms).
NOT_FAMILIES = frozenset({"comparator", ""})


#: Age difference (years) between arms treated as a confounder.
AGE_GAP_YEARS = 5.0


def level_of_evidence(design: str) -> tuple[int | None, str]:
    """The OCEBM 2011 level and a readable label of a design code (unknown codes: None, the code)."""
    info = DESIGN_INFO.get(design)
    return (info.level, info.label) if info else (None, design)


def families_of(value) -> set[str]:
    """The families in a ``;``-joined ``intervention_family`` cell."""
    if not isinstance(value, str):
        return set()
    return {f.strip() for f in value.split(";") if f.strip()}


def comparator_families(text) -> set[str]:
    """Families named in a free-text comparator (e.g. "PRP 2 sessions" → {"prp"})."""
    if not isinstance(text, str):
        return set()
    return {fam for fam, pattern in FAMILY_WORDS.items() if re.search(pattern, text, re.I)}


def _num(value) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return out


def _fmt(value, digits: int = 0) -> str:
    value = _num(value)
    return "not reported" if math.isnan(value) else f"{value:.{digits}f}"


def _percentile_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose ``percentile`` column reads ``12th`` (the core keeps the float)."""
    if "percentile" not in frame.columns:
        return frame

    def ordinal(value) -> str:
        value = _num(value)
        if math.isnan(value):
            return "—"
        n = int(round(value))
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"

    return frame.assign(percentile=frame["percentile"].map(ordinal))


def _range_text(low, high, unit: str = "") -> str:
    low, high = _num(low), _num(high)
    if math.isnan(low) and math.isnan(high):
        return "not reported"
    if math.isnan(high) or low == high:
        return f"{low:g}{unit}"
    if math.isnan(low):
        return f"{high:g}{unit}"
    return f"{low:g}–{high:g}{unit}"


def percentile(value: float, others) -> float:
    """Percentile rank of ``value`` among ``others``, ties counting half:
    ``(#{o < v} + #{o ≤ v}) · 50 / n`` (``scipy.stats.percentileofscore(kind="mean")``, the same
    arithmetic without importing scipy.stats)."""
    others = np.array([o for o in map(_num, others) if not math.isnan(o)], float)
    value = _num(value)
    if not others.size or math.isnan(value):
        return float("nan")
    return float((np.count_nonzero(others < value) + np.count_nonzero(others <= value)) * (50.0 / others.size))


def _distribution(values, unit: str = "study") -> str:
    values = [v for v in map(_num, values) if not math.isnan(v)]
    if not values:
        return "no coded values"
    plural = {"study": "studies", "arm": "arms"}[unit] if len(values) != 1 else unit
    return (
        f"median {_short(np.median(values))} (range {_short(min(values))}–"
        f"{_short(max(values))}, {len(values)} {plural})"
    )


def _short(x: float) -> str:
    """A display number: integers as such, else one decimal."""
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _by_family(lit_arms: pd.DataFrame, column: str, families: list[str]) -> str:
    """The literature's distribution of an arm characteristic, per intervention family."""
    parts = []
    for family in families:
        rows = lit_arms[lit_arms["intervention_family"] == family]
        parts.append(f"{family}: {_distribution(rows[column], 'arm')}")
    return "; ".join(parts)


def study_row(studies: pd.DataFrame, study_id: str) -> pd.Series:
    """The ``studies.csv`` row of ``study_id`` (case-insensitive); UnknownNameError if absent."""
    match = studies[studies["study_id"].str.lower() == study_id.lower()]
    if match.empty:
        raise UnknownNameError("study", study_id, sorted(studies["study_id"]))
    return match.iloc[0]


def study_families(study: pd.Series, arms: pd.DataFrame) -> set[str]:
    """Families a study involves: its own, its arms', and those named by its comparator."""
    own = families_of(study.get("intervention_family"))
    arm_rows = arms[arms["study_id"] == study["study_id"]]
    for value in arm_rows.get("intervention_family", pd.Series(dtype=str)):
        own |= families_of(value)
    return (own | comparator_families(study.get("comparator"))) - NOT_FAMILIES


def comparable_studies(studies: pd.DataFrame, study: pd.Series) -> pd.DataFrame:
    """Other studies with results sharing a family and the condition (any condition if loose)."""
    fams = families_of(study.get("intervention_family"))
    others = studies[(studies["study_id"] != study["study_id"]) & (studies["design"] != "trial_registration")]
    others = others[others["intervention_family"].map(lambda v: bool(families_of(v) & fams))]
    if str(study.get("condition") or "") not in LOOSE_CONDITIONS:
        others = others[others["condition"] == study["condition"]]
    return others


def sessions_number(text) -> float:
    """The (largest) number of sessions in a ``studies.csv`` cell: "3" → 3, "4-6" → 6, ">=3" → 3."""
    numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", str(text or ""))]
    return max(numbers) if numbers else float("nan")


WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "nine": 9,
    "twelve": 12,
    "eighteen": 18,
    "twenty-four": 24,
}


MONTHS_PER = {"week": 12 / 52.1775, "month": 1.0, "year": 12.0}


def follow_up_months(text) -> float:
    """The longest follow-up in a ``studies.csv`` cell, in months.

    Every "<number> week(s)|month(s)|year(s)" is read (numbers as digits or words, e.g. "one
    year"); weeks are converted with 52.1775 weeks per 12 months.  "12 weeks and 6 months" → 6.
    """
    pattern = r"(\d+(?:\.\d+)?|" + "|".join(WORD_NUMBERS) + r")\s*(week|month|year)s?"
    found = [
        (float(WORD_NUMBERS.get(n.lower(), n) if not n[0].isdigit() else n) * MONTHS_PER[u])
        for n, u in re.findall(pattern, str(text or ""), flags=re.I)
    ]
    return max(found) if found else float("nan")


def per_study_by_family(
    comparable: pd.DataFrame, lit_arms: pd.DataFrame, families, arm_column: str, study_column: str, parse
) -> str:
    """One value per study in the literature, per family: the largest ``arm_column`` of its
    intervention arms where coded, else ``parse(study[study_column])`` for single-family studies."""
    parts = []
    for family in families:
        arm_rows = lit_arms[lit_arms["intervention_family"] == family]
        per_study = arm_rows.groupby("study_id")[arm_column].max().dropna().to_dict()
        single = comparable[comparable["intervention_family"] == family]
        for row in single.itertuples():
            if row.study_id not in per_study:
                per_study[row.study_id] = parse(getattr(row, study_column, ""))
        parts.append(f"{family}: {_distribution(list(per_study.values()))}")
    return "; ".join(parts)


def study_size(study: pd.Series, own_arms: pd.DataFrame) -> float:
    """``n_total``, else the sum of the arms' ``n`` when every arm reports one."""
    n = _num(study.get("n_total"))
    if math.isnan(n) and len(own_arms) and own_arms["n"].notna().all():
        n = float(own_arms["n"].sum())
    return n


def _size_text(study: pd.Series, own_arms: pd.DataFrame) -> str:
    n = study_size(study, own_arms)
    derived = math.isnan(_num(study.get("n_total"))) and not math.isnan(n)
    return _fmt(n) + (" (sum of the coded arms)" if derived else "")


def characteristics(study: pd.Series, arms: pd.DataFrame, comparable: pd.DataFrame) -> list[dict]:
    """Design, size, protocol, sex/age and COI of the study against its comparable studies."""
    level, label = level_of_evidence(study["design"])
    lit_designs = comparable["design"].value_counts().to_dict()
    lit_arms = arms[arms["study_id"].isin(comparable["study_id"]) & (arms["arm_role"] != "control")]
    own = arms[arms["study_id"] == study["study_id"]]
    fams = sorted(families_of(study.get("intervention_family")))
    rows = [
        {
            "aspect": "design",
            "this_study": f"{label} (OCEBM level {level or '—'})",
            "literature": ", ".join(f"{code_label(k)}: {v}" for k, v in lit_designs.items()) or "none coded",
        },
        {
            "aspect": "sample size",
            "this_study": _size_text(study, own),
            "literature": _distribution(comparable["n_total"]),
            "percentile": percentile(study_size(study, own), comparable["n_total"]),
        },
        {
            "aspect": "sessions",
            "this_study": "; ".join(f"{a.arm}: {_range_text(a.sessions_min, a.sessions_max)}" for a in own.itertuples())
            or str(study.get("sessions") or "not reported"),
            "literature": per_study_by_family(comparable, lit_arms, fams, "sessions_max", "sessions", sessions_number),
        },
        {
            "aspect": "follow-up (months)",
            "this_study": "; ".join(
                f"{a.arm}: {_range_text(a.follow_up_months_min, a.follow_up_months_max)}" for a in own.itertuples()
            )
            or str(study.get("follow_up") or "not reported"),
            "literature": per_study_by_family(
                comparable, lit_arms, fams, "follow_up_months_max", "follow_up", follow_up_months
            ),
        },
        {
            "aspect": "sex",
            "this_study": "; ".join(f"{a.arm}: {a.sex or 'not reported'}" for a in own.itertuples()) or "not reported",
            "literature": ", ".join(
                f"{k}: {v}" for k, v in lit_arms["sex"].replace("", "not reported").value_counts().items()
            )
            or "no coded values",
        },
        {
            "aspect": "age (mean, years)",
            "this_study": "; ".join(f"{a.arm}: {_fmt(a.age_mean)}" for a in own.itertuples()) or "not reported",
            "literature": _by_family(lit_arms, "age_mean", fams),
        },
        {
            "aspect": "funding / conflicts of interest",
            "this_study": str(study.get("funding_coi") or "not reported"),
            "literature": "",
        },
    ]
    return rows


def arm_rows(study: pd.Series, arms: pd.DataFrame) -> list[dict]:
    """The study's arms as coded, each with its provenance and verification."""
    own = arms[arms["study_id"] == study["study_id"]]
    # the schema's arm characteristics (arm .. follow-up), then verification and provenance
    keep = [*ARM_COLUMNS[ARM_COLUMNS.index("arm") : ARM_COLUMNS.index("source")], "verification", "source",
            "location", "quote"]  # fmt: skip
    return [{k: r.get(k) for k in keep} for r in own.to_dict(orient="records")]


def _arm_differences(a: dict, b: dict) -> list[dict]:
    """Each coded characteristic in which arms ``a`` and ``b`` differ, with why it confounds."""
    found = []

    def add(name, va, vb, why):
        found.append({"characteristic": name, a["arm"]: va, b["arm"]: vb, "why": why})

    if a.get("sex") and b.get("sex") and a["sex"] != b["sex"]:
        add("sex", a["sex"], b["sex"], "pattern, course and response of hair loss differ by sex")
    age_a, age_b = _num(a.get("age_mean")), _num(b.get("age_mean"))
    if not (math.isnan(age_a) or math.isnan(age_b)) and abs(age_a - age_b) >= AGE_GAP_YEARS:
        add(
            "age",
            f"{age_a:g}",
            f"{age_b:g}",
            f"mean ages differ by {abs(age_a - age_b):g} years (≥ {AGE_GAP_YEARS:g}); "
            "duration and stage of hair loss change with age",
        )
    sa = _range_text(a.get("sessions_min"), a.get("sessions_max"))
    sb = _range_text(b.get("sessions_min"), b.get("sessions_max"))
    if sa != sb and "not reported" not in (sa, sb):
        add("sessions", sa, sb, "unequal number of treatment sessions (dose) between arms")
    fa = _range_text(a.get("follow_up_months_min"), a.get("follow_up_months_max"), " mo")
    fb = _range_text(b.get("follow_up_months_min"), b.get("follow_up_months_max"), " mo")
    if fa != fb and "not reported" not in (fa, fb):
        add("follow-up", fa, fb, "outcomes assessed after different times")
    elif fa != fb:
        add(
            "follow-up",
            fa,
            fb,
            "one arm's follow-up is not reported: the arms cannot be shown to be assessed at the same time",
        )
    return found


def confounders(study: pd.Series, arms: list[dict]) -> list[dict]:
    """Differences between the study's intervention arms that confound an arm-vs-arm claim.

    Compares every pair of non-control arms of different families on sex, mean age (a gap of
    ≥ :data:`AGE_GAP_YEARS`), sessions and follow-up; adds non-random allocation (from the
    design) and arm sizes below 10 as limits on any inference.
    """
    active = [a for a in arms if a.get("arm_role") != "control"]
    found: list[dict] = []
    for i, a in enumerate(active):
        for b in active[i + 1 :]:
            if a.get("intervention_family") == b.get("intervention_family"):
                continue
            found += _arm_differences(a, b)
            if study["design"] not in {"rct_parallel", "rct_split_scalp", "crossover"}:
                found.append(
                    {
                        "characteristic": "allocation",
                        a["arm"]: "not randomised",
                        b["arm"]: "not randomised",
                        "why": f"design {study['design']}: patients were not randomised "
                        "to arms, so arms may differ in unrecorded ways",
                    }
                )
            sizes = [_num(a.get("n")), _num(b.get("n"))]
            if any(not math.isnan(n) and n < 10 for n in sizes):
                found.append(
                    {
                        "characteristic": "arm size",
                        a["arm"]: _fmt(sizes[0]),
                        b["arm"]: _fmt(sizes[1]),
                        "why": "fewer than 10 patients in an arm: chance alone can explain any difference",
                    }
                )
    return found
