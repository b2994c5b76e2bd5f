"""ClinicalTrials.gov API v2: study search with ``pageToken`` paging, parsed into trial Records.

Registered trials (such as exosome-versus-PRP trials) often have no publication yet; storing
their registrations lets a review count them.  ``GET {base}/studies?query.term=…&pageSize=…``
answers ``{"studies": [...], "nextPageToken": …, "totalCount": …}`` (``totalCount`` only when
asked with ``countTotal=true``, on the first page); the last page has no ``nextPageToken``.

Base URL: ``$HAIRMETA_CTGOV_URL``, default ``https://clinicaltrials.gov/api/v2``.  The API
documentation states no numeric limit for anonymous use; we stay at 3 requests per second (our
choice, conservative).
"""

from __future__ import annotations

import re

from hairmeta.evidence.library.records import Author, Record
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

SOURCE = "ctgov"
DEFAULT_URL = "https://clinicaltrials.gov/api/v2"
RATE = 3.0
PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
JOURNAL = "ClinicalTrials.gov"
_FIRST_PAGE = ""


def client(**overrides) -> JsonApi:
    """A :class:`JsonApi` for ClinicalTrials.gov API v2 (base URL from ``$HAIRMETA_CTGOV_URL``)."""
    settings = dict(name=SOURCE, base_url=env_url("HAIRMETA_CTGOV_URL", DEFAULT_URL), limiter=polite_limiter(RATE))
    settings.update(overrides)
    return JsonApi(**settings)


def date_filter(since: str | None, until: str | None) -> str | None:
    """``filter.advanced`` limiting the first-posted date (``StudyFirstPostDate``), or None.

    >>> date_filter("2023-01-01", None)
    'AREA[StudyFirstPostDate]RANGE[2023-01-01,MAX]'
    """
    if not since and not until:
        return None
    return f"AREA[StudyFirstPostDate]RANGE[{since or 'MIN'},{until or 'MAX'}]"


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
    """Search registered studies for ``term`` and store them as trial records in ``store``.

    Pages follow ``nextPageToken`` to the end (or ``max_records``); a page failing for good
    ends the run, keeps the pages before it and is named in ``SearchReport.failed``.
    """
    api = api or client()
    size = clamp_batch(batch_size, PAGE_SIZE, MAX_PAGE_SIZE)
    if max_records:
        size = min(size, max_records)
    base = {"query.term": term, "pageSize": size, "format": "json", "countTotal": "true"}
    advanced = date_filter(since, until)
    if advanced:
        base["filter.advanced"] = advanced

    def fetch(token: str) -> tuple[Page, str | None]:
        body = api.get("/studies", {**base, **({"pageToken": token} if token else {})})
        studies = body.get("studies") or []
        label = f"pageToken {token}" if token else "first page"
        return Page([parse_ctgov_study(s) for s in studies], body.get("totalCount"), label), body.get(
            "nextPageToken"
        ) or None

    return store_pages(
        store,
        SOURCE,
        term,
        cursor_pages(fetch, _FIRST_PAGE),
        since=since,
        until=until,
        max_records=max_records,
        progress=progress,
        search_id=search_id,
    )


def parse_ctgov_study(study: dict) -> Record:
    """One API v2 study as a trial :class:`Record`.

    ``source_ids`` is ``(("nct", NCT id),)``; the title is the official title (else the brief
    one); the year is the start date's; conditions, interventions, design and status become
    abstract-like text so screening can read them.
    """
    protocol = study.get("protocolSection") or {}
    ident = protocol.get("identificationModule") or {}
    nct = str(ident.get("nctId") or "")
    sponsor = ((protocol.get("sponsorCollaboratorsModule") or {}).get("leadSponsor") or {}).get("name")
    return Record(
        title=str(ident.get("officialTitle") or ident.get("briefTitle") or ""),
        abstract=trial_summary(protocol),
        authors=(Author(collective_name=sponsor),) if sponsor else (),
        journal=JOURNAL,
        year=start_year(protocol),
        publication_types=("Clinical Trial Registration",),
        source_ids=(("nct", nct),) if nct else (),
        url=f"https://clinicaltrials.gov/study/{nct}" if nct else "",
    )


def start_year(protocol: dict) -> int | None:
    """Year of ``statusModule.startDateStruct.date`` (``YYYY`` or ``YYYY-MM[-DD]``)."""
    raw = ((protocol.get("statusModule") or {}).get("startDateStruct") or {}).get("date") or ""
    match = re.match(r"(\d{4})", str(raw))
    return int(match.group(1)) if match else None


def trial_summary(protocol: dict) -> str:
    """Abstract-like text: brief title and summary, conditions, interventions, design, status."""
    ident = protocol.get("identificationModule") or {}
    parts = [
        f"Brief title: {ident['briefTitle']}." if ident.get("briefTitle") else "",
        (protocol.get("descriptionModule") or {}).get("briefSummary") or "",
    ]
    conditions = (protocol.get("conditionsModule") or {}).get("conditions") or []
    interventions = (protocol.get("armsInterventionsModule") or {}).get("interventions") or []
    if conditions:
        parts.append("Conditions: " + "; ".join(conditions) + ".")
    if interventions:
        parts.append("Interventions: " + "; ".join(_intervention(i) for i in interventions) + ".")
    parts.append(_design(protocol))
    return " ".join(p.strip() for p in parts if p and p.strip())


def _intervention(entry: dict) -> str:
    kind = str(entry.get("type") or "").replace("_", " ").capitalize()
    return f"{kind}: {entry.get('name', '')}" if kind else str(entry.get("name", ""))


def _design(protocol: dict) -> str:
    design = protocol.get("designModule") or {}
    status = protocol.get("statusModule") or {}
    enrollment = design.get("enrollmentInfo") or {}
    facts = [
        ("Study type", design.get("studyType")),
        ("Phases", ", ".join(design.get("phases") or [])),
        ("Allocation", (design.get("designInfo") or {}).get("allocation")),
        ("Enrollment", " ".join(str(v) for v in (enrollment.get("count"), enrollment.get("type")) if v)),
        ("Status", status.get("overallStatus")),
        ("Start", (status.get("startDateStruct") or {}).get("date")),
    ]
    return " ".join(f"{name}: {value}." for name, value in facts if value)
