"""The review's search protocol (``data/protocol.toml``) and the search/update runs built on it.

``run_searches`` is what ``hairmeta search`` calls: one term, or (no term) every search of the
protocol, through the source module named in ``extractors.base.SOURCE_MODULES``.
``update_searches`` is ``hairmeta update``: every saved search again, for records entered since
its last run.
"""

from __future__ import annotations

import importlib
import inspect
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType

from hairmeta.evidence.errors import DataError, SourceError, UnknownNameError
from hairmeta.evidence.paths import data_file
from hairmeta.extractors.base import SOURCE_MODULES, SearchReport

PROTOCOL_FILE = "protocol.toml"


@dataclass(frozen=True)
class ProtocolSearch:
    """One search of the protocol."""

    name: str
    source: str
    term: str
    since: str | None = None
    until: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Protocol:
    """The review question and its searches."""

    title: str
    question: str
    searches: tuple[ProtocolSearch, ...]


def load_protocol(path: str | Path | None = None) -> Protocol:
    """Read and validate a protocol file (default: the shipped ``data/protocol.toml``).

    Problems raise :class:`DataError` naming the file, the search number and the field.
    """
    path = Path(path) if path else data_file(PROTOCOL_FILE)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(str(exc), file=str(path)) from exc
    review = raw.get("review", {})
    searches = tuple(_search(path, i, item) for i, item in enumerate(raw.get("searches", []), 1))
    if not searches:
        raise DataError("no [[searches]] entries", file=str(path), field="searches")
    return Protocol(review.get("title", ""), review.get("question", ""), searches)


def _search(path: Path, number: int, item: dict) -> ProtocolSearch:

    for key in ("name", "source", "term"):
        if not str(item.get(key, "")).strip():
            raise DataError(f"{key} is required", file=str(path), row=number, field=key)
    if item["source"] not in SOURCE_MODULES:
        raise DataError(
            f"unknown source {item['source']!r}; valid: {', '.join(SOURCE_MODULES)}",
            file=str(path),
            row=number,
            field="source",
        )
    for key in ("since", "until"):
        if item.get(key) is not None:
            try:
                date.fromisoformat(str(item[key]))
            except ValueError:
                raise DataError("expected YYYY-MM-DD", file=str(path), row=number, field=key) from None
    return ProtocolSearch(
        name=item["name"],
        source=item["source"],
        term=" ".join(item["term"].split()),
        since=_opt(item.get("since")),
        until=_opt(item.get("until")),
        description=item.get("description", ""),
    )


def _opt(value) -> str | None:
    return str(value) if value is not None else None


def source_module(name: str) -> ModuleType:
    """The extractor module for a source name; SourceError when it is not installed yet."""

    if name not in SOURCE_MODULES:
        raise UnknownNameError("source", name, list(SOURCE_MODULES))
    try:
        module = importlib.import_module(SOURCE_MODULES[name])
    except ImportError as exc:
        raise SourceError(f"source {name!r} is not available") from exc
    if not hasattr(module, "search_into"):
        raise SourceError(f"source {name!r} is not available")
    return module


def validate_day(text: str | None, field: str) -> str | None:
    """``YYYY-MM-DD`` or None; DataError naming the option otherwise."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise DataError(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None


def run_searches(
    store,
    term: str | None = None,
    *,
    source: str = "pubmed",
    since: str | None = None,
    until: str | None = None,
    max_records: int | None = None,
    batch_size: int = 500,
    progress=None,
    protocol: Protocol | None = None,
) -> list:
    """Run one search (``term``) or, with no term, every protocol search; store the records.

    Returns one :class:`~extractors.base.SearchReport` per search.  Each run is saved with its
    date so :func:`update_searches` can continue from it.
    """
    since, until = validate_day(since, "--since"), validate_day(until, "--until")
    if max_records is not None and max_records < 1:
        raise DataError("must be at least 1", field="--max")
    if term is not None and term.strip():
        jobs = [ProtocolSearch("", source, term.strip(), since, until)]
    else:
        plan = protocol or load_protocol()
        jobs = [ProtocolSearch(s.name, s.source, s.term, since or s.since, until or s.until) for s in plan.searches]
    for job in jobs:  # before any request: an empty window is a mistake, not "0 records"
        if job.since and job.until and job.since > job.until:
            name = f" (protocol search {job.name!r})" if job.name else ""
            raise DataError(f"{job.since} is after --until {job.until}{name}: no record can match", field="--since")
    reports = []
    for job in jobs:
        module = source_module(job.source)
        search_id = store.save_search(job.source, job.term, job.since, job.until)
        report = _call(
            module,
            store,
            job.term,
            since=job.since,
            until=job.until,
            max_records=max_records,
            batch_size=batch_size,
            progress=progress,
            search_id=search_id,
        )
        _mark(store, search_id, report, date.today().isoformat(), previous=None)
        reports.append(report)
    return reports


def update_searches(store, *, progress=None, today: str | None = None) -> list:
    """Re-run every saved search for records entered since its last run (Entrez date).

    A run that had failed batches does not move the search's last-run date, so the next
    update covers the same period again (and resumes the failed batches).
    """
    today = today or date.today().isoformat()
    reports = []
    for saved in store.searches():
        try:
            module = source_module(saved.source)
        except (SourceError, UnknownNameError) as exc:  # e.g. a source not installed here
            reports.append(SearchReport(saved.source, saved.term, failed=(str(exc),)))
            continue
        since = max(d for d in (saved.last_run, saved.since, "") if d is not None) or None
        report = _call(
            module,
            store,
            saved.term,
            since=since,
            until=saved.until,
            max_records=None,
            batch_size=500,
            progress=progress,
            search_id=saved.id,
        )
        _mark(store, saved.id, report, today, previous=saved.last_run)
        reports.append(report)
    return reports


def _call(module, store, term, *, search_id, **options):
    """``module.search_into``; passes ``search_id`` only to modules that accept it."""
    accepted = inspect.signature(module.search_into).parameters
    if "search_id" in accepted:
        options["search_id"] = search_id
    return module.search_into(store, term, **options)


def _mark(store, search_id: int, report, today: str, previous: str | None) -> None:
    run_date = previous if getattr(report, "failed", ()) else today
    store.mark_search_run(search_id, run_date, report)


def reports_frame(reports):
    """SearchReports as a DataFrame (one row each) for ``emit``."""
    import pandas as pd

    rows = [
        {
            "source": r.source,
            "term": r.term,
            "found": r.found,
            "new": r.new,
            "updated": r.updated,
            "known": r.known,
            "failed": len(r.failed),
            "failures": "; ".join(r.failed),
        }
        for r in reports
    ]
    return pd.DataFrame(rows, columns=["source", "term", "found", "new", "updated", "known", "failed", "failures"])
