"""The coded-evidence vocabulary and the tables' schema: the one place that names designs, conditions,
families, comparisons, outcomes and every column of ``data/*.csv`` (see ``data/README.md``).
"""

from __future__ import annotations

from dataclasses import dataclass


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
