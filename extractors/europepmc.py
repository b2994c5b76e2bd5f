"""Europe PMC: REST search with ``cursorMark`` paging, parsed into :class:`Record`.

Europe PMC indexes PubMed (source ``MED``), PMC, Agricola and preprints (source ``PPR``), so it
finds records PubMed lacks.  The REST search (``GET {base}/search?query=…&format=json``) pages
with an opaque ``cursorMark``: the first request sends ``*``, each answer carries
``nextCursorMark``, and the last page repeats the cursor it was given (or has no results).

Base URL: ``$HAIRMETA_EUROPEPMC_URL``, default
``https://www.ebi.ac.uk/europepmc/webservices/rest``.  Europe PMC publishes no numeric rate
limit; we stay at 5 requests per second (our choice, polite and well below what the service
tolerates).  ``resultType=core`` gives authors, journal details and the abstract; the parser also
reads the ``lite`` and ``idlist`` shapes.
"""

from __future__ import annotations

import re
from typing import Iterable

from hairmeta.evidence.library.records import Author, Link, Record, normalize_doi, split_translated_title, strip_markup
from hairmeta.extractors.base import SearchReport
from hairmeta.extractors.rest import (
    JsonApi,
    Page,
    Progress,
    clamp_batch,
    cursor_pages,
    env_url,
    polite_limiter,
    store_pages,
)

SOURCE = "europepmc"
DEFAULT_URL = "https://www.ebi.ac.uk/europepmc/webservices/rest"
RATE = 5.0
PAGE_SIZE, MAX_PAGE_SIZE = 200, 1000
_INITIALS = re.compile(r"^[A-Z\u00C0-\u024F]{1,4}$")


def client(**overrides) -> JsonApi:
    """A :class:`JsonApi` for Europe PMC (base URL from ``$HAIRMETA_EUROPEPMC_URL``)."""
    settings = dict(name=SOURCE, base_url=env_url("HAIRMETA_EUROPEPMC_URL", DEFAULT_URL), limiter=polite_limiter(RATE))
    settings.update(overrides)
    return JsonApi(**settings)


def date_query(term: str, since: str | None, until: str | None) -> str:
    """``term`` limited to a window of the date Europe PMC first indexed a record (``FIRST_IDATE``).

    The index date, not the publication date, so a rerun "since the last run" also finds
    records of any publication date that arrived in the meantime (PubMed's Entrez date plays
    the same role).

    >>> date_query("prp", "2020-01-01", None)
    '(prp) AND FIRST_IDATE:[2020-01-01 TO 9999-12-31]'
    """
    if not since and not until:
        return term
    return f"({term}) AND FIRST_IDATE:[{since or '1000-01-01'} TO {until or '9999-12-31'}]"


def search_into(
    store,
    term: str,
    *,
    since: str | None = None,
    until: str | None = None,
    max_records: int | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
    search_id: int | None = None,
    api: JsonApi | None = None,
) -> SearchReport:
    """Search Europe PMC for ``term`` and store every hit (``resultType=core``) in ``store``.

    Pages follow ``cursorMark`` to the end (or ``max_records``); a page that still fails after
    the retries ends the run, keeps the pages before it and is named in ``SearchReport.failed``.
    ``since``/``until`` (``YYYY-MM-DD``) filter on the first index date (:func:`date_query`).
    """
    api = api or client()
    size = clamp_batch(batch_size, PAGE_SIZE, MAX_PAGE_SIZE)
    if max_records:
        size = min(size, max_records)
    query = date_query(term, since, until)

    def fetch(cursor: str) -> tuple[Page, str | None]:
        params = {"query": query, "format": "json", "resultType": "core", "pageSize": size, "cursorMark": cursor}
        body = api.get("/search", params)
        page = Page(parse_europepmc(body), _int(body.get("hitCount")), f"cursorMark {cursor}")
        nxt = body.get("nextCursorMark")
        return page, (nxt if nxt and nxt != cursor else None)

    return store_pages(
        store,
        SOURCE,
        term,
        cursor_pages(fetch, "*"),
        since=since,
        until=until,
        max_records=max_records,
        progress=progress,
        search_id=search_id,
    )


def parse_europepmc(body: dict) -> list[Record]:
    """Records from one Europe PMC search answer (``core``, ``lite`` or ``idlist`` results)."""
    results = (body.get("resultList") or {}).get("result") or []
    return [parse_result(item) for item in results]


