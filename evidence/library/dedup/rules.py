"""The decision rules for one candidate pair: notices (errata, retractions, comments), preprints,
conflicting identifiers and content agreement.  Each rule returns a :data:`Decision` or passes.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd

_NOTICE_PATTERNS = {
    "erratum": re.compile(
        r"^(?:erratum|errata|correction|corrigendum|corrigenda|addendum)\b"
        r"|\b(?:erratum|corrigendum)\b|^correction to\b|^notice of correction"
    ),
    "retraction": re.compile(
        r"^(?:retraction|retracted|withdrawn|notice of retraction)\b"
        r"|\bretraction (?:note|notice)\b|^expression of concern"
    ),
    "comment": re.compile(
        r"^(?:comment on|commentary on|reply to|response to|in reply\b"
        r"|re:|letter to the editor regarding|authors? reply)"
        r"|\bauthors? reply\b|\breply to\b"
    ),
}


_NOTICE_WORDS = re.compile(
    r"errat|correct|corrig|addend|retract|withdraw|concern|comment|repl"
    r"|respon|^re:|letter"
)


_PUBTYPE_KIND = {
    "erratum": "erratum",
    "published erratum": "erratum",
    "retraction notice": "retraction",
    "retraction of publication": "retraction",
    "preprint": "preprint",
}


# PubMed's "Comment" type marks articles that comment on another; a copy of the same article
# from a source without publication types would never match it, so comments are told apart
# by their titles ("Comment on", "Reply to") instead.
_PREPRINT = re.compile(
    r"\b(?:medrxiv|biorxiv|arxiv|ssrn|research square|preprints?|"
    r"chemrxiv|psyarxiv|osf preprints)\b"
)


_PREPRINT_DOI = ("10.1101/", "10.21203/", "10.2139/", "10.20944/", "10.48550/", "10.31234/")


_CONFERENCE = r"(?i)\b(?:conference|congress|meeting|symposium|abstracts?\b)"


@cache
def _preprint_journal(journal: str) -> bool:
    return bool(_PREPRINT.search(journal))


def notice_kind(title: str, publication_types: str = "", journal: str = "", doi: str = "") -> str:
    """``erratum``, ``retraction``, ``comment``, ``preprint`` or ``""`` for an ordinary article.

    Publication types (PubMed) win; otherwise the normalised title and journal decide.
    """
    if publication_types:
        for ptype in (p.strip().casefold() for p in publication_types.split(";")):
            kind = _PUBTYPE_KIND.get(ptype)
            if kind:
                return kind
    if _NOTICE_WORDS.search(title):
        for kind, pattern in _NOTICE_PATTERNS.items():
            if pattern.search(title):
                return kind
    if doi.startswith(_PREPRINT_DOI) or (journal and _preprint_journal(journal)):
        return "preprint"
    return ""


Decision = tuple[str, str]  # (merge | distinct | review, the rule's reason)


def decide_pair(f: dict) -> Decision:
    """One pair's decision (``merge``, ``distinct`` or ``review``) and the rule that made it.

    The rules run in order and the first that applies decides: notice kinds (a preprint's DOI
    always differs from its published version's, so this comes first), conflicting
    identifiers, shared identifiers, then the bibliographic content (:func:`_decide_on_content`).
    """
    for rule in (_kind_mismatch, _identifier_conflict, _shared_identifier):
        decision = rule(f)
        if decision:
            return decision
    return _decide_on_content(f)


def _identifier_conflict(f: dict) -> Decision | None:
    """Different PMIDs never merge; different DOIs only on an otherwise identical citation."""
    if f["pmid"] == 0:
        return "distinct", "different PMIDs"
    if f["doi"] == 0:
        if _identical_citation(f):
            return "merge", (
                "different DOIs but identical title, authors, year, volume and "
                "first page: one DOI is an alias or an error"
            )
        return "distinct", "different DOIs"
    return None


def _kind_mismatch(f: dict) -> Decision | None:
    """An erratum, retraction or comment is not its article; a preprint is linked for review."""
    kind_a, kind_b = f["kinds"].split("/")
    if kind_a == kind_b:
        return None
    if "preprint" in (kind_a, kind_b) and not ({kind_a, kind_b} - {"preprint", ""}):
        if _title_close(f, 90):
            return "review", "preprint and published version: linked, not merged"
        return "distinct", "preprint with a different title"
    return "distinct", f"{kind_a or 'article'} is not the same work as {kind_b or 'article'}"


def _shared_identifier(f: dict) -> Decision | None:
    """Same DOI or PMID: merge unless pages/volumes or titles say otherwise."""
    if f["doi"] != 1 and f["pmid"] != 1:
        return None
    if f["page"] == 0 or f["volume"] == 0:  # supplement DOIs are shared by many abstracts
        decision, reason = _decide_on_content(f)
        return decision, f"same identifier, but {reason}"
    if f["title"] >= 90 or np.isnan(f["title"]):
        return "merge", "same identifier, titles agree"
    if f["title_prefix"] and f["year_gap"] == 0:
        return "merge", "same identifier; one title is the other's main title"
    if f["page"] == 1 and f["volume"] != 0 and f["year_gap"] == 0 and f["title"] >= 80 and f["authors"] >= 90:
        return "merge", "same identifier, year, volume and pages; the titles are worded differently"
    return "review", "same identifier but different titles"


def _identical_citation(f: dict) -> bool:
    """Everything a citation has agrees: title, author list, year, volume and first page."""
    return (
        f["title"] >= 98
        and f["authors"] >= 95
        and f["year_gap"] == 0
        and f["volume"] == 1
        and f["page"] == 1
        and f["numbers"] != 0
    )


def _title_close(f: dict, threshold: float) -> bool:
    return not np.isnan(f["title"]) and f["title"] >= threshold


def _conflicts(f: dict) -> list[str]:
    """Fields that contradict each other (missing values never conflict)."""
    found = []
    if not np.isnan(f["year_gap"]) and f["year_gap"] > 1:
        found.append("years differ")
    exact_twin = f["title"] >= 98 and f["authors"] >= 90 and f["page"] == 1 and f["year_gap"] == 0
    if f["volume"] == 0 and not exact_twin:  # issue numbers often land in volume fields
        found.append("volumes differ")
    if f["page"] == 0:
        found.append("pages differ")
    same_citation = f["title"] >= 98 and f["page"] == 1 and f["volume"] == 1 and f["year_gap"] == 0
    if (
        not np.isnan(f["authors"]) and f["authors"] < 50 and f["first_author"] != 1 and not same_citation
    ):  # group names and swapped name order, same citation
        found.append("authors differ")
    if f["numbers"] == 0:
        found.append("numbers in the titles differ (parts, doses, years)")
    return found


def _same_work_elsewhere(f: dict, conflicts: list[str]) -> bool:
    """Identical long title, near-identical author list, same year: pagination noise only."""
    return (
        len(conflicts) == 1
        and conflicts[0] in ("volumes differ", "pages differ")
        and f["title"] >= 99.5
        and f["authors"] >= 90
        and f["year_gap"] == 0
        and f["title_len"] >= 40
        and f["journal_both"]
        and bool(f["journal"])
    )


def _same_place(f: dict) -> Decision | None:
    """Same year, volume and first page in a compatible journal: one article, however titled."""
    if f["title_prefix"] and f["authors"] >= 90 and f["page"] == 1 and f["volume"] == 1 and f["year_gap"] == 0:
        return "merge", "one title is the other's main title; authors, volume and pages agree"
    if not (f["page"] == 1 and f["volume"] == 1 and f["year_gap"] == 0 and bool(f["journal"])):
        return None
    if f["title"] >= 98 and (f["title_len"] >= 30 or f["journal_both"]):
        return "merge", "identical title, year, volume and first page (author names written differently)"
    if f["title"] >= 70 and (f["authors"] >= 90 or f["authors_prefix"]) and not f["conference_any"]:
        return "merge", "same authors, year, volume and first page; the title is translated or reworded"
    return None


def _conflicting(f: dict) -> Decision | None:
    """Contradicting fields make a pair distinct, except pagination noise or a year slip."""
    conflicts = _conflicts(f)
    if not conflicts:
        return None
    if _same_work_elsewhere(f, conflicts):
        return "merge", "identical title and authors, same year; " + "; ".join(
            conflicts
        ) + " (the same abstract in another database's pagination)"
    if _title_close(f, 95) and conflicts == ["years differ"] and _support(f) >= 4 - _short(f):
        return "review", "titles agree but years differ"
    return "distinct", "; ".join(conflicts)


def _support(f: dict) -> int:
    """How many independent fields agree (page, volume, year, authors, abstract, journal)."""
    return sum(
        [
            f["page"] == 1,
            f["volume"] == 1,
            f["year_gap"] == 0,
            f["authors"] >= 85,
            f["abstract"] >= 90,
            bool(f["journal"]),
        ]
    )


def _short(f: dict) -> bool:
    return f["title_len"] < 30


def _decide_on_content(f: dict) -> Decision:
    """Bibliographic rules: same place, title closeness, conflicts, then agreement."""
    decision = _same_place(f)
    if decision:
        return decision
    if not _title_close(f, 80):
        return "distinct", "titles differ"
    decision = _conflicting(f)
    if decision:
        return decision
    if f["conference_mix"] and f["title"] < 99.5:
        return "review", "a conference abstract and an article with slightly different titles"
    authors_ok = np.isnan(f["authors"]) or f["authors"] >= 75 or f["first_author"] == 1
    if f["title"] >= 95 and authors_ok and _support(f) >= 3 + _short(f):
        return "merge", "titles, authors and bibliographic details agree"
    if f["title"] >= 90 and f["authors"] >= 85 and _support(f) >= 4 + _short(f):
        return "merge", "near-identical titles with matching authors and details"
    if f["title"] >= 90:
        return "review", "similar titles, too little corroboration"
    return "distinct", "titles differ"


def decide_pairs(scored: pd.DataFrame) -> pd.DataFrame:
    """Add ``decision``, ``reason`` and an overall ``score`` (0–1) to scored pairs."""
    rows = scored.to_dict(orient="records")
    decisions = [decide_pair(row) for row in rows]
    out = scored.copy()
    out["decision"] = [d for d, _ in decisions]
    out["reason"] = [r for _, r in decisions]
    weights = np.nan_to_num(scored[["title", "authors", "abstract"]].to_numpy(), nan=0.0)
    out["score"] = (0.6 * weights[:, 0] + 0.3 * weights[:, 1] + 0.1 * weights[:, 2]) / 100
    return out
