"""A polite JSON-over-HTTP client and a paged search loop, shared by the REST sources.

Europe PMC, Crossref and ClinicalTrials.gov all answer JSON to plain GETs and page with an opaque
cursor.  :class:`JsonApi` puts every request behind a rate limiter, a timeout and a bounded
backoff (``extractors.http``) and turns a failure that outlives its retries into a
:class:`~evidence.errors.SourceError` naming the request.  :func:`store_pages` walks the pages of
one search into the library, keeping every page already stored when a later one fails for good.

Test and tuning knobs (environment): ``HAIRMETA_HTTP_TIMEOUT`` (seconds per request, default 30),
``HAIRMETA_HTTP_TRIES`` (attempts per request, default 5), ``HAIRMETA_HTTP_BACKOFF`` (first wait
in seconds, default 1; doubles each retry, capped at 60).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterator
from urllib.parse import urlencode

import requests

from hairmeta.evidence.errors import SourceError
from hairmeta.evidence.library.records import Record
from hairmeta.extractors.base import SearchReport
from hairmeta.extractors.http import RateLimiter, RetryableError, RetryPolicy, call_with_retry, parse_retry_after

VERSION = "0.1.0"
Progress = Callable[[int, "int | None"], None]


def env_url(name: str, default: str) -> str:
    """Base URL from environment variable ``name`` (for a local fake server), else ``default``."""
    return (os.environ.get(name) or default).rstrip("/")


def contact_email() -> str:
    """The user's e-mail for polite pools: ``$HAIRMETA_MAILTO``, else ``$NCBI_EMAIL``, else ``""``."""
    return (os.environ.get("HAIRMETA_MAILTO") or os.environ.get("NCBI_EMAIL") or "").strip()


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def default_policy() -> RetryPolicy:
    """Retry policy from ``HAIRMETA_HTTP_TRIES`` / ``HAIRMETA_HTTP_BACKOFF`` (defaults 5, 1 s)."""
    tries = int(_env_float("HAIRMETA_HTTP_TRIES", 5))
    return RetryPolicy(tries=max(1, tries), base=_env_float("HAIRMETA_HTTP_BACKOFF", 1.0), cap=60.0)


def default_timeout() -> float:
    """Seconds per request from ``HAIRMETA_HTTP_TIMEOUT`` (default 30)."""
    return _env_float("HAIRMETA_HTTP_TIMEOUT", 30.0)


HEADROOM = 0.1  # fraction of each window kept free for network jitter


def polite_limiter(limit: float, interval: float = 1.0) -> RateLimiter:
    """At most ``limit`` requests per ``interval`` seconds as a server counting arrivals sees it.

    The window is widened by :data:`HEADROOM` (10 %): our clock starts a request before the
    server sees it arrive, and a first request slowed by connection set-up would otherwise let
    ``limit + 1`` arrivals fall into one server-side window.
    """
    limiter = RateLimiter(max(1.0, limit))
    set_limit(limiter, limit, interval)
    return limiter


def set_limit(limiter: RateLimiter, limit: float, interval: float) -> None:
    """Re-tune ``limiter`` in place to ``limit`` requests per ``interval`` seconds (+ headroom)."""
    limiter.slots, limiter.window, limiter.min_gap = max(1, int(limit)), interval * (1 + HEADROOM), 0.0
    limiter.rate = limit / interval


class NotFound(Exception):
    """The server answered 404 for this request (callers decide what that means)."""