def parse_result(item: dict) -> Record:
    """One Europe PMC result (any ``resultType``) as a :class:`Record`."""
    source, ident = item.get("source", ""), str(item.get("id", ""))
    title, translated = split_translated_title(strip_markup(item.get("title")))
    journal = item.get("journalInfo") or {}
    return Record(
        pmid=str(item.get("pmid") or (ident if source == "MED" else "")),
        doi=normalize_doi(item.get("doi")),
        pmcid=str(item.get("pmcid") or ""),
        title=title,
        title_translated=translated,
        abstract=strip_markup(_paragraphs(item.get("abstractText"))),
        authors=_authors(item),
        journal=_journal_title(item),
        iso_abbreviation=str((journal.get("journal") or {}).get("isoabbreviation") or ""),
        year=_year(item),
        volume=str(journal.get("volume") or item.get("journalVolume") or ""),
        issue=str(journal.get("issue") or item.get("issue") or ""),
        pages=str(item.get("pageInfo") or ""),
        publication_types=_pub_types(item),
        mesh_terms=tuple(h.get("descriptorName", "") for h in _listed(item, "meshHeadingList", "meshHeading")),
        languages=tuple(filter(None, [item.get("language", "")])),
        links=tuple(_links(item)),
        source_ids=((SOURCE, f"{source}:{ident}"),) if ident else (),
        url=f"https://europepmc.org/article/{source}/{ident}" if source and ident else "",
    )


def _listed(item: dict, outer: str, inner: str) -> list:
    return (item.get(outer) or {}).get(inner) or []


def _paragraphs(text: str | None) -> str:
    """Keep section breaks of HTML abstracts as spaces before the tags are stripped."""
    return re.sub(r"</?(?:h\d|p|br)\s*/?>", " ", text or "")


def _authors(item: dict) -> tuple[Author, ...]:
    listed = _listed(item, "authorList", "author")
    if listed:
        return tuple(_core_author(a) for a in listed)
    return tuple(author_from_string(part) for part in _split_author_string(item.get("authorString")))


def _core_author(entry: dict) -> Author:
    if entry.get("collectiveName"):
        return Author(collective_name=entry["collectiveName"])
    if not entry.get("lastName"):
        return author_from_string(entry.get("fullName", ""))
    return Author(last_name=entry["lastName"], fore_name=entry.get("firstName", ""), initials=entry.get("initials", ""))


def _split_author_string(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").strip().rstrip(".").split(",") if p.strip()]


def author_from_string(name: str) -> Author:
    """``"Haas-Kogan DA"`` -> Author(last_name="Haas-Kogan", initials="DA"); else a collective name."""
    parts = name.strip().rstrip(".").rsplit(" ", 1)
    if len(parts) == 2 and _INITIALS.match(parts[1]):
        return Author(last_name=parts[0], initials=parts[1])
    return Author(collective_name=name.strip())


def _journal_title(item: dict) -> str:
    journal = ((item.get("journalInfo") or {}).get("journal") or {}).get("title")
    book = (item.get("bookOrReportDetails") or {}).get("publisher")
    return str(journal or item.get("journalTitle") or book or "")


def _year(item: dict) -> int | None:
    for value in (
        item.get("pubYear"),
        (item.get("journalInfo") or {}).get("yearOfPublication"),
        (item.get("bookOrReportDetails") or {}).get("yearOfPublication"),
    ):
        year = _int(value)
        if year:
            return year
    return None


def _pub_types(item: dict) -> tuple[str, ...]:
    types = list(_listed(item, "pubTypeList", "pubType"))
    if not types and item.get("pubType"):
        types = [t.strip() for t in str(item["pubType"]).split(";") if t.strip()]
    if item.get("source") == "PPR" and not any(t.lower() == "preprint" for t in types):
        types.append("Preprint")
    return tuple(types)


def _links(item: dict) -> Iterable[Link]:
    for entry in _listed(item, "commentCorrectionList", "commentCorrection"):
        kind = "".join(w.capitalize() for w in str(entry.get("type", "")).split())
        if kind:
            pmid = str(entry.get("id", "")) if entry.get("source") == "MED" else ""
            yield Link(ref_type=kind, pmid=pmid, ref_source=str(entry.get("reference") or ""))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
