"""Certainty of a body of evidence in GRADE's terms, as small rules with stated thresholds.

A body of evidence (one summary row: intervention family × condition × outcome × comparison)
starts at **high** certainty when every study is randomised *and* the comparison is between
randomised groups, and at **low** otherwise (observational designs, and within-arm changes from
baseline, which are before–after comparisons even inside a trial).  Five domains may each rate
it down by one or two levels; the result is one of ``high``, ``moderate``, ``low``,
``very low``.  Every domain returns its judgement *with its reason*, also when it does not rate
down, so a reader can check each step.  Rating up (large effect, dose–response) is not applied:
the shipped data hold no observational body for which it would be defensible.

References
----------
Guyatt GH, Oxman AD, Vist GE, et al. GRADE: an emerging consensus on rating quality of evidence
and strength of recommendations. BMJ 2008;336:924-926. doi:10.1136/bmj.39489.470347.AD
Schünemann H, Brożek J, Guyatt G, Oxman A (eds). GRADE Handbook, 2013, section 5
(https://gdt.gradepro.org/app/handbook/handbook.html).
Guyatt GH, Oxman AD, Kunz R, et al. GRADE guidelines 6: rating the quality of evidence —
imprecision. J Clin Epidemiol 2011;64:1283-1293 (optimal information size, ~400 participants
for a continuous outcome).
Guyatt GH, Oxman AD, Montori V, et al. GRADE guidelines 5: publication bias. J Clin Epidemiol
2011;64:1277-1282; Sterne JAC et al. BMJ 2011;343:d4002 (funnel-plot tests need k ≥ 10).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

from hairmeta.evidence.meta.measures import DICHOTOMOUS_MEASURES
from hairmeta.evidence.tables.vocab import COMPARISON_INFO, RANDOMISED_DESIGNS

LEVELS = ("very low", "low", "moderate", "high")
#: Comparisons against a concurrent control arm (every comparison but the change from baseline).
CONTROLLED_COMPARISONS = frozenset(code for code in COMPARISON_INFO if code != "baseline")

#: Inconsistency: I² above this (percent) is "substantial" heterogeneity (Cochrane Handbook 10.10.2
#: gives 50–90% as "may represent substantial heterogeneity").
I2_THRESHOLD = 50.0
#: Imprecision: optimal information size in participants for a continuous outcome (GRADE 6).
OIS_CONTINUOUS = 400
#: Imprecision: the same rule of thumb applied to a dichotomous outcome's participants (GRADE 6
#: states ~300 *events*; participants are what every coded row has, so the rule is stated as such).
OIS_DICHOTOMOUS = 400
#: Risk of bias: rate down when more than this share of the weight comes from studies at high risk
#: of bias or whose risk was not assessed.
ROB_WEIGHT_SHARE = 0.5
#: Publication bias: Egger's test is read only with at least this many studies, at this alpha.
EGGER_MIN_K = 10
EGGER_ALPHA = 0.10
#: Outcomes that stand in for what patients notice (visible regrowth): trichogram/histology counts.
SURROGATE_OUTCOMES = frozenset({"anagen_pct", "telogen_pct", "hair_diameter", "anagen_telogen_ratio"})
#: Conditions coded too loosely to be the population a clinician asks about.
INDIRECT_CONDITIONS = frozenset({"hair_loss_unspecified", "other"})


@dataclass(frozen=True)
class EvidenceBody:
    """What GRADE needs to know about one pooled (or single-study) body of evidence.

    ``yi``-scale numbers: the null is 0 (differences, or log ratios as pooled).  ``weights`` are
    the fit's percent weights in the order of ``designs`` / ``rob``; ``egger_p`` is ``None`` when
    the test was not run.
    """

    k: int
    designs: tuple[str, ...]
    rob: tuple[str, ...]
    weights: tuple[float, ...]
    estimate: float
    ci_low: float
    ci_high: float
    total_n: float
    comparison: str
    outcome: str
    condition: str
    measure: str = "MD"
    i2: float = float("nan")
    pi_low: float = float("nan")
    pi_high: float = float("nan")
    egger_p: float | None = None


@dataclass(frozen=True)
class Judgement:
    """One GRADE domain: how many levels it rates down (0, 1 or 2) and why."""

    domain: str
    levels: int
    reason: str

    @property
    def label(self) -> str:
        """``no serious``, ``serious`` or ``very serious`` (GRADE's words for 0, 1, 2)."""
        return ("not serious", "serious", "very serious")[self.levels]


@dataclass(frozen=True)
class Certainty:
    """The certainty of one body of evidence: its starting level, every domain, the result."""

    start: str
    start_reason: str
    judgements: tuple[Judgement, ...] = field(default_factory=tuple)

    @property
    def downgrades(self) -> tuple[Judgement, ...]:
        """Only the domains that rated the evidence down."""
        return tuple(j for j in self.judgements if j.levels > 0)

    @property
    def level(self) -> str:
        """Final level: start minus the sum of downgrades, floored at ``very low``."""
        index = LEVELS.index(self.start) - sum(j.levels for j in self.judgements)
        return LEVELS[max(index, 0)]

    def explanation(self) -> str:
        """One line: the start and each downgrade with its reason."""
        parts = [f"starts {self.start} ({self.start_reason})"]
        parts += [f"-{j.levels} {j.domain}: {j.reason}" for j in self.downgrades]
        return "; ".join(parts)

    def to_dict(self) -> dict:
        """Plain data for JSON output."""
        return {
            "level": self.level,
            "start": self.start,
            "start_reason": self.start_reason,
            "judgements": [
                {"domain": j.domain, "levels": j.levels, "label": j.label, "reason": j.reason} for j in self.judgements
            ],
        }


def _finite(x: float | None) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def _crosses_null(low: float, high: float, null: float = 0.0) -> bool:
    """True when the interval [low, high] contains the null (or is not finite)."""
    if not (_finite(low) and _finite(high)):
        return True
    return low <= null <= high


def starting_level(designs: Sequence[str], comparison: str) -> tuple[str, str]:
    """High for randomised comparisons, low otherwise.

    High only when every study's design is in :data:`RANDOMISED_DESIGNS` *and* the comparison
    is between groups (``control``/``placebo``/``active``/``untreated``); a change from baseline is a
    before–after (observational) contrast, so it starts low even within a trial.
    """
    if comparison not in CONTROLLED_COMPARISONS:
        return "low", "before-after comparison against baseline (observational contrast)"
    non_randomised = sorted({d for d in designs if d not in RANDOMISED_DESIGNS})
    if non_randomised:
        return "low", "includes non-randomised designs: " + ", ".join(non_randomised)
    return "high", "randomised controlled comparisons"


def risk_of_bias(rob: Sequence[str], weights: Sequence[float]) -> Judgement:
    """Rate down by one when > 50% of the weight is at high (or unassessed) risk of bias.

    Share = Σ w_i over studies with ``rob_judgement`` in {high, not_assessed, empty} divided by
    Σ w_i.  Rated down by two when *every* study is at high risk.  Unassessed risk is not
    assumed low.
    """
    total = float(sum(weights)) or 1.0
    high = sum(w for r, w in zip(rob, weights) if r == "high") / total
    unassessed = sum(w for r, w in zip(rob, weights) if (r or "") in ("not_assessed", "")) / total
    share = high + unassessed
    detail = f"{high:.0%} of the weight at high risk, {unassessed:.0%} not assessed"
    if rob and all(r == "high" for r in rob):
        return Judgement("risk of bias", 2, "every study at high risk of bias")
    if share > ROB_WEIGHT_SHARE:
        return Judgement("risk of bias", 1, f"{detail} (together > {ROB_WEIGHT_SHARE:.0%})")
    return Judgement("risk of bias", 0, f"{detail} (together ≤ {ROB_WEIGHT_SHARE:.0%})")


def inconsistency(body: EvidenceBody) -> Judgement:
    """Rate down by one for I² > 50%, or a prediction interval crossing the null while the CI does not.

    A PI crossing the null when the CI also crosses it is imprecision, not inconsistency (not
    counted twice).  With one study, inconsistency cannot be assessed (no downgrade, said so).
    """
    if body.k < 2:
        return Judgement("inconsistency", 0, "not assessable with one study")
    i2 = body.i2 if _finite(body.i2) else 0.0
    pi_crosses = _finite(body.pi_low) and _crosses_null(body.pi_low, body.pi_high)
    ci_crosses = _crosses_null(body.ci_low, body.ci_high)
    if i2 > I2_THRESHOLD:
        return Judgement("inconsistency", 1, f"I² = {i2:.0f}% > {I2_THRESHOLD:.0f}%")
    if pi_crosses and not ci_crosses:
        return Judgement(
            "inconsistency", 1, f"prediction interval {body.pi_low:.3g} to {body.pi_high:.3g} crosses no effect"
        )
    return Judgement("inconsistency", 0, f"I² = {i2:.0f}% ≤ {I2_THRESHOLD:.0f}%")


def indirectness(body: EvidenceBody) -> Judgement:
    """Rate down by one for a surrogate outcome and by one for a loosely coded population (max 2).

    Surrogates: :data:`SURROGATE_OUTCOMES` (trichogram/histology measures, not visible
    regrowth).  Population: condition in :data:`INDIRECT_CONDITIONS`.
    """
    reasons = []
    if body.outcome in SURROGATE_OUTCOMES:
        reasons.append(f"surrogate outcome ({body.outcome})")
    if body.condition in INDIRECT_CONDITIONS:
        reasons.append(f"population coded only as {body.condition}")
    if not reasons:
        return Judgement("indirectness", 0, "direct outcome and population as coded")
    return Judgement("indirectness", min(len(reasons), 2), "; ".join(reasons))


def imprecision(body: EvidenceBody) -> Judgement:
    """Rate down by one for a CI including no effect and by one for N below the OIS (max 2).

    Optimal information size: :data:`OIS_CONTINUOUS` = 400 participants for continuous
    measures, :data:`OIS_DICHOTOMOUS` for ratio/difference-of-proportion measures.
    """
    ois = OIS_DICHOTOMOUS if body.measure in DICHOTOMOUS_MEASURES else OIS_CONTINUOUS
    reasons = []
    if _crosses_null(body.ci_low, body.ci_high):
        reasons.append("confidence interval includes no effect")
    n = body.total_n if _finite(body.total_n) else 0
    if n < ois:
        reasons.append(f"{n:.0f} participants < optimal information size {ois}")
    if not reasons:
        return Judgement("imprecision", 0, f"CI excludes no effect and N = {n:.0f} ≥ {ois}")
    return Judgement("imprecision", len(reasons), "; ".join(reasons))


def publication_bias(body: EvidenceBody) -> Judgement:
    """Rate down by one when Egger's test gives p < 0.10 with k ≥ 10; otherwise not assessable.

    With fewer than :data:`EGGER_MIN_K` studies the test has too little power (Sterne 2011), so
    the domain is reported as not assessable and does not rate down.
    """
    if body.k < EGGER_MIN_K:
        return Judgement("publication bias", 0, f"not assessable (k = {body.k} < {EGGER_MIN_K})")
    if body.egger_p is None or not _finite(body.egger_p):
        return Judgement("publication bias", 0, "Egger's test not available")
    if body.egger_p < EGGER_ALPHA:
        return Judgement("publication bias", 1, f"Egger's test p = {body.egger_p:.3f} < {EGGER_ALPHA}")
    return Judgement("publication bias", 0, f"Egger's test p = {body.egger_p:.3f} ≥ {EGGER_ALPHA}")


def grade(body: EvidenceBody) -> Certainty:
    """Apply every rule to ``body``: starting level, then the five domains in GRADE's order."""
    start, why = starting_level(body.designs, body.comparison)
    judgements = (
        risk_of_bias(body.rob, body.weights),
        inconsistency(body),
        indirectness(body),
        imprecision(body),
        publication_bias(body),
    )
    return Certainty(start, why, judgements)
