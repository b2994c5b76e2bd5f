"""A loopback fake of Europe PMC, Crossref and ClinicalTrials.gov API v2 for offline tests.

A real ``http.server.ThreadingHTTPServer`` bound to 127.0.0.1 on a free port, in a thread.
Routes (the part after the port is the base URL each client gets from its environment variable):

* ``/europepmc/search`` — ``cursorMark`` paging.  Query ``cancer`` replays the *recorded*
  ``../shared/fixtures/europepmc/search_lite_pagesize5_cancer.json`` page (then an empty page);
  any other query is answered from ``n_europepmc`` SYNTHETIC ``resultType=core`` results
  (``PPR9…`` preprints and ``MED`` records with PMIDs 99000001…, titles "Synthetic Europe PMC
  record N") — hand-made in Europe PMC's documented core shape, not recordings.
* ``/crossref/works/{doi}`` — the *recorded* work ``10.1371/journal.pone.0033693`` with its
  recorded headers, SYNTHETIC works ``10.99999/synthetic.N``, else Crossref's recorded 404
  (``text/plain`` "Resource not found.").  ``/crossref/works?query.bibliographic=…`` pages with
  ``cursor``: query ``widget`` replays the recorded 20-item page, others come from
  ``n_crossref`` synthetic works.
* ``/ctgov/studies`` — ``pageToken`` paging over ``n_ctgov`` SYNTHETIC studies built from
  ``tests/data/ctgov/study_template.json`` (hand-made; NCT9999NNNN, "Synthetic trial N").

The server enforces a sliding-window rate limit per API when given (``limits``, e.g.
``{"crossref": (5, 1.0)}``) and answers 429 when it is exceeded, counting every such request in ``over_limit``.  Faults are injected per API with
``plan(api, ["429", "500", "sleep", "truncate", "ok", …])`` (consumed one per request) and
``fail_always(api, page_marker)`` (a page that keeps failing).  Every request is logged.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "fixtures"
CTGOV_TEMPLATE = HERE / "data" / "ctgov" / "study_template.json"
RECORDED_DOI = "10.1371/journal.pone.0033693"
NOT_FOUND = b"Resource not found."


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset={offset}".encode()).decode()


def _offset(token: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(token.encode()).decode().split("=", 1)[1])
    except (ValueError, IndexError):
        return -1


def synthetic_epmc(i: int) -> dict:
    """A SYNTHETIC Europe PMC ``core`` result (odd i: MED record; even i: PPR preprint)."""
    med = i % 2 == 1
    ident = str(99000000 + i) if med else f"PPR9{i:06d}"
    item = {
        "id": ident,
        "source": "MED" if med else "PPR",
        "doi": f"10.99999/epmc.synthetic.{i}",
        "title": f"Synthetic Europe PMC record {i}.",
        "authorString": f"Synthetica A, Fakeson B{i % 7}.",
        "authorList": {
            "author": [
                {"fullName": "Synthetica A", "firstName": "Alpha", "lastName": "Synthetica", "initials": "A"},
                {"collectiveName": "Synthetic Study Group"},
            ]
        },
        "pubYear": str(2015 + i % 10),
        "abstractText": f"<h4>Background</h4>Synthetic <i>abstract</i> {i}.<h4>Results</h4>None &amp; none.",
        "language": "eng",
        "pubTypeList": {"pubType": ["Journal Article"] if med else ["Preprint"]},
    }
    if med:
        item["pmid"] = ident
        item["journalInfo"] = {
            "volume": "4",
            "issue": "3",
            "yearOfPublication": 2015 + i % 10,
            "journal": {"title": "Synthetic Journal", "isoabbreviation": "Synth J"},
        }
        item["pageInfo"] = str(i)
    else:
        item["bookOrReportDetails"] = {"publisher": "Synthetic Preprint Server", "yearOfPublication": 2015 + i % 10}
    return item


def synthetic_work(i: int) -> dict:
    """A SYNTHETIC Crossref work item (DOI 10.99999/synthetic.i)."""
    return {
        "DOI": f"10.99999/synthetic.{i}",
        "type": "journal-article",
        "title": [f"Synthetic Crossref work {i}"],
        "container-title": ["Synthetic Journal"],
        "author": [{"given": "Alpha B.", "family": "Synthetica", "sequence": "first"}],
        "issued": {"date-parts": [[2000 + i % 25, 1]]},
        "volume": "1",
        "issue": "2",
        "page": f"{i}-{i + 5}",
        "URL": f"https://doi.org/10.99999/synthetic.{i}",
        "abstract": f"<jats:p>Synthetic abstract {i}.</jats:p>",
    }


def synthetic_study(i: int, template: dict) -> dict:
    """A SYNTHETIC API v2 study from the hand-made template (NCT9999NNNN, "Synthetic trial N")."""
    text = json.dumps(template).replace("NCT99999901", f"NCT9999{i:04d}")
    text = text.replace("Synthetic trial 1", f"Synthetic trial {i}").replace("summary 1,", f"summary {i},")
    return json.loads(text)


class FakeSources:
    """The server and its state; use as a context manager (``with FakeSources(...) as fake``)."""

    def __init__(
        self,
        *,
        n_europepmc: int = 0,
        n_crossref: int = 0,
        n_ctgov: int = 0,
        limits: dict[str, tuple[int, float]] | None = None,
        crossref_headers: dict[str, str] | None = None,
        sleep_seconds: float = 0.6,
    ) -> None:
        self.n = {"europepmc": n_europepmc, "crossref": n_crossref, "ctgov": n_ctgov}
        self.limits = dict(limits or {})  # api -> (requests, window seconds); none = unlimited
        self.crossref_headers = crossref_headers or {
            "x-rate-limit-limit": "5",
            "x-rate-limit-interval": "1s",
            "x-concurrency-limit": "1",
        }
        self.sleep_seconds = sleep_seconds
        self.template = json.loads(CTGOV_TEMPLATE.read_text(encoding="utf-8"))
        self.log: list[dict] = []
        self.over_limit: dict[str, int] = defaultdict(int)
        self.faults: dict[str, deque] = defaultdict(deque)
        self.always_failing: set[tuple[str, str]] = set()
        self.retry_after = "0"
        self._arrivals: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    # -- lifecycle

    def __enter__(self) -> FakeSources:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def url(self, api: str) -> str:
        """Base URL of one fake API (``europepmc``, ``crossref`` or ``ctgov``)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/{api}"

    # -- configuration

    def plan(self, api: str, actions: list[str]) -> None:
        """Queue faults for the next requests to ``api``: 429, 500, sleep, truncate, ok."""
        self.faults[api].extend(actions)

    def fail_always(self, api: str, marker: str) -> None:
        """Answer 500 to every request of ``api`` whose page marker (cursor/token) is ``marker``."""
        self.always_failing.add((api, marker))

    def requests_to(self, api: str) -> list[dict]:
        """Logged requests to ``api`` (path, params, headers, time)."""
        return [entry for entry in self.log if entry["api"] == api]

    # -- request handling

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's naming)
                fake.handle(self)

            def log_message(self, *args):  # keep test output quiet
                pass

        return Handler

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        api, _, rest = parts.path.lstrip("/").partition("/")
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.log.append(
                {
                    "api": api,
                    "path": "/" + rest,
                    "params": params,
                    "headers": dict(request.headers),
                    "time": time.monotonic(),
                }
            )
            over = self._over_limit(api)
            action = self.faults[api].popleft() if self.faults[api] else "ok"
        if over:
            self.over_limit[api] += 1
            return self._send(request, 429, b'{"error": "rate limit exceeded"}', {"Retry-After": self.retry_after})
        if (api, self._marker(api, params)) in self.always_failing or action == "500":
            return self._send(request, 500, b"Internal Server Error", ctype="text/plain")
        if action == "429":
            return self._send(request, 429, b"Too Many Requests", {"Retry-After": self.retry_after}, ctype="text/plain")
        if action == "sleep":
            time.sleep(self.sleep_seconds)
        status, body, headers = self._route(api, "/" + rest, params)
        if action == "truncate":
            body = body[: len(body) // 2]
        ctype = "application/json" if status == 200 else "text/plain"
        self._send(request, status, body, headers, ctype=ctype)

    def _over_limit(self, api: str) -> bool:
        limit, window = self.limits.get(api, (1000, 1.0))
        arrivals, now = self._arrivals[api], time.monotonic()
        while arrivals and now - arrivals[0] >= window:
            arrivals.popleft()
        arrivals.append(now)
        return len(arrivals) > limit

    @staticmethod
    def _marker(api: str, params: dict) -> str:
        return {
            "europepmc": params.get("cursorMark", ""),
            "crossref": params.get("cursor", ""),
            "ctgov": params.get("pageToken", ""),
        }.get(api, "")

    @staticmethod
    def _send(request, status: int, body: bytes, headers: dict | None = None, ctype: str = "application/json") -> None:
        request.send_response(status)
        request.send_header("Content-Type", ctype)
        request.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        try:
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def _route(self, api: str, path: str, params: dict) -> tuple[int, bytes, dict]:
        if api == "europepmc" and path == "/search":
            return 200, json.dumps(self._epmc_page(params)).encode(), {}
        if api == "crossref" and path == "/works":
            return 200, json.dumps(self._crossref_page(params)).encode(), dict(self.crossref_headers)
        if api == "crossref" and path.startswith("/works/"):
            return self._crossref_work(unquote(path[len("/works/") :]))
        if api == "ctgov" and path == "/studies":
            return 200, json.dumps(self._ctgov_page(params)).encode(), {}
        return 404, NOT_FOUND, {}

    # -- Europe PMC

    def _epmc_page(self, params: dict) -> dict:
        cursor, size = params.get("cursorMark", "*"), int(params.get("pageSize", 25))
        if params.get("query") == "cancer":
            recorded = json.loads((SHARED / "europepmc" / "search_lite_pagesize5_cancer.json").read_text())
            if cursor == "*":
                return recorded
            return {**recorded, "nextCursorMark": cursor, "resultList": {"result": []}}
        start = 0 if cursor == "*" else _offset(cursor)
        items = [synthetic_epmc(i) for i in range(start + 1, min(start + size, self.n["europepmc"]) + 1)]
        nxt = _token(start + len(items)) if items else cursor
        return {
            "version": "6.9",
            "hitCount": self.n["europepmc"],
            "nextCursorMark": nxt,
            "request": {
                "queryString": params.get("query"),
                "resultType": params.get("resultType"),
                "cursorMark": cursor,
                "pageSize": size,
            },
            "resultList": {"result": items},
        }

    # -- Crossref

    def _crossref_work(self, doi: str) -> tuple[int, bytes, dict]:
        if doi.lower() == RECORDED_DOI:
            body = (SHARED / "crossref" / "work_10.1371_journal.pone.0033693.json").read_bytes()
            return 200, body, dict(self.crossref_headers)
        if doi.startswith("10.99999/synthetic."):
            work = synthetic_work(int(doi.rsplit(".", 1)[1]))
            body = {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": work}
            return 200, json.dumps(body).encode(), dict(self.crossref_headers)
        return 404, NOT_FOUND, dict(self.crossref_headers)

    def _crossref_page(self, params: dict) -> dict:
        cursor, rows = params.get("cursor", "*"), int(params.get("rows", 20))
        if params.get("query.bibliographic") == "widget":
            recorded = json.loads((SHARED / "crossref" / "works_query_widget_cursor_star.json").read_text())
            if cursor != "*":
                recorded["message"]["items"] = []
            return recorded
        start = 0 if cursor == "*" else _offset(cursor)
        items = [synthetic_work(i) for i in range(start + 1, min(start + rows, self.n["crossref"]) + 1)]
        message = {
            "facets": {},
            "next-cursor": _token(start + len(items)),
            "total-results": self.n["crossref"],
            "items": items,
            "items-per-page": rows,
            "query": {"start-index": 0, "search-terms": params.get("query.bibliographic")},
        }
        return {"status": "ok", "message-type": "work-list", "message-version": "1.0.0", "message": message}

    # -- ClinicalTrials.gov

    def _ctgov_page(self, params: dict) -> dict:
        token, size = params.get("pageToken"), int(params.get("pageSize", 10))
        start = _offset(token) if token else 0
        end = min(start + size, self.n["ctgov"])
        page: dict = {"studies": [synthetic_study(i, self.template) for i in range(start + 1, end + 1)]}
        if end < self.n["ctgov"]:
            page["nextPageToken"] = _token(end)
        if not token and params.get("countTotal") == "true":
            page["totalCount"] = self.n["ctgov"]
        return page


def fast_client(
    module,
    fake: FakeSources,
    *,
    rate: float = 1000.0,
    tries: int = 3,
    timeout: float = 0.3,
    backoff: float = 0.01,
    **overrides,
):
    """``module.client`` pointed at ``fake`` with test-sized rate, timeout and backoff."""
    from hairmeta.extractors.http import RateLimiter, RetryPolicy

    settings = dict(
        base_url=fake.url(module.SOURCE),
        limiter=RateLimiter(rate),
        policy=RetryPolicy(tries=tries, base=backoff, cap=1.0),
        timeout=timeout,
    )
    settings.update(overrides)
    return module.client(**settings)
