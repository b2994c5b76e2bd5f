"""Crossref: DOI look-up and bibliographic search in the polite pool, parsed into :class:`Record`.

This is how records outside PubMed (such as the *Dermis* case series) get their metadata.
Requests go to ``$HAIRMETA_CROSSREF_URL`` (default ``https://api.crossref.org``) with the user's
address (``$HAIRMETA_MAILTO``, else ``$NCBI_EMAIL``) as ``mailto`` parameter and in the
User-Agent, which routes them to Crossref's "polite" pool.

Rate limits: Crossref states its current limits in every answer's headers
(``x-rate-limit-limit`` requests per ``x-rate-limit-interval``, and ``x-concurrency-limit``).
The recorded answers in ``../shared/fixtures/crossref`` (public pool, June 2026) say 5 per 1 s
and concurrency 1, so we start there and re-read the headers after every answer.  Requests of
one client never overlap, which satisfies any concurrency limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import quote

from hairmeta.evidence.errors import DataError, SourceError
from hairmeta.evidence.library.export import flat_record
from hairmeta.evidence.library.records import Author, Link, Record, normalize_doi, strip_markup
from hairmeta.extractors.base import SearchReport
from hairmeta.extractors.http import RateLimiter
from hairmeta.extractors.rest import (
    VERSION,
    JsonApi,
    NotFound,
    Page,
    Progress,
    clamp_batch,
    contact_email,
    cursor_pages,
    env_url,
    polite_limiter,
    set_limit,
    store_pages,
)

SOURCE = "crossref"
DEFAULT_URL = "https://api.crossref.org"
RATE = 5.0
ROWS, MAX_ROWS = 100, 1000
_NAMESPACED_TAG = re.compile(r"</?[A-Za-z][\w.-]*:[\w.-]+(?:\s[^<>]*)?/?>")
_UPDATE_NAMES = {
    "correction": ("ErratumIn", "ErratumFor"),
    "erratum": ("ErratumIn", "ErratumFor"),
    "retraction": ("RetractionIn", "RetractionOf"),
    "expression_of_concern": ("ExpressionOfConcernIn", "ExpressionOfConcernFor"),
}


def client(**overrides) -> JsonApi:
    """A Crossref :class:`JsonApi`: polite-pool User-Agent, limiter adapted from headers."""
    limiter = overrides.pop("limiter", None) or polite_limiter(RATE)
    email = contact_email()
    agent = f"hairmeta/{VERSION}" + (f" (mailto:{email})" if email else "")
    settings = dict(
        name=SOURCE,
        base_url=env_url("HAIRMETA_CROSSREF_URL", DEFAULT_URL),
        limiter=limiter,
        headers={"User-Agent": agent},
        on_response=lambda response: adapt_limiter(limiter, response.headers),
    )
    settings.update(overrides)
    return JsonApi(**settings)


def rate_from_headers(headers) -> tuple[int, float] | None:
    """``(limit, interval_seconds)`` from Crossref's ``x-rate-limit-*`` headers; None if absent.

    >>> rate_from_headers({"x-rate-limit-limit": "5", "x-rate-limit-interval": "1s"})
    (5, 1.0)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*", headers.get("x-rate-limit-interval") or "")
    try:
        limit = int(headers.get("x-rate-limit-limit") or "")
    except ValueError:
        return None
    if not match or limit <= 0:
        return None
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0}[match.group(2) or "s"]
    interval = float(match.group(1)) * scale
    return (limit, interval) if interval > 0 else None


def adapt_limiter(limiter: RateLimiter, headers) -> None:
    """Make ``limiter`` allow ``limit`` requests per ``interval`` as the headers say (+ headroom)."""
    parsed = rate_from_headers(headers)
    if parsed is None:
        return
    set_limit(limiter, *parsed)


def _params(extra: dict | None = None) -> dict:
    email = contact_email()
    params = {"mailto": email} if email else {}
    params.update(extra or {})
    return params


def lookup_doi(doi: str, *, api: JsonApi | None = None) -> Record:
    """Crossref metadata of one DOI as a :class:`Record`.

    Raises
    ------
    DataError
        ``doi`` is not a DOI (``10.…``, optionally as ``https://doi.org/…`` or ``doi:…``).
    SourceError
        Crossref does not know the DOI (404: ``DOI not found in Crossref: …``) or failed.
    """
    normalized = normalize_doi(doi)
    if not normalized or "/" not in normalized:
        raise DataError(f"not a DOI: {doi!r} (expected 10.NNNN/…)", field="doi")
    api = api or client()
    try:
        body = api.get("/works/" + quote(normalized, safe="/()"), _params())
    except NotFound:
        raise SourceError(f"DOI not found in Crossref: {normalized}") from None
    return parse_crossref_work(body)


