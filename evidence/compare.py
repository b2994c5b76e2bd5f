"""Place one study against the literature: design, size, protocol, arms, effects, confounding.

Everything said here is generated from the coded tables (``studies.csv``, ``arms.csv``,
``outcomes.csv``) and the pooled fits; nothing about any particular study is written in code.

Level of evidence follows the Oxford Centre for Evidence-Based Medicine 2011 table for
treatment benefits (OCEBM Levels of Evidence Working Group, "The Oxford 2011 Levels of
Evidence", https://www.cebm.ox.ac.uk/resources/levels-of-evidence/ocebm-levels-of-evidence):
level 2 = randomised trial, 3 = non-randomised controlled cohort/follow-up study,
4 = case series, case–control or historically controlled study.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from evidence.errors import UnknownNameError

LEVEL_OF_EVIDENCE = {
    "rct_parallel": (2, "randomised trial"),
    "rct_split_scalp": (2, "randomised trial (split-scalp)"),
    "crossover": (2, "randomised crossover trial"),
    "nonrandomised_controlled": (3, "non-randomised controlled study"),
    "cohort": (3, "cohort study"),
    "single_arm_trial": (4, "uncontrolled (single-arm) study"),
    "case_series": (4, "case series"),
    "trial_registration": (None, "trial registration (no results)"),
}
CONTROLLED_DESIGNS = frozenset({"rct_parallel", "rct_split_scalp", "crossover",
                                "nonrandomised_controlled"})
#: Conditions too loose to restrict the literature by; the comparison then uses every condition.
LOOSE_CONDITIONS = frozenset({"hair_loss_unspecified", "other", ""})
#: Words in a free-text comparator that name an intervention family.
FAMILY_WORDS = {"prp": r"\bprp\b|platelet", "exosome": r"exosom",
                "conditioned_medium": r"conditioned medi", "stem_cell": r"stem cell"}
#: Arm-level family names that are not an intervention family (control arms).
NOT_FAMILIES = frozenset({"comparator", ""})
#: Age difference (years) between arms treated as a confounder.
AGE_GAP_YEARS = 5.0


@dataclass(frozen=True)
class Comparison:
    """The comparison of one study with the literature (plain data; see :func:`compare`)."""

    study: dict
    characteristics: list[dict]
    arms: list[dict]
    effects: list[dict]
    missing_numbers: list[dict]
    confounders: list[dict]
    controlled_evidence: list[dict]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain data for JSON output and the report."""
        return {k: getattr(self, k) for k in ("study", "characteristics", "arms", "effects",
                                               "missing_numbers", "confounders",
                                               "controlled_evidence", "notes")}

    def sections(self) -> list[tuple[str, pd.DataFrame]]:
        """Titled tables for a terminal or the report, in reading order."""
        sid = self.study["study_id"]
        arms = pd.DataFrame([{
            "arm": a["arm"], "role": a["arm_role"], "family": a["intervention_family"],
            "n": _fmt(a["n"]), "sex": a["sex"] or "not reported", "age": _fmt(a["age_mean"]),
            "sessions": _range_text(a["sessions_min"], a["sessions_max"]),
            "follow-up (months)": _range_text(a["follow_up_months_min"],
                                              a["follow_up_months_max"]),
            "verification": a["verification"]} for a in self.arms])
        return [
            (f"{sid} against the literature", _percentile_text(pd.DataFrame(self.characteristics))),
            (f"Arms of {sid} (as coded)", arms),
            ("Effects against the pooled literature", _percentile_text(pd.DataFrame(self.effects))),
            ("Numbers to code for a quantitative comparison (hairmeta outcomes add)",
             pd.DataFrame(self.missing_numbers)),
            ("What confounds an arm-vs-arm claim", pd.DataFrame(self.confounders).fillna("")),
            ("Controlled evidence on the same contrast", pd.DataFrame(
                self.controlled_evidence, columns=["study_id", "design", "contrast", "status",
                                                   "source"])),
        ]

    def to_frame(self) -> pd.DataFrame:
        """Every section in one long table (``section``, ``item``, ``field``, ``value``) for CSV."""
        rows = []
        for title, frame in self.sections():
            for i, record in enumerate(frame.to_dict(orient="records")):
                rows += [{"section": title, "item": i + 1, "field": k, "value": v}
                         for k, v in record.items()]
        rows += [{"section": "notes", "item": i + 1, "field": "note", "value": n}
                 for i, n in enumerate(self.notes)]
        return pd.DataFrame(rows, columns=["section", "item", "field", "value"])


