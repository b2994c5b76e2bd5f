"""Plain-language statements of a GRADE Summary of Findings row: one small rule set.

The wording follows GRADE's guidance on informative statements (Santesso N, Glenton C, Dahm P,
et al. GRADE guidelines 26: informative statements to communicate the findings of systematic
reviews of interventions. J Clin Epidemiol 2020;119:126-135, doi:10.1016/j.jclinepi.2019.10.014):
the certainty sets the verb, the size of the effect (judged against a minimal important
difference) sets the size word.

==========  ==========================================================================
certainty   statement
==========  ==========================================================================
high        "X increases / reduces O" (no qualifier)
moderate    "X probably increases / reduces O"
low         "X may increase / reduce O"
very low    "The evidence is very uncertain about the effect of X on O"
==========  ==========================================================================

Size words come only from a stated minimal important difference (MID, :class:`Mid`): below the
smallest threshold "little to no difference", between the small and the moderate threshold
"slightly", at or above the large threshold "large" (``|estimate|`` on the analysis scale; for
ratio measures ``|log ratio|``).  Without an MID the statement gives the direction only and says
that the size cannot be judged.  A question with no controlled evidence with results gets
:func:`no_evidence_statement`, which names what exists instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Certainty levels this module words (GRADE's four).
CERTAINTIES = ("high", "moderate", "low", "very low")
#: The certainty qualifier before a verb (Santesso 2020, Table 2).
QUALIFIER = {"high": "", "moderate": "probably ", "low": "may ", "very low": ""}
#: Size classes a MID can give.
SIZES = ("trivial", "small", "moderate", "large")


@dataclass(frozen=True)
class Mid:
    """Minimal important difference thresholds of one measure, with their source.

    ``small`` is the smallest effect that matters; ``moderate`` and ``large`` are optional
    further thresholds (for SMD, Cohen's 0.2 / 0.5 / 0.8).
    """

    measure: str
    small: float
    source: str
    moderate: float | None = None
    large: float | None = None


def size_of(estimate: float, mid: Mid | None) -> str | None:
    """Size class of ``estimate`` against ``mid``: one of :data:`SIZES`, or ``None`` without a MID.

    ``|e| < small`` → trivial; ``small ≤ |e| < moderate`` → small; ``≥ large`` → large; otherwise
    moderate (a MID with only ``small`` gives trivial or moderate).
    """
    if mid is None or not math.isfinite(estimate):
        return None
    size = abs(estimate)
    if size < mid.small:
        return "trivial"
    if mid.large is not None and size >= mid.large:
        return "large"
    if mid.moderate is not None and size < mid.moderate:
        return "small"
    return "moderate"


def _verb(increase: bool, certainty: str, size: str | None) -> str:
    """The verb phrase for a direction, certainty (not very low) and size.

    "may" takes the bare verb ("may increase"); no qualifier and "probably" take the third
    person ("increases", "probably increases"); "slightly" stands before the verb.
    """
    q = QUALIFIER[certainty]
    bare = q == "may "

    def conj(verb: str) -> str:
        return verb if bare else verb + "s"

    noun = "increase" if increase else "reduction"
    if size == "trivial":
        return f"{q}{conj('result')} in little to no difference in"
    if size == "large":
        return f"{q}{conj('result')} in a large {noun} in"
    slightly = "slightly " if size == "small" else ""
    return f"{q}{slightly}{conj('increase' if increase else 'reduce')}"


def statement(
    *,
    intervention: str,
    comparator: str,
    outcome: str,
    certainty: str,
    estimate: float,
    null: float = 0.0,
    mid: Mid | None = None,
    population: str = "",
) -> str:
    """One plain-language sentence for a SoF row.

    Parameters
    ----------
    intervention, comparator, outcome : str
        Words for the sentence, e.g. ``"PRP"``, ``"placebo"``, ``"hair density"``.
    certainty : str
        One of :data:`CERTAINTIES`.
    estimate : float
        The effect on its analysis scale (differences; log ratios), compared with ``null``.
    mid : Mid, optional
        The measure's minimal important difference; without it the size is not judged.
    population : str
        Optional "in ..." phrase, e.g. ``"men with androgenetic alopecia"``.
    """
    if certainty not in CERTAINTIES:
        raise ValueError(f"certainty must be one of {', '.join(CERTAINTIES)}, got {certainty!r}")
    where = f" in {population}" if population else ""
    if certainty == "very low" or not math.isfinite(estimate):
        return (
            f"The evidence is very uncertain about the effect of {intervention} on {outcome} "
            f"compared with {comparator}{where}."
        )
    if estimate == null and mid is None:
        q = QUALIFIER[certainty]
        return (
            f"{intervention} {q}{'make' if q == 'may ' else 'makes'} no difference to {outcome} in the point estimate "
            f"compared with {comparator}{where}; how large a difference would matter is not stated."
        )
    size = size_of(estimate - null, mid)
    text = f"{intervention} {_verb(estimate > null, certainty, size)} {outcome} compared with {comparator}{where}"
    if mid is None:
        text += " (the size of the effect cannot be judged: no minimal important difference is stated)"
    return text[0].upper() + text[1:] + "."


def no_evidence_statement(question: str, exists: list[str]) -> str:
    """The statement of a question without controlled evidence with results, naming what exists.

    ``exists`` lists short descriptions ("registered trials without results: nct…", "uncontrolled
    series: …"); empty when nothing at all is coded.
    """
    text = f"No controlled study with results answers {question}"
    if exists:
        return text + "; what exists: " + "; ".join(exists) + "."
    return text + ", and no other study of it is coded."
