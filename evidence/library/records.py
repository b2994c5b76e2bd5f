"""The typed bibliographic record every source produces and the library stores.

Field names follow PubMed's where one exists.  Normalisation helpers here are the ones every
extractor needs (DOI, inline markup, translated titles); the de-duplication keys live in
``hairmeta.evidence.library.dedup``.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import asdict, dataclass, replace

from hairmeta.evidence.errors import DataError

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Author:
    """One author: person (last, fore, initials) or a collective name."""

    last_name: str = ""
    fore_name: str = ""
    initials: str = ""
    collective_name: str = ""

    def display(self) -> str:
        """``Last FI`` for a person, the collective name otherwise."""
        if self.collective_name:
            return self.collective_name
        return f"{self.last_name} {self.initials}".strip()


@dataclass(frozen=True)
class Link:
    """A CommentsCorrections link (e.g. ``ErratumIn``, ``RetractionIn``, ``CommentOn``)."""

    ref_type: str
    pmid: str = ""
    ref_source: str = ""


@dataclass(frozen=True)
class Record:
    """One bibliographic record, whatever its source.

    ``title_translated`` is True when the source title was a translation (PubMed puts those in
    square brackets); the brackets are removed from ``title`` and the fact kept here.
    """

    pmid: str = ""
    doi: str = ""
    pmcid: str = ""
    title: str = ""
    title_translated: bool = False
    vernacular_title: str = ""
    abstract: str = ""
    authors: tuple[Author, ...] = ()
    journal: str = ""
    iso_abbreviation: str = ""
    year: int | None = None
    volume: str = ""
    issue: str = ""
    pages: str = ""
    publication_types: tuple[str, ...] = ()
    mesh_terms: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    source_ids: tuple[tuple[str, str], ...] = ()  # e.g. (("europepmc", "PMC123"), ("nct", "NCT0…"))
    url: str = ""
    entrez_date: str = ""  # PubMed EDAT (YYYY-MM-DD) when known

    def key(self) -> str:
        """Stable identity: ``pmid:…``, else ``doi:…``, else a content hash of the citation.

        The hash covers title, year, authors, journal, volume, issue and pages: only an exact
        copy of a citation collapses on import.  The same title by the same authors in the same
        year can be two publications (a guideline printed in two journals); telling near-copies
        apart is ``hairmeta.evidence.library.dedup``'s job, which records its decisions and can undo them.
        """
        if self.pmid:
            return f"pmid:{self.pmid}"
        if self.doi:
            return f"doi:{self.doi}"
        for kind, value in self.source_ids:
            if value:
                return f"{kind}:{value}"
        basis = "|".join(
            [
                self.title.casefold(),
                str(self.year or ""),
                ";".join(a.display().casefold() for a in self.authors),
                self.journal.casefold(),
                self.volume,
                self.issue,
                self.pages,
            ]
        )
        return "hash:" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]

    def with_changes(self, **changes) -> Record:
        """A copy with some fields replaced (records are immutable)."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain dict (nested dataclasses become dicts, tuples lists) for JSON."""
        return asdict(self)


def normalize_doi(raw: str | None) -> str:
    """Lower-case DOI without ``https://doi.org/`` or ``doi:`` prefixes; ``""`` if none.

    >>> normalize_doi(" https://doi.org/10.1000/ABC.1 ")
    '10.1000/abc.1'
    """
    if not raw:
        return ""
    doi = _DOI_PREFIX.sub("", raw.strip()).strip().rstrip(".")
    return doi.lower() if doi.startswith("10.") else ""


def strip_markup(text: str | None) -> str:
    """Remove inline tags (``<i>``, ``<sup>``…), unescape entities and fold white space."""
    if not text:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", text))).strip()


def split_translated_title(title: str) -> tuple[str, bool]:
    """``"[Title in English]."`` -> ``("Title in English.", True)``; others unchanged."""
    stripped = title.strip()
    match = re.fullmatch(r"\[(.*)\](\.?)", stripped, flags=re.DOTALL)
    if match:
        return match.group(1).strip() + match.group(2), True
    return stripped, False


_PMID = re.compile(r"\d{1,9}")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def parse_author(text: str) -> Author:
    """``"Last, First Middle"`` → a person (initials derived); text without a comma → a
    collective name (``"PRP Study Group"``)."""
    text = " ".join(text.split())
    if "," not in text:
        return Author(collective_name=text)
    last, fore = (part.strip() for part in text.split(",", 1))
    initials = "".join(p[0].upper() for p in re.split(r"[\s.\-]+", fore) if p)
    return Author(last_name=last, fore_name=fore, initials=initials)


def manual_record(
    *,
    title: str,
    authors: list[str] | tuple[str, ...] = (),
    year: int | str | None = None,
    journal: str = "",
    volume: str = "",
    issue: str = "",
    pages: str = "",
    doi: str = "",
    url: str = "",
    pmid: str = "",
    max_year: int | None = None,
) -> Record:
    """A hand-entered record, validated field by field (:class:`DataError` names the field).

    Title is required; the year must be four digits between 1800 and next year; a DOI must
    normalise (``10.xxxx/…``, with or without ``https://doi.org/``); a PMID is digits; a URL is
    http(s).
    """
    from datetime import date

    title = strip_markup(title)
    if not title:
        raise DataError("a title is required", field="title")
    latest = max_year or date.today().year + 1
    year_text = str(year).strip() if year not in (None, "") else ""
    if year_text and not (re.fullmatch(r"\d{4}", year_text) and 1800 <= int(year_text) <= latest):
        raise DataError(f"{year_text!r} is not a four-digit year between 1800 and {latest}", field="year")
    norm_doi = normalize_doi(doi)
    if doi and not norm_doi:
        raise DataError(f"{doi!r} is not a DOI (expected 10.xxxx/…)", field="doi")
    if pmid and not _PMID.fullmatch(pmid.strip()):
        raise DataError(f"{pmid!r} is not a PMID (digits only)", field="pmid")
    if url and not _URL.fullmatch(url.strip()):
        raise DataError(f"{url!r} is not an http(s) URL", field="url")
    people = tuple(parse_author(a) for a in authors if a.strip())
    text, translated = split_translated_title(title)
    return Record(
        pmid=pmid.strip(),
        doi=norm_doi,
        title=text,
        title_translated=translated,
        authors=people,
        journal=journal.strip(),
        year=int(year_text) if year_text else None,
        volume=volume.strip(),
        issue=issue.strip(),
        pages=pages.strip(),
        url=url.strip(),
    )