# ------------------------------------------------------------------------------ small helpers

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
    """Percentile rank of ``value`` among ``others`` (``kind="mean"``: ties count half)."""
    others = [o for o in map(_num, others) if not math.isnan(o)]
    if not others or math.isnan(_num(value)):
        return float("nan")
    return float(stats.percentileofscore(others, value, kind="mean"))


def _distribution(values, unit: str = "study") -> str:
    values = [v for v in map(_num, values) if not math.isnan(v)]
    if not values:
        return "no coded values"
    plural = {"study": "studies", "arm": "arms"}[unit] if len(values) != 1 else unit
    return (f"median {_short(np.median(values))} (range {_short(min(values))}–"
            f"{_short(max(values))}, {len(values)} {plural})")


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


# ------------------------------------------------------------------------------ the literature

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
    others = studies[(studies["study_id"] != study["study_id"])
                     & (studies["design"] != "trial_registration")]
    others = others[others["intervention_family"].map(lambda v: bool(families_of(v) & fams))]
    if str(study.get("condition") or "") not in LOOSE_CONDITIONS:
        others = others[others["condition"] == study["condition"]]
    return others


def sessions_number(text) -> float:
    """The (largest) number of sessions in a ``studies.csv`` cell: "3" → 3, "4-6" → 6, ">=3" → 3."""
    numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", str(text or ""))]
    return max(numbers) if numbers else float("nan")


WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "nine": 9,
                "twelve": 12, "eighteen": 18, "twenty-four": 24}
MONTHS_PER = {"week": 12 / 52.1775, "month": 1.0, "year": 12.0}


def follow_up_months(text) -> float:
    """The longest follow-up in a ``studies.csv`` cell, in months.

    Every "<number> week(s)|month(s)|year(s)" is read (numbers as digits or words, e.g. "one
    year"); weeks are converted with 52.1775 weeks per 12 months.  "12 weeks and 6 months" → 6.
    """
    pattern = r"(\d+(?:\.\d+)?|" + "|".join(WORD_NUMBERS) + r")\s*(week|month|year)s?"
    found = [(float(WORD_NUMBERS.get(n.lower(), n) if not n[0].isdigit() else n) * MONTHS_PER[u])
             for n, u in re.findall(pattern, str(text or ""), flags=re.I)]
    return max(found) if found else float("nan")


def per_study_by_family(comparable: pd.DataFrame, lit_arms: pd.DataFrame, families,
                        arm_column: str, study_column: str, parse) -> str:
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
    level, label = LEVEL_OF_EVIDENCE.get(study["design"], (None, study["design"]))
    lit_designs = comparable["design"].value_counts().to_dict()
    lit_arms = arms[arms["study_id"].isin(comparable["study_id"])
                    & (arms["arm_role"] != "control")]
    own = arms[arms["study_id"] == study["study_id"]]
    fams = sorted(families_of(study.get("intervention_family")))
    rows = [
        {"aspect": "design", "this_study": f"{label} (OCEBM level {level or '—'})",
         "literature": ", ".join(f"{k}: {v}" for k, v in lit_designs.items()) or "none coded"},
        {"aspect": "sample size", "this_study": _size_text(study, own),
         "literature": _distribution(comparable["n_total"]),
         "percentile": percentile(study_size(study, own), comparable["n_total"])},
        {"aspect": "sessions", "this_study": "; ".join(
            f"{a.arm}: {_range_text(a.sessions_min, a.sessions_max)}" for a in own.itertuples())
            or str(study.get("sessions") or "not reported"),
         "literature": per_study_by_family(comparable, lit_arms, fams, "sessions_max",
                                           "sessions", sessions_number)},
        {"aspect": "follow-up (months)", "this_study": "; ".join(
            f"{a.arm}: {_range_text(a.follow_up_months_min, a.follow_up_months_max)}"
            for a in own.itertuples()) or str(study.get("follow_up") or "not reported"),
         "literature": per_study_by_family(comparable, lit_arms, fams, "follow_up_months_max",
                                           "follow_up", follow_up_months)},
        {"aspect": "sex", "this_study": "; ".join(f"{a.arm}: {a.sex or 'not reported'}"
                                                  for a in own.itertuples()) or "not reported",
         "literature": ", ".join(f"{k}: {v}" for k, v in
                                 lit_arms["sex"].replace("", "not reported").value_counts().items())
         or "no coded values"},
        {"aspect": "age (mean, years)", "this_study": "; ".join(
            f"{a.arm}: {_fmt(a.age_mean)}" for a in own.itertuples()) or "not reported",
         "literature": _by_family(lit_arms, "age_mean", fams)},
        {"aspect": "funding / conflicts of interest",
         "this_study": str(study.get("funding_coi") or "not reported"), "literature": ""},
    ]
    return rows


