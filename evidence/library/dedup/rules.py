"""The decision rules for one candidate pair: notices (errata, retractions, comments), preprints,
conflicting identifiers and content agreement.  Each rule returns a :data:`Decision` or passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


Decision = tuple[str, str]  # (merge | related | distinct | review, the rule's reason)
_TITLES_DIFFER: Decision = ("distinct", "titles differ")


@dataclass(frozen=True)
class Thresholds:
    """The data-driven cut-offs of the content rules (0–100 rapidfuzz ratios).

    Everything else in :func:`decide_pair` is a rule about which fields must agree, not a
    number; ``benchmarks/dedup.py --holdout`` re-chooses these per held-out set from the
    other sets only (leave-one-set-out).

    Attributes
    ----------
    title_merge : title similarity that, with authors and two more agreeing fields, merges.
    translated : title similarity still accepted at an identical venue, volume, issue and
        first page with agreeing authors (a translated or reworded title).
    authors : author-key similarity that counts as agreeing authors.
    bare_title : title similarity that, with near-identical abstracts and the same year,
        merges records that carry no venue, volume or pages at all.
    """

    title_merge: float = 95.0
    translated: float = 70.0
    authors: float = 75.0
    bare_title: float = 95.0


THRESHOLDS = Thresholds()


def decide_pair(f: dict, t: Thresholds = THRESHOLDS) -> Decision:
    """One pair's decision and the rule (with the fields that agreed) that made it.

    Vetoes run first and a merge needs positive agreement on an identifying field
    combination:

    1. notice kinds (erratum, retraction, comment, preprint) against an article, unless one
       DOI/PMID outside a supplement names both records (one database titled the notice as
       its article);
    2. conflicting identifiers: different PMIDs; different DOIs (after alias normalisation)
       unless the whole citation is identical;
    3. generic recurring titles (:func:`~.fields.is_generic_title`) and missing titles merge
       only on the same DOI/PMID or the same venue, volume, issue and pages (a missing title:
       the whole page range and the same authors);
    4. a meeting abstract (or a conference paper) beside a full article elsewhere is
       ``related`` (two reports of one study), never ``merge``;
    5. a shared DOI/PMID merges when titles agree and nothing conflicts, or, outside
       supplements, when the author lists agree and no abstract or number is against it;
    6. content: same venue/volume/issue/first page, a title under a section heading in the
       same issue, or a near-identical full citation; any conflict (year, volume, issue,
       pages, authors, numbers in the titles) vetoes.  Two exceptions for long titles:
       identical title, authors, year, venue *and abstract* outweigh a page or volume
       mismatch, and an identical title of 60 characters or more with the same author list,
       venue, volume and year outweighs a first page when nothing else is against it (one item
       in two databases' pagination).  Within one issue, a year that disagrees beside the same
       title and authors is an error.  Titles that swap a content word for another
       (:func:`~.fields.swapped_words`: "adult" vs "adolescent" trial registrations) merge
       only at the same place or beside one abstract word for word; otherwise a person decides.
    """
    for rule in (_kind_mismatch, _identifier_conflict, _generic_title, _meeting_vs_article, _shared_identifier):
        decision = rule(f)
        if decision:
            return decision
    return _decide_on_content(f, t)


def _nan(value) -> bool:
    return value != value  # NaN


def evidence(f: dict) -> str:
    """``agree: …; differ: …`` — the fields behind a decision, for ``--explain``."""
    agree, differ = [], []
    for name, label in (
        ("doi", "DOI"),
        ("pmid", "PMID"),
        ("venue", "venue"),
        ("volume", "volume"),
        ("issue", "issue"),
        ("page", "first page"),
    ):
        value = f.get(name)
        if value == 1:
            agree.append(label)
        elif value == 0:
            differ.append(label)
    gap = f.get("year_gap")
    if gap == 0:
        agree.append("year")
    elif gap is not None and not _nan(gap):
        differ.append(f"year (by {gap:.0f})")
    for name in ("title", "authors", "abstract"):
        value = f.get(name)
        if value is not None and not _nan(value):
            (agree if value >= 90 else differ).append(f"{name} {value:.0f}%")
    return f"agree: {', '.join(agree) or 'nothing'}; differ: {', '.join(differ) or 'nothing'}"


def _identifier_conflict(f: dict) -> Decision | None:
    """Different PMIDs never merge; different DOIs only on an identical full citation."""
    if f["pmid"] == 0:
        return "distinct", "veto: different PMIDs"
    if f["doi"] == 0:
        if _identical_citation(f):
            return "merge", (
                "different DOIs but identical title, authors, year, venue, volume, issue and "
                "first page: one DOI is an alias or an error"
            )
        return "distinct", "veto: different DOIs"
    return None


def _kind_mismatch(f: dict) -> Decision | None:
    """An erratum, retraction or comment is not its article; a preprint is linked for review."""
    kind_a, kind_b = f["kinds"].split("/")
    if kind_a == kind_b:
        return None
    one_item = (f["doi"] == 1 or f["pmid"] == 1) and not f["supplement_any"]  # a supplement DOI is shared
    if one_item and "preprint" not in (kind_a, kind_b) and _authors_ok(f, 50):
        return None  # one registered item; one database titled the notice as its article (DBLP)
    if "preprint" in (kind_a, kind_b) and not ({kind_a, kind_b} - {"preprint", ""}):
        if _title_close(f, 90):
            return "review", "preprint and published version: linked, not merged"
        return "distinct", "preprint with a different title"
    return "distinct", f"veto: {kind_a or 'article'} is not the same work as {kind_b or 'article'}"


def _place_conflicts(f: dict) -> list[str]:
    """Conflicts of the fields that locate a publication (missing values never conflict)."""
    found = []
    if f["volume"] == 0:
        found.append("volumes differ")
    if f["issue"] == 0 and f["volume"] != 0:
        found.append("issues differ")
    if f["page"] == 0:
        found.append("pages differ")
    if not _nan(f["year_gap"]) and f["year_gap"] > 0:
        found.append("years differ")
    return found


def _generic_title(f: dict) -> Decision | None:
    """A recurring title (editorial, reply, book review…) identifies nothing by itself.

    Merge only on the same DOI/PMID, or the same venue, year, volume, issue and first page;
    any conflict of those makes the pair distinct; otherwise a person decides.
    """
    if not f["generic"]:
        return None
    untitled = _nan(f["title"])  # one record has no title: it conflicts with nothing
    what = "missing title" if untitled else "generic title"
    identified = f["doi"] == 1 or f["pmid"] == 1
    conflicts = _place_conflicts(f)
    if identified and f["year_gap"] == 1:
        conflicts.remove("years differ")  # online-first year beside the issue's year
    if f["venue"] == 0:
        conflicts.append("venues differ")
    if not untitled and f["title"] < 90:
        conflicts.append("titles differ")
    if untitled and not _authors_ok(f, 50):
        conflicts.append("authors differ")
    if f["numbers"] == 0:
        conflicts.append("numbers differ")  # "Poster session 3" / "Poster session 4"
    if untitled and f["supplement_any"] and f["page"] != 1:
        identified = False  # a supplement's DOI is on every abstract in it: it cannot name this one
    if identified and not conflicts:
        return "merge", f"{what}; same DOI/PMID and nothing conflicts"
    if conflicts:
        return "distinct", f"veto: {what} and " + "; ".join(conflicts)
    located = f["venue"] == 1 and f["volume"] == 1 and f["issue"] == 1 and f["page"] == 1 and f["year_gap"] == 0
    # without a title, only the whole page range and the same authors place the item
    # (several meeting abstracts may share a first page)
    if located and (not untitled or (f["range_full"] and f["authors"] >= 90)):
        return "merge", f"{what}; same venue, year, volume, issue and pages"
    return "review", f"{what}: too little to tell one issue's item from another's"


def _meeting_vs_article(f: dict) -> Decision | None:
    """A meeting abstract (or a conference paper) and a full article in another place are two
    reports of one study."""
    if not (f["meeting_mix"] or f["entry_mix"]):
        return None
    if f["doi"] == 1 or f["pmid"] == 1:
        return None  # one identifier: the same item, tagged as a meeting abstract by one database only
    same_venue = f["venue"] == 1 and (f["volume"] != 0 or f["page"] == 1) and not (f["year_gap"] > 0)
    if same_venue:
        return None  # same journal, volume or page: the same supplement item, judged on its fields
    elsewhere = f["venue"] == 0 or f["volume"] == 0 or f["page"] == 0 or f["year_gap"] > 0
    if not elsewhere:
        return None  # nothing places the two apart: judged on their fields
    if not (_title_close(f, 90) or f["title_prefix"]):
        return None
    if not _nan(f["year_gap"]) and f["year_gap"] > 3:
        return None
    if _authors_ok(f, 60):
        what = "a meeting abstract" if f["meeting_mix"] else "a conference paper or book"
        return "related", f"{what} and a full report of the same study elsewhere: related reports, not merged"
    return None


def _shared_identifier(f: dict) -> Decision | None:
    """Same DOI or PMID: merge unless pages/volumes/issues or titles say otherwise."""
    if f["doi"] != 1 and f["pmid"] != 1:
        return None
    conflict = f["page"] == 0 or f["volume"] == 0 or (f["issue"] == 0 and f["volume"] == 1 and not f["range_same"])
    if conflict or f["volume_cut"]:
        decision, reason = _decide_on_content(f, THRESHOLDS)  # supplement DOIs are shared by many abstracts
        return decision, f"same identifier, but {reason}"
    if f["title"] >= 90 or _nan(f["title"]):
        return "merge", "same identifier, titles agree"
    if f["title_prefix"] and f["year_gap"] == 0:
        return "merge", "same identifier; one title holds the other (subtitle or heading)"
    if f["page"] == 1 and f["volume"] == 1 and f["year_gap"] == 0 and f["title"] >= 80 and f["authors"] >= 90:
        return "merge", "same identifier, year, volume and pages; the titles are worded differently"
    if not _authors_ok(f, 50):
        return "distinct", "same identifier, but titles and authors differ: an identifier shared by several items"
    if _one_item_retitled(f):
        return "merge", "same identifier and authors; one title is garbled or reworded (abstracts do not differ)"
    return "review", "same identifier but different titles"


def _one_item_retitled(f: dict) -> bool:
    """Same DOI/PMID and the same author list, outside supplements (whose DOI may be shared by
    every abstract in them, several of them by one team), with no abstract or numbers against
    it: one item whose title a database garbled or reworded."""
    return (
        f["authors"] >= 90
        and not f["supplement_any"]
        and (_nan(f["abstract"]) or f["abstract"] >= 90)
        and f["numbers"] != 0
        and (_nan(f["year_gap"]) or f["year_gap"] <= 1)
    )


def _identical_citation(f: dict) -> bool:
    """Everything a citation has agrees: title, authors, year, venue, volume, issue, first page."""
    return (
        f["title"] >= 98
        and f["title_len"] >= 30
        and f["authors"] >= 95
        and f["year_gap"] == 0
        and f["volume"] == 1
        and f["page"] == 1
        and f["issue"] != 0
        and f["venue"] != 0
        and f["numbers"] != 0
    )


def _title_close(f: dict, threshold: float) -> bool:
    return not _nan(f["title"]) and f["title"] >= threshold


def _authors_ok(f: dict, threshold: float) -> bool:
    """Author lists agree: key similarity, same first author, or shared name words (order swaps)."""
    if _nan(f["authors"]) and _nan(f["author_overlap"]):
        return True
    return (
        (not _nan(f["authors"]) and f["authors"] >= threshold)
        or f["first_author"] == 1
        or (not _nan(f["author_overlap"]) and f["author_overlap"] >= 0.6)
    )


def _conflicts(f: dict) -> list[str]:
    """Fields that contradict each other (missing values never conflict)."""
    found = []
    if not _nan(f["year_gap"]) and f["year_gap"] > 1 and not _same_issue_same_work(f):
        found.append("years differ")
    exact_twin = f["title"] >= 98 and f["authors"] >= 90 and f["page"] == 1 and f["year_gap"] == 0
    if f["volume"] == 0 and not exact_twin:  # issue numbers often land in volume fields
        found.append("volumes differ")
    if f["issue"] == 0 and f["volume"] == 1 and not f["range_same"]:
        found.append("issues differ within the same volume")
    if f["page"] == 0:
        found.append("pages differ")
    same_citation = f["title"] >= 98 and f["page"] == 1 and f["volume"] == 1 and f["year_gap"] == 0
    if not _authors_ok(f, 50) and not same_citation:
        found.append("authors differ")
    if f["numbers"] == 0:
        found.append("numbers in the titles differ (parts, doses, years)")
    return found


def _same_issue_same_work(f: dict) -> bool:
    """Same venue, volume and issue, near-identical title and the same authors: the issue fixes
    the year, so a year that disagrees is one database's error, not another work."""
    return _same_issue_and_authors(f) and _title_close(f, 95) and f["title_len"] >= 30 and f["page"] != 0


def _same_issue_and_authors(f: dict) -> bool:
    """Same venue, volume and issue, and the same authors (key >= 90 or shared name words)."""
    return (
        f["venue"] == 1 and f["volume"] == 1 and f["issue"] == 1 and (f["authors"] >= 90 or f["author_overlap"] >= 0.8)
    )


def _same_item_repaginated(f: dict, conflicts: list[str]) -> bool:
    """The same item where one record has no abstract: the whole normalised title (60
    characters or more) and the author list identical, in the same venue, volume and year,
    with no issue, number or abstract against it, and not two page ranges that do not overlap.
    Only the first pages differ: an abstract number beside a page, a page count, or ranges
    that overlap (a misprint in one database).  Two works with one long title and one author
    list in one volume are companion papers, which differ in numbers ("Part 2"), abstracts or
    page ranges, or errata, which sit in another issue."""
    return (
        conflicts == ["pages differ"]
        and f["title"] == 100
        and f["title_len"] >= 60
        and f["authors"] >= 95
        and f["year_gap"] == 0
        and f["venue"] == 1
        and f["volume"] == 1
        and _nan(f["abstract"])
        and (f["issue"] == 1 or not f["issue_text_differs"])
        and f["numbers"] != 0
        and not f["ranges_disjoint"]
        and not f["meetings_differ"]  # an encore abstract at another meeting
    )


def _same_work_elsewhere(f: dict, conflicts: list[str]) -> bool:
    """Identical long title, authors, year and abstract: the same item in another database's
    pagination (the abstract is the positive agreement that outweighs the page conflict)."""
    return (
        len(conflicts) == 1
        and conflicts[0] in ("volumes differ", "pages differ")
        and f["title"] >= 99.5
        and f["authors"] >= 90
        and f["year_gap"] == 0
        and f["title_len"] >= 40
        and f["venue"] == 1
        and f["abstract"] >= 90
    )


def _same_place(f: dict, t: Thresholds) -> Decision | None:
    """Same venue, year, volume, issue and first page: one article, however titled."""
    located = f["page"] == 1 and f["volume"] == 1 and f["year_gap"] == 0 and (f["issue"] != 0 or f["range_same"])
    if f["title_prefix"] and f["authors"] >= 90 and located:
        return "merge", "one title holds the other (subtitle or heading); authors, year, volume and first page agree"
    if not (located and f["venue"] != 0 and f["journal_both"]):
        return None
    if f["title"] >= 98 and (f["title_len"] >= 30 or f["venue"] == 1):
        return "merge", "identical title at the same venue, year, volume and first page"
    translated_ok = f["authors"] >= 90 or f["authors_prefix"] or f["author_overlap"] >= 0.8
    if translated_ok and f["venue"] == 1 and f["issue"] == 1 and f["range_full"] and not f["conference_any"]:
        return "merge", "translated or reworded title: identical authors, venue, year, volume, issue and page range"
    if f["title"] >= t.translated and translated_ok and not f["conference_any"] and f["venue"] == 1:
        return "merge", "same authors, venue, year, volume, issue and first page; the title is translated or reworded"
    return None


def _conflicting(f: dict) -> Decision | None:
    """Contradicting fields make a pair distinct, except the same abstract under other pages."""
    conflicts = _conflicts(f)
    if not conflicts:
        return None
    if _same_work_elsewhere(f, conflicts):
        return "merge", "identical title, authors, year and abstract; " + conflicts[
            0
        ] + " (another database's pagination)"
    if _same_item_repaginated(f, conflicts):
        return "merge", (
            "identical long title and author list in the same venue, volume and year; only the "
            "pages differ (another database's pagination)"
        )
    if _title_close(f, 95) and conflicts == ["years differ"] and _support(f) >= 4 - _short(f):
        return "review", "titles agree but years differ"
    return "distinct", "veto: " + "; ".join(conflicts)


def _support(f: dict) -> int:
    """How many independent fields agree (page, volume, issue, year, authors, abstract, venue)."""
    return sum(
        [
            f["page"] == 1,
            f["volume"] == 1,
            f["year_gap"] == 0,
            f["authors"] >= 85 or f["author_overlap"] >= 0.8,
            f["abstract"] >= 90,
            f["venue"] == 1,
        ]
    )


def _bare_citation_identical(f: dict, t: Thresholds) -> bool:
    """Records with no venue, volume or pages on either side whose whole citation agrees:
    long near-identical title, same year, and identical author lists or abstracts."""
    bare = _nan(f["venue"]) and _nan(f["volume"]) and _nan(f["page"]) and _nan(f["issue"])
    agree = (f["authors"] >= 95 and f["title"] >= 98) or (f["abstract"] >= 95 and f["title"] >= t.bare_title)
    return bare and f["year_gap"] == 0 and f["title_len"] >= 30 and agree


def _short(f: dict) -> bool:
    return f["title_len"] < 30


def _headed_in_same_issue(f: dict) -> bool:
    """One title is the other under a heading ("Issues and Opinions", "Special Issue: …"), with
    the same authors in the same venue, volume and issue, and nothing in conflict."""
    return _same_issue_and_authors(f) and not _conflicts(f)


def _decide_on_content(f: dict, t: Thresholds) -> Decision:
    """Bibliographic rules: same place, title closeness, conflicts, then agreement."""
    decision = _same_place(f, t)
    if decision:
        return decision
    if f["title_prefix"] and _headed_in_same_issue(f):
        return "merge", "one title holds the other under a section heading; authors, venue, volume and issue agree"
    if not _title_close(f, 80):
        return "distinct", "titles differ"
    decision = _conflicting(f)
    if decision:
        return decision
    if f["conference_mix"] and f["title"] < 99.5:
        return "review", "a conference abstract and an article with slightly different titles"
    if f["title_swap"] and not f["abstract"] >= 99.5:  # "adult" vs "adolescent": only the same place
        # (above) or one abstract, word for word, can merge these
        if f["title"] < 90:
            return _TITLES_DIFFER
        if f["venue"] == 0:
            return "distinct", "titles differ by a swapped word and venues differ"
        return "review", "titles alike but one word swapped for another"
    if f["title"] >= t.title_merge and _authors_ok(f, t.authors) and _support(f) >= 3 + _short(f):
        return "merge", "titles, authors, year and more agree"
    if f["title"] >= 90 and f["authors"] >= 85 and _support(f) >= 4 + _short(f):
        return "merge", "near-identical titles with matching authors and details"
    if _bare_citation_identical(f, t):
        return "merge", "near-identical citation: title, authors or abstract, and year agree; nothing else recorded"
    if f["title"] >= 90:
        return "review", "similar titles, too little corroboration"
    return "distinct", "titles differ"


def decide_pairs(scored: pd.DataFrame, t: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """Add ``decision``, ``reason`` (rule and the fields that agreed) and a ``score`` (0–1)."""
    rows = scored.to_dict(orient="records")
    decisions = [decide_pair(row, t) for row in rows]
    out = scored.copy()
    out["decision"] = [d for d, _ in decisions]
    out["reason"] = [
        reason if reason == "titles differ" else f"{reason} [{evidence(row)}]"
        for row, (_, reason) in zip(rows, decisions)
    ]
    weights = np.nan_to_num(scored[["title", "authors", "abstract"]].to_numpy(), nan=0.0)
    out["score"] = (0.6 * weights[:, 0] + 0.3 * weights[:, 1] + 0.1 * weights[:, 2]) / 100
    return out