@dataclass
class JsonApi:
    """GET JSON from one API with a rate limit, a timeout and backoff on 429/5xx/timeouts.

    Parameters
    ----------
    name : str
        Source name used in error messages (``"crossref"``).
    base_url : str
        Prefix of every request path.
    limiter : RateLimiter
        Shared by every request of this client.
    policy, timeout : RetryPolicy, float
        Backoff and per-request timeout; defaults from the environment (module docstring).
    headers : dict
        Sent with every request (User-Agent, Accept).
    """

    name: str
    base_url: str
    limiter: RateLimiter
    policy: RetryPolicy | None = None
    timeout: float | None = None
    headers: dict | None = None
    sleep: Callable[[float], None] = time.sleep
    on_response: Callable[[requests.Response], None] | None = None

    def __post_init__(self) -> None:
        self.policy = self.policy or default_policy()
        self.timeout = self.timeout if self.timeout is not None else default_timeout()
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": f"hairmeta/{VERSION}", "Accept": "application/json"})
        self.session.headers.update(self.headers or {})
        self.retries = 0
        self._one_at_a_time = threading.Lock()  # requests never overlap: concurrency 1

    def get(self, path: str, params: dict | None = None) -> dict:
        """JSON body of ``GET base_url + path``; :class:`NotFound` on 404.

        Raises
        ------
        SourceError
            Any other failure, after the retries allowed by ``policy`` for retryable ones; the
            message names the request.
        """
        url = self.base_url + path
        try:
            return call_with_retry(
                lambda: self._once(url, params), self.policy, sleep=self.sleep, on_retry=self._count_retry
            )
        except RetryableError as exc:
            raise SourceError(
                f"{self.name}: {describe(url, params)} failed after {self.policy.tries} attempts: {exc}"
            ) from None

    def _count_retry(self, attempt: int, exc: Exception) -> None:
        self.retries += 1

    def _once(self, url: str, params: dict | None) -> dict:
        self.limiter.wait()
        try:
            with self._one_at_a_time:
                response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.Timeout:
            raise RetryableError(f"no answer within {self.timeout:g} s") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise RetryableError(f"connection failed ({type(exc).__name__})") from None
        except requests.RequestException as exc:  # bad URL, too many redirects…: not retryable
            raise SourceError(f"{self.name}: {describe(url, params)}: {exc}") from None
        if self.on_response:
            self.on_response(response)
        return self._body(response, url, params)

    def _body(self, response: requests.Response, url: str, params: dict | None) -> dict:
        status = response.status_code
        if status == 429 or status >= 500:
            raise RetryableError(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
        if status == 404:
            raise NotFound(describe(url, params))
        if status != 200:
            snippet = response.text[:200].strip().replace("\n", " ")
            raise SourceError(f"{self.name}: {describe(url, params)} answered HTTP {status}: {snippet}")
        try:
            return response.json()
        except ValueError:
            raise RetryableError("body is not complete JSON (truncated?)") from None


def describe(url: str, params: dict | None) -> str:
    """``GET url?query`` as a one-line request description for messages."""
    return f"GET {url}" + (f"?{urlencode(params)}" if params else "")


@dataclass(frozen=True)
class Page:
    """One page of search results: its records, the total hit count if known, a label."""

    records: list[Record]
    total: int | None
    label: str


def store_pages(
    store,
    source: str,
    term: str,
    pages: Iterator[Page],
    *,
    since: str | None = None,
    until: str | None = None,
    max_records: int | None = None,
    progress: Progress | None = None,
    search_id: int | None = None,
) -> SearchReport:
    """Store every page of ``pages`` into ``store``; a page failing for good ends the run.

    Each page is upserted in its own transaction, so a failure keeps what came before; the
    failure is named in ``SearchReport.failed``.  At most ``max_records`` records are stored.
    Without a ``search_id`` (a caller such as ``hairmeta.extractors.searches`` saves and marks its own)
    the search is saved with ``store.save_search`` and its run marked at the end.
    """
    own_search = search_id is None
    if own_search:
        search_id = store.save_search(source, term, since, until)
    found, seen, counts, failed = 0, 0, [0, 0, 0], []
    try:
        for page in pages:
            found = page.total if page.total is not None else max(found, seen + len(page.records))
            batch = page.records[: None if max_records is None else max(0, max_records - seen)]
            ids = [r.source_ids[0][1] if r.source_ids else None for r in batch]
            _add_counts(counts, store.upsert_records(batch, source=source, search_id=search_id, source_ids=ids))
            seen += len(batch)
            if progress:
                progress(seen, found if max_records is None else min(found, max_records))
            if max_records is not None and seen >= max_records:
                break
    except SourceError as exc:
        failed.append(str(exc))
    report = SearchReport(source, term, found, counts[0], counts[1], counts[2], tuple(failed))
    if own_search:
        store.mark_search_run(search_id, date.today().isoformat(), report)
    return report


def _add_counts(totals: list[int], counts) -> None:
    totals[0] += counts.new
    totals[1] += counts.updated
    totals[2] += counts.unchanged


def cursor_pages(fetch: Callable[[str], tuple[Page, str | None]], first: str) -> Iterator[Page]:
    """Follow an opaque cursor: ``fetch(cursor) -> (page, next_cursor)`` until it stops.

    Paging ends when the next cursor is missing, repeats the current one (Europe PMC's end
    signal) or a page comes back empty; a cursor seen before also ends it, so a misbehaving
    server cannot loop us forever.
    """
    cursor: str | None = first
    visited: set[str] = set()
    while cursor is not None and cursor not in visited:
        visited.add(cursor)
        page, cursor = fetch(cursor)
        yield page
        if not page.records:
            return


def clamp_batch(batch_size: int | None, default: int, maximum: int) -> int:
    """Page size: ``batch_size`` if given (1 … ``maximum``), else ``default``."""
    if batch_size is None:
        return default
    return max(1, min(int(batch_size), maximum))