def arm_rows(study: pd.Series, arms: pd.DataFrame) -> list[dict]:
    """The study's arms as coded, each with its provenance and verification."""
    own = arms[arms["study_id"] == study["study_id"]]
    keep = ["arm", "arm_role", "intervention_family", "n", "sex", "n_male", "n_female",
            "age_mean", "sessions_min", "sessions_max", "follow_up_months_min",
            "follow_up_months_max", "verification", "source", "location", "quote"]
    return [{k: r.get(k) for k in keep} for r in own.to_dict(orient="records")]


# ------------------------------------------------------------------------------ confounding

def _arm_differences(a: dict, b: dict) -> list[dict]:
    """Each coded characteristic in which arms ``a`` and ``b`` differ, with why it confounds."""
    found = []

    def add(name, va, vb, why):
        found.append({"characteristic": name, a["arm"]: va, b["arm"]: vb, "why": why})

    if a.get("sex") and b.get("sex") and a["sex"] != b["sex"]:
        add("sex", a["sex"], b["sex"], "pattern, course and response of hair loss differ by sex")
    age_a, age_b = _num(a.get("age_mean")), _num(b.get("age_mean"))
    if not (math.isnan(age_a) or math.isnan(age_b)) and abs(age_a - age_b) >= AGE_GAP_YEARS:
        add("age", f"{age_a:g}", f"{age_b:g}",
            f"mean ages differ by {abs(age_a - age_b):g} years (≥ {AGE_GAP_YEARS:g}); "
            "duration and stage of hair loss change with age")
    sa = _range_text(a.get("sessions_min"), a.get("sessions_max"))
    sb = _range_text(b.get("sessions_min"), b.get("sessions_max"))
    if sa != sb and "not reported" not in (sa, sb):
        add("sessions", sa, sb, "unequal number of treatment sessions (dose) between arms")
    fa = _range_text(a.get("follow_up_months_min"), a.get("follow_up_months_max"), " mo")
    fb = _range_text(b.get("follow_up_months_min"), b.get("follow_up_months_max"), " mo")
    if fa != fb and "not reported" not in (fa, fb):
        add("follow-up", fa, fb, "outcomes assessed after different times")
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
        for b in active[i + 1:]:
            if a.get("intervention_family") == b.get("intervention_family"):
                continue
            found += _arm_differences(a, b)
            if study["design"] not in {"rct_parallel", "rct_split_scalp", "crossover"}:
                found.append({"characteristic": "allocation", a["arm"]: "not randomised",
                              b["arm"]: "not randomised",
                              "why": f"design {study['design']}: patients were not randomised "
                                     "to arms, so arms may differ in unrecorded ways"})
            sizes = [_num(a.get("n")), _num(b.get("n"))]
            if any(not math.isnan(n) and n < 10 for n in sizes):
                found.append({"characteristic": "arm size", a["arm"]: _fmt(sizes[0]),
                              b["arm"]: _fmt(sizes[1]),
                              "why": "fewer than 10 patients in an arm: chance alone can explain "
                                     "any difference"})
    return found


def controlled_evidence(study: pd.Series, studies: pd.DataFrame, arms: pd.DataFrame,
                        outcomes: pd.DataFrame) -> list[dict]:
    """Other controlled studies (or registrations) in the data contrasting the same families.

    Status: ``registered, no results`` for trial registrations; ``results coded`` when the
    study has outcome rows with numbers; else ``no extractable numbers coded``.
    """
    fams = study_families(study, arms)
    if len(fams) < 2:
        return []
    rows = []
    for other in studies.itertuples(index=False):
        other = pd.Series(other._asdict())
        if other["study_id"] == study["study_id"]:
            continue
        if other["design"] not in CONTROLLED_DESIGNS | {"trial_registration"}:
            continue
        shared = study_families(other, arms) & fams
        if len(shared) < 2:
            continue
        rows.append({"study_id": other["study_id"], "design": other["design"],
                     "contrast": " vs ".join(sorted(shared)),
                     "status": _result_status(other, outcomes),
                     "citation": other.get("citation"), "source": other.get("source")})
    return rows


def _has_numbers(rows: pd.DataFrame) -> bool:
    stats_cols = [c for c in ("mean", "change_mean", "events", "median") if c in rows.columns]
    return bool(len(rows)) and bool(rows[stats_cols].notna().any().any())


