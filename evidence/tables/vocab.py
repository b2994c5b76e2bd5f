"""The coded-evidence vocabulary and the tables' schema: the one place that names designs, conditions,
families, comparisons, outcomes and every column of ``data/*.csv`` (see ``data/README.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

from hairmeta.evidence.errors import UnknownNameError


@dataclass(frozen=True)
class Design:
    """One study design code and what follows from it.

    ``level`` is the Oxford CEBM 2011 level of evidence for treatment benefits (None: no results);
    ``randomised`` starts GRADE at high certainty; ``controlled`` has a concurrent control arm;
    ``paired`` compares within a person (split-scalp), so contrasts use paired variances.
    """

    code: str
    label: str
    level: int | None
    randomised: bool
    controlled: bool
    paired: bool = False


#: Every design code of ``studies.csv``: the one place each design's attributes are stated.
DESIGN_INFO: dict[str, Design] = {
    d.code: d
    for d in (
        Design("rct_parallel", "randomised trial", 2, True, True),
        Design("rct_split_scalp", "randomised trial (split-scalp)", 2, True, True, paired=True),
        Design("crossover", "randomised crossover trial", 2, True, True),
        Design("nonrandomised_controlled", "non-randomised controlled study", 3, False, True),
        Design("cohort", "cohort study", 3, False, False),
        Design("case_series", "case series", 4, False, False),
        Design("single_arm_trial", "uncontrolled (single-arm) study", 4, False, False),
        Design("trial_registration", "trial registration (no results)", None, False, False),
    )
}
DESIGNS = tuple(DESIGN_INFO)
RANDOMISED_DESIGNS = frozenset(code for code, d in DESIGN_INFO.items() if d.randomised)
CONTROLLED_DESIGNS = frozenset(code for code, d in DESIGN_INFO.items() if d.controlled)
PAIRED_DESIGNS = tuple(code for code, d in DESIGN_INFO.items() if d.paired)


CONDITIONS = ("aga_male", "aga_female", "aga_mixed", "alopecia_areata", "hair_loss_unspecified", "other")


INTERVENTION_FAMILIES = ("prp", "exosome", "conditioned_medium", "stem_cell", "other")


#: Arm-level families add ``comparator`` (saline, minoxidil, triamcinolone, microneedling alone…).
ARM_FAMILIES = INTERVENTION_FAMILIES + ("comparator",)


COMPARATOR_FAMILIES = ("placebo", "active", "none", "other")


ROB_JUDGEMENTS = ("low", "some_concerns", "high", "not_assessed")


ARM_ROLES = ("intervention", "control", "single")


SEXES = ("male", "female", "mixed", "")


#: ``primary``: quoted from the study's own document; ``secondary``: from a text about it.
VERIFICATIONS = ("primary", "secondary")


P_OPERATORS = ("=", "<", ">", "")


WITHIN_PERSON = ("yes", "no", "")


@dataclass(frozen=True)
class Comparison:
    """One comparison a body of evidence can answer.

    ``comparator_families`` keeps only studies whose ``comparator_family`` is one of these (None:
    any comparator); ``measures`` are the raw and the standardised measure for continuous outcomes;
    ``in_summary`` marks the comparisons the summary reports separately (never pooled together);
    ``published`` are the codes of ``published_meta_analyses.csv`` that answer the same question.
    """

    code: str
    label: str
    comparator_families: tuple[str, ...] | None
    measures: tuple[str, str]
    in_summary: bool
    published: tuple[str, ...]


#: The comparisons: the one place each is defined.
COMPARISON_INFO: dict[str, Comparison] = {
    c.code: c
    for c in (
        Comparison("control", "any concurrent control", None, ("MD", "SMD"), False, ("control",)),
        Comparison("placebo", "placebo", ("placebo",), ("MD", "SMD"), True, ("control", "placebo")),
        Comparison("active", "active treatment", ("active",), ("MD", "SMD"), True, ("active",)),
        Comparison("untreated", "no treatment", ("none", "other", ""), ("MD", "SMD"), True, ("control",)),
        Comparison("baseline", "change from baseline", None, ("MC", "SMCR"), True, ("baseline",)),
    )
}
#: Comparison codes of ``published_meta_analyses.csv``.
COMPARISONS = tuple(dict.fromkeys(code for c in COMPARISON_INFO.values() for code in c.published))
#: Comparisons the summary reports, in order.
SUMMARY_COMPARISONS = tuple(code for code, c in COMPARISON_INFO.items() if c.in_summary)


EFFECT_MEASURES = ("MD", "SMD", "RD", "OR", "RR", "pre_post_means", "none")


OUTCOMES = (
    "hair_density",
    "hair_count",
    "terminal_hair_density",
    "hair_diameter",
    "anagen_pct",
    "telogen_pct",
    "salt_score",
    "salt_improvement_pct",
    "responders",
    "complete_regrowth",
    "hair_regrowth",
    "relapse",
    "negative_pull_test",
    "patient_reported_improvement",
    "patient_reported_coarser_hair",
    "patient_satisfaction",
    "global_assessment",
    "hair_growth_rate",
    "hair_shedding_count",
    "vas_score",
    "condition_score",
)


STUDY_COLUMNS = (
    "study_id",
    "citation",
    "first_author",
    "year",
    "pmid",
    "doi",
    "url",
    "journal",
    "design",
    "country",
    "condition",
    "intervention_family",
    "intervention",
    "comparator_family",
    "comparator",
    "n_total",
    "sessions",
    "interval",
    "follow_up",
    "funding_coi",
    "rob_judgement",
    "rob_reason",
    "source",
    "location",
    "quote",
    "coder",
    "notes",
)


ARM_COLUMNS = (
    "study_id",
    "arm",
    "arm_role",
    "intervention_family",
    "n",
    "sex",
    "n_male",
    "n_female",
    "age_mean",
    "sessions_min",
    "sessions_max",
    "follow_up_months_min",
    "follow_up_months_max",
    "source",
    "location",
    "quote",
    "coder",
    "verification",
    "notes",
)


OUTCOME_STATS = (
    "n",
    "mean",
    "sd",
    "se",
    "ci_low",
    "ci_high",
    "median",
    "q1",
    "q3",
    "min",
    "max",
    "change_mean",
    "change_sd",
    "events",
    "p_value",
)


OUTCOME_COLUMNS = (
    "outcome_id",
    "study_id",
    "arm",
    "arm_role",
    "intervention_family",
    "outcome",
    "unit",
    "timepoint",
    "timepoint_weeks",
    "n",
    "mean",
    "sd",
    "se",
    "ci_low",
    "ci_high",
    "ci_level",
    "median",
    "q1",
    "q3",
    "min",
    "max",
    "change_mean",
    "change_sd",
    "events",
    "p_value",
    "p_operator",
    "p_comparison",
    "within_person",
    "derivation",
    "not_reported",
    "source",
    "location",
    "quote",
    "coder",
    "notes",
)


META_COLUMNS = (
    "ma_id",
    "citation",
    "year",
    "pmid",
    "doi",
    "population",
    "condition",
    "intervention_family",
    "comparison",
    "outcome",
    "effect_measure",
    "estimate",
    "ci_low",
    "ci_high",
    "p",
    "p_operator",
    "i2",
    "tau2",
    "model",
    "k_studies",
    "n_participants",
    "source",
    "location",
    "quote",
    "coder",
    "notes",
)


STUDY_NUMERIC = ("year", "n_total")


ARM_NUMERIC = (
    "n",
    "n_male",
    "n_female",
    "age_mean",
    "sessions_min",
    "sessions_max",
    "follow_up_months_min",
    "follow_up_months_max",
)


OUTCOME_NUMERIC = ("timepoint_weeks", "ci_level") + OUTCOME_STATS


META_NUMERIC = ("estimate", "ci_low", "ci_high", "p", "i2", "tau2", "k_studies", "n_participants")


#: Numbers that must appear in a row's quote (or be named in its ``derivation``).
QUOTED_NUMBERS = {
    "studies": ("n_total",),
    "arms": ARM_NUMERIC,
    "outcomes": OUTCOME_STATS,
    "meta": ("estimate", "ci_low", "ci_high", "p", "i2", "tau2", "k_studies", "n_participants"),
}


#: Text columns whose numbers (``"4-6 weeks"`` → 4, 6) must appear in the row's quote too.
QUOTED_TEXT = {"studies": ("sessions", "interval", "follow_up"), "outcomes": ("timepoint",)}


PROVENANCE = ("source", "location", "quote", "coder")


@dataclass(frozen=True)
class TableSpec:
    """A shipped table: its file name, columns and numeric columns."""

    kind: str
    filename: str
    columns: tuple[str, ...]
    numeric: tuple[str, ...]


SPECS = {
    "studies": TableSpec("studies", "studies.csv", STUDY_COLUMNS, STUDY_NUMERIC),
    "arms": TableSpec("arms", "arms.csv", ARM_COLUMNS, ARM_NUMERIC),
    "outcomes": TableSpec("outcomes", "outcomes.csv", OUTCOME_COLUMNS, OUTCOME_NUMERIC),
    "meta": TableSpec("meta", "published_meta_analyses.csv", META_COLUMNS, META_NUMERIC),
}


# ---------------------------------------------------------------------------------------------
# Human labels, units and directions of the codes, and name lookup that accepts either
# ---------------------------------------------------------------------------------------------

#: What each condition code means, as a reader would say it.
CONDITION_LABELS = {
    "aga_male": "androgenetic alopecia, men",
    "aga_female": "androgenetic alopecia, women",
    "aga_mixed": "androgenetic alopecia, men and women",
    "alopecia_areata": "alopecia areata",
    "hair_loss_unspecified": "hair loss, type not stated",
    "other": "other condition",
}

#: Names that stand for several condition codes at once.
CONDITION_GROUPS = {
    "androgenetic alopecia": ("aga_male", "aga_female", "aga_mixed"),
    "aga": ("aga_male", "aga_female", "aga_mixed"),
}

FAMILY_LABELS = {
    "prp": "platelet-rich plasma",
    "exosome": "exosomes",
    "conditioned_medium": "stem-cell conditioned medium",
    "stem_cell": "stem cells",
    "other": "other intervention",
    "comparator": "comparator",
}

#: Outcome labels and which way is better.  The direction follows from the outcome's definition
#: (SALT is the percentage of scalp without hair: Olsen EA et al. 2004, J Am Acad Dermatol
#: 51:440-447); ``None`` where the scale's direction depends on the instrument a study used.
OUTCOME_LABELS = {
    "hair_density": ("hair density", "higher = more hair"),
    "hair_count": ("hair count", "higher = more hair"),
    "terminal_hair_density": ("terminal hair density", "higher = more terminal hair"),
    "hair_diameter": ("hair shaft diameter", "higher = thicker hair"),
    "anagen_pct": ("hairs in anagen (growing) phase", "higher = more growing hairs"),
    "telogen_pct": ("hairs in telogen (resting) phase", "lower = fewer resting hairs"),
    "salt_score": ("SALT score (% scalp hair loss)", "lower = less hair loss"),
    "salt_improvement_pct": ("improvement in SALT score", "higher = more regrowth"),
    "responders": ("responders", "higher = more responders"),
    "complete_regrowth": ("complete regrowth", "higher = more regrowth"),
    "hair_regrowth": ("hair regrowth", "higher = more regrowth"),
    "relapse": ("relapse", "lower = fewer relapses"),
    "negative_pull_test": ("negative hair-pull test", "higher = less shedding"),
    "patient_reported_improvement": ("patient-reported improvement", "higher = more improvement"),
    "patient_reported_coarser_hair": ("patient-reported coarser hair", "higher = more improvement"),
    "patient_satisfaction": ("patient satisfaction", "higher = more satisfied"),
    "global_assessment": ("global assessment", None),
    "hair_growth_rate": ("hair growth rate", "higher = faster growth"),
    "hair_shedding_count": ("hair shedding count", "lower = less shedding"),
    "vas_score": ("visual analogue scale score", None),
    "condition_score": ("condition severity score", None),
}

#: Effect measures spelled out (the names metafor's escalc uses).
MEASURE_NAMES = {
    "MD": "mean difference",
    "SMD": "standardised mean difference (Hedges' g)",
    "SMDH": "standardised mean difference (heteroscedastic)",
    "MC": "mean change from baseline",
    "SMCC": "standardised mean change (change-score SD)",
    "SMCR": "standardised mean change (raw-score SD)",
    "ROM": "log ratio of means",
    "RR": "log risk ratio",
    "OR": "log odds ratio",
    "RD": "risk difference",
    "PR": "proportion",
    "PLO": "log odds of a proportion",
    "PAS": "arcsine-root proportion",
    "PFT": "Freeman-Tukey double-arcsine proportion",
}


def _key(name: str) -> str:
    return " ".join(str(name).replace("_", " ").replace("-", " ").split()).lower()


def _valid_names(codes, labels: dict[str, str]) -> list[str]:
    """``code (label)`` for each code, the label left off where it only re-spells the code."""
    return [f"{c} ({labels[c]})" if c in labels and _key(labels[c]) != _key(c) else c for c in codes]


def _lookup(kind: str, name: str, codes, labels: dict[str, str], extra: tuple[str, ...] = ()) -> str:
    """The code ``name`` stands for: a code or a label, case- and separator-insensitive."""
    key = _key(name)
    for code in codes:
        if key in (_key(code), _key(labels.get(code, code))):
            return code
    raise UnknownNameError(kind, str(name), _valid_names(codes, labels) + list(extra))


def resolve_conditions(name: str) -> tuple[str, ...]:
    """Condition codes for a code, a label or a group name (``"androgenetic alopecia"`` → all AGA)."""
    if _key(name) in CONDITION_GROUPS:
        return CONDITION_GROUPS[_key(name)]
    groups = tuple(f"{g} (all of {', '.join(c)})" for g, c in CONDITION_GROUPS.items())
    return (_lookup("condition", name, CONDITIONS, CONDITION_LABELS, groups),)


def resolve_outcome(name: str) -> str:
    """The outcome code for a code or a label (``"hair density"`` → ``hair_density``)."""
    return _lookup("outcome", name, OUTCOMES, {k: v[0] for k, v in OUTCOME_LABELS.items()})


def resolve_family(name: str) -> str:
    """The intervention-family code for a code or a label (``"platelet-rich plasma"`` → ``prp``)."""
    return _lookup("intervention family", name, INTERVENTION_FAMILIES, FAMILY_LABELS)


def resolve_comparison(name: str) -> str:
    """The comparison code for a code or a label (``"no treatment"`` → ``untreated``)."""
    return _lookup("comparison", name, tuple(COMPARISON_INFO), {k: c.label for k, c in COMPARISON_INFO.items()})


def label(code: str) -> str:
    """A human label for any vocabulary code (the code itself when it has none)."""
    for table in (CONDITION_LABELS, FAMILY_LABELS):
        if code in table:
            return table[code]
    if code in OUTCOME_LABELS:
        return OUTCOME_LABELS[code][0]
    if code in COMPARISON_INFO:
        return COMPARISON_INFO[code].label
    if code in DESIGN_INFO:
        return DESIGN_INFO[code].label
    return MEASURE_NAMES.get(code, code)


#: Measures whose estimate is a ratio (shown back-transformed: 1 = no difference).
RATIO_NAMES = ("RR", "OR", "ROM")
#: Measures in standard-deviation units.
SD_UNIT_NAMES = ("SMD", "SMDH", "SMCC", "SMCR")


def direction(outcome: str, measure: str = "MD") -> str | None:
    """Which way is better for ``outcome``, worded for ``measure`` (ratios: above/below 1)."""
    text = OUTCOME_LABELS.get(outcome, (outcome, None))[1]
    if text is None or measure not in RATIO_NAMES:
        return text
    return text.replace("higher =", "above 1 =").replace("lower =", "below 1 =")


def estimate_phrase(measure: str, value: float, outcome: str, unit: str = "") -> str:
    """An estimate as a reader needs it: ``MD +4.24 hairs/cm2 (higher = more hair)``.

    Differences carry a sign and the outcome's unit (standardised ones "SD"); ratios (already
    back-transformed by the caller) are plain; the direction comes from :data:`OUTCOME_LABELS`.
    """
    if measure in RATIO_NAMES:
        number, suffix = f"{value:.2f}", ""
    else:
        number = f"{value:+.2f}"
        suffix = " SD" if measure in SD_UNIT_NAMES else (f" {unit}" if unit and "|" not in unit else "")
    way = direction(outcome, measure)
    return f"{measure} {number}{suffix}" + (f" ({way})" if way else "")


def body_label(family: str, condition: str, outcome: str, comparison: str) -> str:
    """A body of evidence in words: ``platelet-rich plasma · androgenetic alopecia, men`` / ``hair density vs placebo``."""
    return f"{label(family)} · {label(condition)}\n{label(outcome)} vs {label(comparison)}"


def measure_legend(measures) -> list[str]:
    """``MD: mean difference`` for each measure named (once each, in the order given); ratios
    are described as shown to readers, back-transformed (``RR: risk ratio, 1 = no difference``)."""
    lines = []
    for m in dict.fromkeys(measures):
        name = MEASURE_NAMES.get(m, m)
        if m in RATIO_NAMES:
            name = name.removeprefix("log ") + ", 1 = no difference"
        lines.append(f"{m}: {name}")
    return lines
