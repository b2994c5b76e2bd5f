"""PubMed through NCBI E-utilities: esearch (history server) → efetch in batches → the library.

HTTP goes through ``requests`` with our own timeout, rate limit and backoff (Bio.Entrez has no
timeout and retries 429/5xx immediately; ENTREZ-NOTES §1.2); replies are parsed with
ElementTree (:mod:`extractors.pubmed_xml`), efetch replies in worker processes.

NCBI's rules (NBK25497/NBK25499; NLM support KA-05510) kept here:

* at most 3 requests/s without an API key, 10/s with one (``NCBI_API_KEY``); the limiter stamps
  each request at its end, so the server never counts one too many in a sliding second;
* ``tool`` and ``email`` (``NCBI_EMAIL``) on every request; POST when the ID list is long;
* esearch returns at most 9,999 IDs for PubMed: larger result sets are split into Entrez-date
  windows (halving) until each has at most the cap, so nothing is silently dropped;
* 429, 5xx, connection errors, timeouts and truncated/malformed XML are retried with bounded
  exponential backoff; a batch that still fails is reported, the rest is kept, and the next
  run resumes (batches already stored are skipped, see ``Store.mark_batch``).

``HAIRMETA_EUTILS_URL`` replaces NCBI's base URL (a local server, the tests' fake).
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from hairmeta.evidence.errors import SourceError
from hairmeta.evidence.library.serial import StoredRecords
from hairmeta.extractors.base import SearchReport
from hairmeta.extractors.http import RateLimiter, RetryableError, RetryPolicy, call_with_retry, parse_retry_after
from hairmeta.extractors.pubmed_xml import PubmedParseError, parse_esearch, parse_pubmed_xml

SOURCE = "pubmed"
NCBI_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
ESEARCH_CAP = 9999  # PubMed esearch returns at most this many IDs (NBK25499, ESearch retmax)
RATE_NO_KEY, RATE_WITH_KEY = 3.0, 10.0
POST_OVER_IDS = 200  # Bio.Entrez and rentrez switch to POST at about 200 IDs
#: Batches downloaded ahead of the one being stored: one second of requests at the keyed rate,
#: so a whole window's replies can be parsed (in worker processes) while earlier ones are stored.
#: At most this many replies are held in memory: 0.8 MB each for 500 of the benchmark's records, but
#: a record with its reference list can be 44 KB (fixture pubmed4.xml), so up to ~20 MB a reply.
LOOKAHEAD = 10
PARSE_WORKERS = max(1, min(2, os.cpu_count() or 1))
FIRST_DAY, LAST_DAY = date(1700, 1, 1), date(2999, 12, 31)

Progress = Callable[[int, int], None]  # (records handled so far, records to handle)


@dataclass(frozen=True)
class EutilsConfig:
    """Where and how politely to call E-utilities. :meth:`from_env` reads the environment.

    ``rate`` None means NCBI's limit: 3/s, or 10/s when ``api_key`` is set.
    """

    base_url: str = NCBI_EUTILS
    api_key: str = ""
    email: str = ""
    tool: str = "hairmeta"
    rate: float | None = None
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(tries=5, base=1.0, cap=30.0))
    cap: int = ESEARCH_CAP

    @property
    def requests_per_second(self) -> float:
        """The rate actually used."""
        if self.rate:
            return self.rate
        return RATE_WITH_KEY if self.api_key else RATE_NO_KEY

    @classmethod
    def from_env(cls, env: dict | None = None) -> EutilsConfig:
        """``HAIRMETA_EUTILS_URL``, ``NCBI_API_KEY``, ``NCBI_EMAIL``; for tests and local
        servers also ``HAIRMETA_EUTILS_TIMEOUT`` (s), ``HAIRMETA_EUTILS_RATE`` (req/s),
        ``HAIRMETA_EUTILS_TRIES``, ``HAIRMETA_EUTILS_BACKOFF`` (s) and ``HAIRMETA_EUTILS_CAP``."""
        env = os.environ if env is None else env
        base = cls()
        retry = RetryPolicy(
            tries=int(env.get("HAIRMETA_EUTILS_TRIES", base.retry.tries)),
            base=float(env.get("HAIRMETA_EUTILS_BACKOFF", base.retry.base)),
            cap=base.retry.cap,
        )
        return cls(
            base_url=env.get("HAIRMETA_EUTILS_URL", NCBI_EUTILS).rstrip("/"),
            api_key=env.get("NCBI_API_KEY", ""),
            email=env.get("NCBI_EMAIL", ""),
            rate=float(env["HAIRMETA_EUTILS_RATE"]) if env.get("HAIRMETA_EUTILS_RATE") else None,
            timeout=float(env.get("HAIRMETA_EUTILS_TIMEOUT", base.timeout)),
            retry=retry,
            cap=int(env.get("HAIRMETA_EUTILS_CAP", ESEARCH_CAP)),
        )


@dataclass
class ClientStats:
    """What a client did: HTTP requests sent, retries, 429 replies received."""

    requests: int = 0
    retries: int = 0
    too_many: int = 0
    failures: list[str] = field(default_factory=list)


class HistoryError(Exception):
    """efetch by WebEnv was refused (history expired or out of range): fetch by IDs instead."""


class EutilsClient:
    """A polite E-utilities client: one ``requests`` session, rate limiter, retry policy."""

    def __init__(self, config: EutilsConfig | None = None, *, sleep=None) -> None:
        import time

        import requests

        self.config = config or EutilsConfig.from_env()
        self.session = requests.Session()
        self.limiter = RateLimiter(self.config.requests_per_second)
        self.stats = ClientStats()
        self._sleep = sleep or time.sleep
        self._http = threading.Lock()  # one request at a time (the prefetch thread + retries)

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    def _params(self, params: dict) -> dict:
        base = {"db": "pubmed", "tool": self.config.tool}
        if self.config.email:
            base["email"] = self.config.email
        if self.config.api_key:
            base["api_key"] = self.config.api_key
        return {**base, **{k: v for k, v in params.items() if v not in (None, "")}}

    def request(self, endpoint: str, params: dict) -> bytes:
        """One HTTP exchange (no retry): the body of a 200 reply, else an exception.

        429/5xx, timeouts, connection errors and short bodies raise :class:`RetryableError`; a 400
        about history raises :class:`HistoryError`; other 4xx raise :class:`SourceError`.
        """
        import requests

        url = f"{self.config.base_url}/{endpoint}.fcgi"
        data = self._params(params)
        post = len(str(data.get("id", "")).split(",")) >= POST_OVER_IDS or len(str(data)) > 1800
        self.stats.requests += 1
        try:
            with self._http, self.limiter.slot():
                if post:
                    reply = self.session.post(url, data=data, timeout=self.config.timeout, stream=True)
                else:
                    reply = self.session.get(url, params=data, timeout=self.config.timeout, stream=True)
                # the body in one read, not requests' 10 kB chunks: each chunk waited for the
                # interpreter lock while storing ran, stretching an 800 kB reply from 3 to 30 ms
                body = b"".join(reply.iter_content(chunk_size=None))
        except requests.Timeout as exc:
            raise RetryableError(f"{endpoint}: no answer within {self.config.timeout:g} s") from exc
        except requests.RequestException as exc:  # refused, reset, IncompleteRead (truncated)
            raise RetryableError(f"{endpoint}: {type(exc).__name__}: {exc}") from exc
        return self._check(endpoint, reply, body)

    def _check(self, endpoint: str, reply, body: bytes) -> bytes:
        status = reply.status_code
        if status == 429:
            self.stats.too_many += 1
            raise RetryableError(
                f"{endpoint}: HTTP 429 {body[:120].decode(errors='replace')}",
                parse_retry_after(reply.headers.get("Retry-After")),
            )
        if status >= 500:
            raise RetryableError(f"{endpoint}: HTTP {status}")
        if status == 400 and b"history" in body.lower():
            raise HistoryError(body[:200].decode(errors="replace"))
        if status != 200:
            raise SourceError(f"PubMed {endpoint} failed: HTTP {status} {body[:200].decode(errors='replace')}")
        return body

    def _retrying(self, what: str, fn):
        def on_retry(attempt: int, exc: Exception) -> None:
            self.stats.retries += 1

        return call_with_retry(fn, self.config.retry, sleep=self._sleep, on_retry=on_retry)

    def esearch(
        self,
        term: str,
        *,
        mindate: str | None = None,
        maxdate: str | None = None,
        retmax: int = 0,
        usehistory: bool = True,
    ) -> dict:
        """esearch for ``term`` (Entrez-date window optional): count, ids, webenv, query_key."""
        params = {
            "term": term,
            "retmax": retmax,
            "usehistory": "y" if usehistory else None,
            "datetype": "edat" if mindate or maxdate else None,
            "mindate": mindate or (maxdate and _ncbi(FIRST_DAY)),
            "maxdate": maxdate or (mindate and _ncbi(LAST_DAY)),
        }

        def attempt() -> dict:
            body = self.request("esearch", params)
            try:
                return parse_esearch(body)
            except PubmedParseError as exc:
                if b"<ERROR>" in body:
                    raise SourceError(f"PubMed esearch for {term!r} failed: {exc}") from exc
                raise RetryableError(f"esearch: malformed reply ({exc})") from exc

        try:
            return self._retrying("esearch", attempt)
        except RetryableError as exc:
            raise SourceError(
                f"PubMed esearch for {term!r} failed after {self.config.retry.tries} tries: {exc}"
            ) from exc

    def efetch_body(self, ids: list[str], *, webenv: str = "", query_key: str = "", retstart: int = 0) -> bytes:
        """The raw efetch reply for ``ids`` (HTTP failures retried; the body is not parsed)."""
        state = {"webenv": webenv}
        return self._retrying("efetch", lambda: self._efetch_once(state, ids, query_key, retstart))

    def _efetch_once(self, state: dict, ids: list[str], query_key: str, retstart: int) -> bytes:
        if state["webenv"]:
            params = {
                "WebEnv": state["webenv"],
                "query_key": query_key,
                "retstart": retstart,
                "retmax": len(ids),
                "retmode": "xml",
            }
        else:
            params = {"id": ",".join(ids), "retmode": "xml"}
        try:
            return self.request("efetch", params)
        except HistoryError:
            state["webenv"] = ""
            raise RetryableError("efetch: history expired; fetching by ID") from None

    def efetch(
        self,
        ids: list[str],
        *,
        webenv: str = "",
        query_key: str = "",
        retstart: int = 0,
        body: bytes | None = None,
        parsed: Future | None = None,
    ) -> StoredRecords:
        """The records of ``ids``, held as their library columns: by WebEnv/retstart when given (falls
        back to POSTed IDs when the history is gone), else by ID; retried until the XML is
        complete and every requested PMID came back.  ``body``, an already fetched reply, is
        tried first; ``parsed``, that reply already being parsed elsewhere (a future of its
        :func:`parse_batch`), before it."""
        state = {"webenv": webenv, "body": body, "parsed": parsed}

        def attempt() -> StoredRecords:
            pending = state.pop("parsed", None)
            raw = state.pop("body", None)
            if pending is None:
                if raw is None:
                    raw = self._efetch_once(state, ids, query_key, retstart)
                pending = _parsed_now(raw)
            return _only(_parsed_batch(pending), ids)

        return self._retrying("efetch", attempt)


def parse_batch(body: bytes) -> StoredRecords:
    """An efetch reply → its Records held as their library columns (the job of a parse worker:
    the JSON and indexed fields are made beside the parse, and the storing thread only writes)."""
    return StoredRecords.of(parse_pubmed_xml(body))


def _only(batch: StoredRecords, ids: list[str]) -> StoredRecords:
    """The records of ``ids``; a reply missing any requested PMID is retried."""
    wanted = set(ids)
    pmids = [cols["pmid"] for cols in batch.columns]
    missing = wanted.difference(pmids)
    if missing:
        raise RetryableError(f"efetch: {len(missing)} of {len(ids)} records missing (e.g. PMID {min(missing)})")
    if all(pmid in wanted for pmid in pmids):
        return batch
    return StoredRecords([cols for cols, pmid in zip(batch.columns, pmids) if pmid in wanted])


def _ncbi(day: date) -> str:
    return day.strftime("%Y/%m/%d")


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError as exc:
        raise SourceError(f"bad date {text!r}: expected YYYY-MM-DD") from exc


@dataclass(frozen=True)
class Window:
    """A slice of the search that esearch can list completely (count ≤ cap)."""

    mindate: str | None
    maxdate: str | None
    result: dict

    @property
    def label(self) -> str:
        if not (self.mindate or self.maxdate):
            return "all dates"
        return f"edat {self.mindate or '…'}–{self.maxdate or '…'}"


def plan_windows(
    client: EutilsClient, term: str, since: str | None, until: str | None, failed: list[str]
) -> list[Window]:
    """esearch ``term``; when it matches more than the cap, split by Entrez date in halves.

    Each returned window carries its own esearch result (IDs and WebEnv), so no request is
    wasted.  A single day still over the cap cannot be split further and is reported in
    ``failed`` (never silently truncated).
    """
    lo = _day(since, FIRST_DAY) if since else None
    hi = _day(until, LAST_DAY) if until else None
    return _windows(client, term, lo, hi, failed)


def _windows(client, term, lo, hi, failed) -> list[Window]:
    mindate, maxdate = (_ncbi(lo) if lo else None), (_ncbi(hi) if hi else None)
    result = client.esearch(term, mindate=mindate, maxdate=maxdate, retmax=client.config.cap)
    if result["count"] <= client.config.cap:
        return [Window(mindate, maxdate, result)]
    lo, hi = lo or FIRST_DAY, hi or min(LAST_DAY, date.today() + timedelta(days=366))
    if lo >= hi:
        failed.append(
            f"{term!r} on {lo}: {result['count']} records on one Entrez day exceed "
            f"PubMed's {client.config.cap}-ID limit; narrow the term"
        )
        return []
    middle = lo + (hi - lo) // 2
    return _windows(client, term, lo, middle, failed) + _windows(client, term, middle + timedelta(days=1), hi, failed)


@dataclass
class _Tally:
    found: int = 0
    new: int = 0
    updated: int = 0
    known: int = 0
    done: int = 0
    total: int = 0
    failed: list[str] = field(default_factory=list)


def search_into(
    store,
    term: str,
    *,
    since: str | None = None,
    until: str | None = None,
    max_records: int | None = None,
    batch_size: int = 500,
    progress: Progress | None = None,
    search_id: int | None = None,
    config: EutilsConfig | None = None,
    client: EutilsClient | None = None,
) -> SearchReport:
    """Run a PubMed search and store every record it finds (resumable, idempotent).

    Parameters
    ----------
    store : hairmeta.evidence.library.store.Store
    term : str
        PubMed query.
    since, until : str, optional
        ``YYYY-MM-DD`` bounds on the Entrez date (when a record entered PubMed), inclusive.
    max_records : int, optional
        Stop after this many records (first ones in PubMed's order).
    batch_size : int
        Records per efetch (default 500).
    search_id : int, optional
        Saved search to attach the records to (``update`` passes it and marks the run itself);
        default: the search is saved here and its run date recorded (kept at the previous date
        when a batch failed, so a later update covers the gap).
    """
    if batch_size < 1:
        raise SourceError("batch size must be at least 1")
    own = client is None
    client = client or EutilsClient(config)
    own_search = search_id is None
    sid = store.save_search(SOURCE, term, since, until) if own_search else search_id
    tally = _Tally()
    try:
        _run(store, client, sid, term, since, until, max_records, batch_size, tally, progress)
    except SourceError as exc:  # esearch failed for good: reported, records so far kept
        tally.failed.append(str(exc))
    finally:
        if own:
            client.close()
    report = SearchReport(
        source=SOURCE,
        term=term,
        found=tally.found,
        new=tally.new,
        updated=tally.updated,
        known=tally.known,
        failed=tuple(tally.failed),
    )
    if own_search:  # callers passing search_id (hairmeta.extractors.searches) mark the run themselves
        previous = store.get_search(sid).last_run
        store.mark_search_run(sid, previous if report.failed else date.today().isoformat(), report)
    return report


def _run(store, client, sid, term, since, until, max_records, batch_size, tally, progress) -> None:
    windows = plan_windows(client, term, since, until, tally.failed)
    tally.found = sum(w.result["count"] for w in windows)
    plans = _limit([(w, w.result["ids"]) for w in windows], max_records)
    tally.total = sum(len(ids) for _, ids in plans)
    for window, ids in plans:
        _fetch_window(store, client, sid, term, window, ids, batch_size, tally, progress)


def _limit(plans, max_records):
    if max_records is None:
        return plans
    kept, left = [], max_records
    for window, ids in plans:
        kept.append((window, ids[: max(0, left)]))
        left -= len(kept[-1][1])
    return [(w, ids) for w, ids in kept if ids]


def _job_id(sid: int, window: Window, ids: list[str]) -> str:
    digest = hashlib.sha1(",".join(ids).encode()).hexdigest()[:16]
    return f"pubmed:{sid}:{window.mindate or ''}:{window.maxdate or ''}:{digest}"


def _fetch_window(store, client, sid, term, window, ids, batch_size, tally, progress) -> None:
    """efetch one window's IDs batch by batch and store them, in order.

    Up to :data:`LOOKAHEAD` batches are downloaded ahead, one request at a time at NCBI's rate;
    the download thread hands each reply to a parse worker the moment it arrives, so parsing
    never waits for storing and neither waits for the next download.  Each batch is stored
    together with its progress mark in one transaction, in batch order; batches an interrupted
    run already stored are skipped.
    """
    job = _job_id(sid, window, ids)
    done = store.done_batches(job)
    batches = [(n, start, ids[start : start + batch_size]) for n, start in enumerate(range(0, len(ids), batch_size))]
    todo = [b for b in batches if b[0] not in done]
    ok = True
    with _parsers(len(todo)) as parse, ThreadPoolExecutor(max_workers=1, thread_name_prefix="efetch") as fetch:
        fetched: dict[int, Future] = {}
        queue = iter(todo)

        def top_up() -> None:
            while len(fetched) < LOOKAHEAD and (batch := next(queue, None)) is not None:
                fetched[batch[0]] = _prefetch(fetch, client, window, batch, parse)

        top_up()
        for number, start, chunk in batches:
            if number in done:
                tally.known += len(chunk)
            else:
                future = fetched.pop(number)
                top_up()
                ok &= _store_batch(store, client, sid, job, window, (number, start, chunk), future, tally)
            tally.done += len(chunk)
            if progress:
                progress(tally.done, tally.total)
    if ok:
        store.clear_job(job)


@contextmanager
def _parsers(batches: int) -> Iterator[Callable[[bytes], Future]]:
    """``parse(body) -> Future[StoredRecords]``: worker processes when there are batches enough to
    repay starting them (forked before the download thread starts), else the calling thread.

    The workers run with the cyclic collector off: a parse makes no reference cycles (elements
    and records are freed by reference counting), so collections there were pure cost (1 to
    1.5 ms of a 20 ms parse).  Freezing this process's objects across the fork leaves them in
    the oldest generation afterwards, so this process's young collections stay short.
    """
    if batches < 3 or PARSE_WORKERS < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield _parsed_now
        return
    fork = multiprocessing.get_context("fork")
    gc.freeze()
    try:
        with ProcessPoolExecutor(PARSE_WORKERS, mp_context=fork, initializer=gc.disable) as pool:
            list(pool.map(int, range(PARSE_WORKERS)))  # start the workers now, before any thread exists
            gc.unfreeze()
            yield lambda body: pool.submit(parse_batch, body)
    finally:
        gc.unfreeze()


def _parsed_now(body: bytes) -> Future:
    """A finished future of ``parse_batch(body)`` (or of its error)."""
    future: Future = Future()
    try:
        future.set_result(parse_batch(body))
    except Exception as exc:  # noqa: BLE001 - handed over to efetch, which retries or reports it
        future.set_exception(exc)
    return future


def _parsed_batch(future: Future) -> StoredRecords:
    """The result of a parse future; a broken reply becomes the retryable error efetch expects."""
    try:
        return future.result()
    except PubmedParseError as exc:
        raise RetryableError(f"efetch: truncated or malformed XML ({exc})") from exc


def _prefetch(pool, client, window, batch, parse) -> Future:
    """A future of ``(body, parsed)``: the reply downloaded in ``pool`` and its parse started."""
    number, start, chunk = batch

    def fetch_and_parse() -> tuple[bytes, Future]:
        body = client.efetch_body(
            chunk, webenv=window.result["webenv"], query_key=window.result["query_key"], retstart=start
        )
        return body, parse(body)

    return pool.submit(fetch_and_parse)


def _store_batch(store, client, sid, job, window, batch, future: Future, tally) -> bool:
    number, start, chunk = batch
    try:
        body, parsed = future.result()
        records = client.efetch(
            chunk,
            webenv=window.result["webenv"],
            query_key=window.result["query_key"],
            retstart=start,
            body=body,
            parsed=parsed,
        )
    except (RetryableError, SourceError) as exc:
        detail = f"{window.label}, records {start + 1}-{start + len(chunk)}: {exc}"
        store.mark_batch(job, number, "failed", search_id=sid, detail=str(exc))
        tally.failed.append(detail)
        client.stats.failures.append(detail)
        return False
    with store.transaction():
        counts = store.upsert_records(records, source=SOURCE, search_id=sid)
        store.mark_batch(job, number, "done", search_id=sid)
    tally.new += counts.new
    tally.updated += counts.updated
    tally.known += counts.unchanged
    return True