def _result_status(study: pd.Series, outcomes: pd.DataFrame) -> str:
    if study["design"] == "trial_registration":
        return "registered, no results"
    rows = outcomes[outcomes["study_id"] == study["study_id"]]
    return "results coded" if _has_numbers(rows) else "no extractable numbers coded"


# ------------------------------------------------------------------------------ numbers

NEEDED = "n, mean and sd at baseline and at follow-up (or change_mean and change_sd), with unit"


def missing_numbers(study: pd.Series, arms: list[dict], outcomes: pd.DataFrame,
                    usual_outcomes: list[str]) -> list[dict]:
    """Which numbers would need coding (``hairmeta outcomes add``) for a quantitative comparison.

    One row per coded outcome row whose ``not_reported`` is non-empty; when the study has no
    outcome rows, one row per arm × the literature's most-coded outcomes.
    """
    rows = outcomes[outcomes["study_id"] == study["study_id"]]
    needed = []
    for r in rows.itertuples(index=False):
        missing = str(getattr(r, "not_reported", "") or "")
        if missing:
            needed.append({"arm": r.arm, "outcome": r.outcome, "timepoint": r.timepoint,
                           "not_reported": missing, "needed": NEEDED,
                           "outcome_id": r.outcome_id})
    if rows.empty:
        for arm in arms:
            for outcome in usual_outcomes:
                needed.append({"arm": arm["arm"], "outcome": outcome, "timepoint": "",
                               "not_reported": "no outcome row coded", "needed": NEEDED,
                               "outcome_id": ""})
    return needed


def usual_outcomes(outcomes: pd.DataFrame, study_ids, top: int = 2) -> list[str]:
    """The ``top`` outcomes coded with numbers most often among ``study_ids``."""
    rows = outcomes[outcomes["study_id"].isin(study_ids)]
    rows = rows[rows[[c for c in ("mean", "change_mean") if c in rows.columns]].notna().any(axis=1)]
    return list(rows.groupby("outcome")["study_id"].nunique().sort_values(ascending=False)
                .index[:top])


def _arm_rows_of(outcome_ids, outcomes: pd.DataFrame) -> pd.DataFrame:
    """The coded (non-control) outcome rows behind an effect, from its ``outcome_ids``."""
    ids = outcome_ids if isinstance(outcome_ids, (list, tuple)) else str(outcome_ids).split(";")
    rows = outcomes[outcomes["outcome_id"].isin([str(i).strip() for i in ids])]
    return rows[rows["arm_role"] != "control"] if len(rows) > 1 else rows


def _effect_row(mine: pd.Series, others: pd.DataFrame, arm: str, *, method: str, knha: bool,
                level: float) -> dict:
    """One arm's effect against the pooled others: CI, PI, percentile, consistency."""
    from evidence.pooling import pool
    z = stats.norm.ppf(0.5 + level / 200.0)
    row = {"arm": arm, "outcome": mine["outcome"], "comparison": mine["comparison"],
           "measure": mine["measure"], "yi": mine["yi"], "ci_low": mine["yi"] - z * mine["sei"],
           "ci_high": mine["yi"] + z * mine["sei"], "k_literature": len(others),
           "pooled": float("nan"), "pooled_ci_low": float("nan"), "pooled_ci_high": float("nan"),
           "pi_low": float("nan"), "pi_high": float("nan"),
           "percentile": percentile(mine["yi"], others["yi"]), "consistent": None,
           "derivation": mine.get("derivation") or ""}
    if len(others) >= 2:
        fit = pool(others["yi"].to_numpy(float), others["vi"].to_numpy(float), method=method,
                   knha=knha, level=level, labels=list(others["label"]))
        row.update(pooled=fit.estimate, pooled_ci_low=fit.ci_low, pooled_ci_high=fit.ci_high,
                   pi_low=fit.pi_low, pi_high=fit.pi_high,
                   consistent=bool(fit.pi_low <= mine["yi"] <= fit.pi_high))
    return row