@dataclass(frozen=True)
class Lookup:
    """A DOI's Crossref record and, when stored, its library id and what storing did."""

    record: Record
    record_id: int | None = None
    status: str = ""  # "new", "updated" or "unchanged" when stored

    def to_row(self) -> dict:
        """Flat fields for ``emit`` (record id and storage status first when stored)."""

        stored = {"record_id": self.record_id, "stored": self.status} if self.record_id else {}
        links = "; ".join(f"{link.ref_type} {link.ref_source}" for link in self.record.links)
        return {**stored, **flat_record(self.record), "links": links}


def lookup(doi: str, *, store=None, api: JsonApi | None = None) -> Lookup:
    """:func:`lookup_doi`, and with a ``store`` the record upserted there with source ``crossref``."""
    record = lookup_doi(doi, api=api)
    if store is None:
        return Lookup(record)
    counts = store.upsert_records([record], source=SOURCE, source_ids=[record.doi])
    status = "new" if counts.new else ("updated" if counts.updated else "unchanged")
    return Lookup(record, store.find(doi=record.doi), status)


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
    """Bibliographic query (``query.bibliographic``) with cursor paging, stored in ``store``.

    ``since``/``until`` (``YYYY-MM-DD``) become ``from-created-date``/``until-created-date``
    filters (when the DOI was first registered, so a rerun finds what arrived since).
    Paging starts at ``cursor=*`` and follows ``next-cursor`` until a page has fewer items
    than asked for; a page failing for good ends the run and is reported.
    """
    api = api or client()
    rows = clamp_batch(batch_size, ROWS, MAX_ROWS)
    if max_records:
        rows = min(rows, max_records)
    base = _params({"query.bibliographic": term, "rows": rows})
    filters = [f"from-created-date:{since}"] * bool(since) + [f"until-created-date:{until}"] * bool(until)
    if filters:
        base["filter"] = ",".join(filters)

    def fetch(cursor: str) -> tuple[Page, str | None]:
        message = api.get("/works", {**base, "cursor": cursor}).get("message") or {}
        items = message.get("items") or []
        page = Page([parse_crossref_work(i) for i in items], message.get("total-results"), f"cursor {cursor}")
        return page, (message.get("next-cursor") if len(items) >= rows else None)

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


def parse_crossref_work(body: dict) -> Record:
    """A Crossref work (a ``/works/{doi}`` answer or one item of a work list) as a Record."""
    work = body["message"] if body.get("message-type") == "work" else body
    doi = normalize_doi(work.get("DOI"))
    return Record(
        doi=doi,
        title=_clean(_first(work.get("title"))),
        abstract=_clean(work.get("abstract")),
        authors=tuple(_author(a) for a in work.get("author") or []),
        journal=_clean(_first(work.get("container-title"))),
        iso_abbreviation=_clean(_first(work.get("short-container-title"))),
        year=work_year(work),
        volume=str(work.get("volume") or ""),
        issue=str(work.get("issue") or ""),
        pages=str(work.get("page") or work.get("article-number") or ""),
        publication_types=_types(work),
        languages=tuple(filter(None, [work.get("language")])),
        links=tuple(_links(work)),
        source_ids=((SOURCE, doi),) if doi else (),
        url=str(work.get("URL") or (f"https://doi.org/{doi}" if doi else "")),
    )


def _first(values) -> str:
    return values[0] if isinstance(values, list) and values else (values if isinstance(values, str) else "")


def _clean(text: str | None) -> str:
    """Strip JATS (``<jats:p>``) and inline markup; drop a leading "Abstract" heading."""
    cleaned = strip_markup(_NAMESPACED_TAG.sub(" ", text or ""))
    return re.sub(r"^Abstract\s+", "", cleaned)


def _author(entry: dict) -> Author:
    if entry.get("family"):
        given = entry.get("given", "")
        initials = "".join(p[0] for p in re.split(r"[\s.\-]+", given) if p).upper()
        return Author(last_name=entry["family"], fore_name=given, initials=initials)
    return Author(collective_name=entry.get("name", "") or entry.get("given", ""))


def work_year(work: dict) -> int | None:
    """Year of ``issued`` (Crossref's earliest publication date), else of ``published*``.

    ``issued`` can be ``{"date-parts": [[null]]}`` (undated works): then the next field is used.
    """
    for key in ("issued", "published", "published-print", "published-online"):
        parts = (work.get(key) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and parts[0][0]:
            return int(parts[0][0])
    return None


def _types(work: dict) -> tuple[str, ...]:
    types = [t for t in (work.get("type"), work.get("subtype")) if t]
    return tuple("Preprint" if t == "preprint" else t for t in types)


def _links(work: dict) -> Iterable[Link]:
    for field, position in (("updated-by", 0), ("update-to", 1)):
        for update in work.get(field) or []:
            kind = str(update.get("type", "")).lower()
            names = _UPDATE_NAMES.get(kind)
            name = names[position] if names else kind.title().replace("_", "") + ("In", "For")[position]
            yield Link(ref_type=name, ref_source=f"doi:{normalize_doi(update.get('DOI'))}")