def effect_rows(study: pd.Series, studies: pd.DataFrame, outcomes: pd.DataFrame, *,
                method: str = "REML", knha: bool = True, level: float = 95.0) -> list[dict]:
    """Each arm's coded effect against the literature's pooled estimate for the same outcome.

    Comparison is ``control`` for controlled designs, else ``baseline``; the literature is every
    other study with that outcome, comparison, family and (unless loosely coded) condition.
    """
    own = outcomes[outcomes["study_id"] == study["study_id"]]
    if not _has_numbers(own):
        return []
    from evidence.effects import from_outcomes
    comparison = "control" if study["design"] in CONTROLLED_DESIGNS else "baseline"
    condition = None if str(study.get("condition") or "") in LOOSE_CONDITIONS else study["condition"]
    rows = []
    for (outcome, family), _ in own.groupby(["outcome", "intervention_family"]):
        table = from_outcomes(outcomes, studies, outcome=outcome, comparison=comparison,
                              intervention_family=family, condition=condition)
        effects = table.effects
        mine = effects[effects["study_id"] == study["study_id"]]
        others = effects[effects["study_id"] != study["study_id"]]
        for _, one in mine.iterrows():
            behind = _arm_rows_of(one["outcome_ids"], outcomes)
            if len(behind) and not (behind["intervention_family"] == family).any():
                continue  # another arm of a multi-family study
            arm = ";".join(dict.fromkeys(behind["arm"].astype(str)))
            rows.append(_effect_row(one, others, arm, method=method, knha=knha, level=level))
    return rows


def _contrast_notes(controlled: list[dict]) -> list[str]:
    """What the literature's controlled evidence says about the study's own arm contrast."""
    notes = []
    for contrast in sorted({c["contrast"] for c in controlled}):
        rows = [c for c in controlled if c["contrast"] == contrast]
        with_results = [c["study_id"] for c in rows if c["status"] == "results coded"]
        registered = [c["study_id"] for c in rows if c["status"] == "registered, no results"]
        if with_results:
            notes.append(f"controlled evidence on {contrast} with results coded: "
                         + ", ".join(with_results))
        else:
            notes.append(f"no controlled comparison of {contrast} with results in the data"
                         + (f"; registered without results: {', '.join(registered)}"
                            if registered else ""))
    return notes


def _notes(study: pd.Series, arms: list[dict], effects: list[dict], comparable,
           controlled: list[dict]) -> list[str]:
    notes = []
    secondary = [a for a in arms if a.get("verification") == "secondary"]
    if secondary:
        notes.append(f"arm characteristics of {study['study_id']} are secondary (verification="
                     f"secondary: quoted from {secondary[0].get('source') or 'a secondary text'}, "
                     "not from the study itself)")
    if not effects:
        notes.append(f"{study['study_id']} has no extractable outcome numbers coded: the "
                     "comparison is descriptive only")
    notes += _contrast_notes(controlled)
    if str(study.get("condition") or "") in LOOSE_CONDITIONS:
        notes.append(f"condition coded as {study.get('condition') or 'empty'}: compared with "
                     f"studies of any condition ({len(comparable)} studies)")
    return notes


def compare(study_id: str, *, studies: pd.DataFrame | None = None,
            arms: pd.DataFrame | None = None, outcomes: pd.DataFrame | None = None,
            method: str = "REML", knha: bool = True, level: float = 95.0) -> Comparison:
    """Compare ``study_id`` with the literature in the shipped (or given) tables.

    Parameters
    ----------
    study_id : str
        A ``study_id`` of ``studies.csv`` (case-insensitive).
    studies, arms, outcomes : DataFrame, optional
        The tables; default: the shipped ones (``evidence.outcomes.load_*``).
    method, knha, level
        Passed to :func:`evidence.pooling.pool` for the literature's pooled estimates.
    """
    if studies is None or arms is None or outcomes is None:
        from evidence import outcomes as shipped
        studies = shipped.load_studies() if studies is None else studies
        arms = shipped.load_arms() if arms is None else arms
        outcomes = shipped.load_outcomes() if outcomes is None else outcomes
    study = study_row(studies, study_id)
    comparable = comparable_studies(studies, study)
    arm_list = arm_rows(study, arms)
    effects = effect_rows(study, studies, outcomes, method=method, knha=knha, level=level)
    level_num, label = LEVEL_OF_EVIDENCE.get(study["design"], (None, study["design"]))
    head = {"study_id": study["study_id"], "citation": study.get("citation"),
            "design": study["design"], "design_label": label, "level_of_evidence": level_num,
            "condition": study.get("condition"),
            "intervention_family": study.get("intervention_family"),
            "n_total": study.get("n_total"), "comparable_studies": list(comparable["study_id"]),
            "source": study.get("source"), "quote": study.get("quote")}
    controlled = controlled_evidence(study, studies, arms, outcomes)
    needed = [] if effects else missing_numbers(
        study, arm_list, outcomes, usual_outcomes(outcomes, comparable["study_id"]))
    return Comparison(study=head, characteristics=characteristics(study, arms, comparable),
                      arms=arm_list, effects=effects, missing_numbers=needed,
                      confounders=confounders(study, arm_list),
                      controlled_evidence=controlled,
                      notes=_notes(study, arm_list, effects, comparable, controlled))
