"""A loopback fake of NCBI E-utilities (esearch + efetch for db=pubmed), for offline tests.

A real ``http.server.ThreadingHTTPServer`` on 127.0.0.1 (port 0) in a daemon thread.  It serves
synthetic PubMed records it generates (PMIDs ``first_pmid …``, one Entrez date per
``per_day`` records from ``first_edat``) plus, optionally, the real fixture records from
``../shared/fixtures/efetch_pubmed``.  Replies copy NCBI's shape: ``text/xml; charset=UTF-8``,
NCBI's real DOCTYPE lines (``pubmed_250101.dtd``, ``esearch.dtd``), the history server
(``usehistory=y`` → WebEnv/QueryKey; efetch by WebEnv + retstart/retmax), efetch by ``id`` over
GET or POST, the 9,999-ID esearch cap (configurable: ``cap``), and HTTP 429 with NCBI's JSON
body when a client exceeds ``rate_limit`` requests in any sliding second (10/s with an api_key).

Faults are injected by configuration: ``faults`` maps the n-th efetch request (1-based) to one
of ``"500"``, ``"502"``, ``"timeout"`` (sleep ``hang_seconds`` before answering),
``"truncate"`` (Content-Length promises more than is sent), ``"truncate_xml"`` (a complete
HTTP reply whose XML stops mid-document), ``"error200"`` (HTTP 200 with ``<ERROR>``) or
``"nohistory"`` (HTTP 400 "Cannot retrieve history data" for a WebEnv request).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections import deque
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

PUBMED_HEAD = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle,'
    ' 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    "<PubmedArticleSet>\n"
)
ESEARCH_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD'
    ' esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
RATE_429 = '{"error":"API rate limit exceeded","api-key":"%s","count":"%d","limit":"%d"}\n'


def synthetic_article(pmid: int, edat: date) -> str:
    """One PubmedArticle element (valid against pubmed_250101.dtd) for a made-up record."""
    doi = f"10.5555/synthetic.{pmid}"
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f'<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Internet"><Volume>{pmid % 40 + 1}'
        f"</Volume><Issue>{pmid % 12 + 1}</Issue><PubDate><Year>{edat.year}</Year><Month>Jan</Month>"
        "</PubDate></JournalIssue><Title>Journal of synthetic trichology</Title>"
        "<ISOAbbreviation>J Synth Trichol</ISOAbbreviation></Journal>"
        f"<ArticleTitle>Synthetic record {pmid}: platelet-rich plasma for <i>androgenetic</i> alopecia."
        f"</ArticleTitle><Pagination><MedlinePgn>{pmid % 90 + 1}-{pmid % 90 + 9}</MedlinePgn></Pagination>"
        f'<ELocationID EIdType="doi" ValidYN="Y">{doi}</ELocationID><Abstract>'
        '<AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Made-up text for tests.</AbstractText>'
        '<AbstractText Label="RESULTS" NlmCategory="RESULTS">Hair density rose.</AbstractText></Abstract>'
        '<AuthorList CompleteYN="Y"><Author ValidYN="Y"><LastName>Tester</LastName><ForeName>Ann</ForeName>'
        "<Initials>A</Initials></Author></AuthorList><Language>eng</Language><PublicationTypeList>"
        '<PublicationType UI="D016428">Journal Article</PublicationType></PublicationTypeList></Article>'
        "<MedlineJournalInfo><Country>England</Country><MedlineTA>J Synth Trichol</MedlineTA>"
        "<NlmUniqueID>0000000</NlmUniqueID></MedlineJournalInfo></MedlineCitation><PubmedData><History>"
        f'<PubMedPubDate PubStatus="entrez"><Year>{edat.year}</Year><Month>{edat.month}</Month>'
        f"<Day>{edat.day}</Day></PubMedPubDate></History><PublicationStatus>ppublish</PublicationStatus>"
        f'<ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId><ArticleId IdType="doi">{doi}'
        "</ArticleId></ArticleIdList></PubmedData></PubmedArticle>\n"
    )


def fixture_articles(directory: Path) -> dict[int, tuple[str, date]]:
    """The real PubmedArticle elements of the fixture files, by PMID, with their Entrez date."""
    import re

    found = {}
    for path in sorted(directory.glob("*.xml")):
        text = path.read_text(encoding="utf-8")
        for art in re.findall(r"<PubmedArticle>.*?</PubmedArticle>", text, flags=re.DOTALL):
            pmid = int(re.search(r'<PMID Version="\d+">(\d+)</PMID>', art).group(1))
            m = re.search(
                r'PubStatus="entrez">\s*<Year>(\d+)</Year>\s*<Month>(\d+)</Month>\s*'
                r"<Day>(\d+)</Day>",
                art,
            )
            found[pmid] = (art + "\n", date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    return found


class FakeEutils:
    """The fake server; use as a context manager (``with FakeEutils(n) as fake: fake.url``)."""

    def __init__(
        self,
        n_records: int = 100,
        *,
        first_pmid: int = 10_000_000,
        first_edat: date = date(2020, 1, 1),
        per_day: int = 10,
        rate_limit: int = 3,
        key_rate_limit: int = 10,
        cap: int = 9999,
        faults: dict[int, str] | None = None,
        hang_seconds: float = 2.0,
        fixtures_dir: Path | None = None,
    ) -> None:
        self.records = {first_pmid + i: first_edat + timedelta(days=i // per_day) for i in range(n_records)}
        self.fixtures = fixture_articles(fixtures_dir) if fixtures_dir else {}
        self.rate_limit, self.key_rate_limit, self.cap = rate_limit, key_rate_limit, cap
        self.faults, self.hang_seconds = dict(faults or {}), hang_seconds
        self.lock = threading.Lock()
        self.arrivals: dict[str, deque] = {}
        self.log: list[dict] = []  # one entry per request: time, endpoint, status, params
        self.too_many = 0
        self.efetch_calls = 0
        self.served: dict[int, int] = {}
        self.histories: dict[str, list[int]] = {}
        self.max_in_window = 0

    # -- lifecycle
    def __enter__(self) -> FakeEutils:
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        """Base URL to put in ``HAIRMETA_EUTILS_URL``."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/entrez/eutils"

    def requests_to(self, endpoint: str) -> list[dict]:
        """Logged requests to ``esearch`` or ``efetch``."""
        return [e for e in self.log if e["endpoint"] == endpoint]

    # -- rate limit
    def admit(self, who: str, has_key: bool) -> tuple[bool, int, int]:
        """Record an arrival; False when it is more than the limit within the last second."""
        limit = self.key_rate_limit if has_key else self.rate_limit
        now = time.monotonic()
        with self.lock:
            window = self.arrivals.setdefault(who, deque())
            while window and window[0] <= now - 1.0:
                window.popleft()
            window.append(now)
            self.max_in_window = max(self.max_in_window, len(window))
            if len(window) > limit:
                self.too_many += 1
                return False, len(window), limit
        return True, len(window), limit

    # -- search semantics
    def matching(self, params: dict) -> list[int]:
        """PMIDs a term and date window match, newest first (PubMed's default order)."""
        term = params.get("term", "")
        if "nohits" in term:
            return []
        lo, hi = _date(params.get("mindate"), date.min), _date(params.get("maxdate"), date.max)
        pool = {**self.records, **{p: d for p, (_, d) in self.fixtures.items()}}
        return sorted((p for p, d in pool.items() if lo <= d <= hi), reverse=True)

    def article(self, pmid: int) -> str:
        with self.lock:
            self.served[pmid] = self.served.get(pmid, 0) + 1
        if pmid in self.fixtures:
            return self.fixtures[pmid][0]
        return synthetic_article(pmid, self.records[pmid]) if pmid in self.records else ""


def _date(text: str | None, default: date) -> date:
    if not text:
        return default
    parts = [int(p) for p in text.replace("-", "/").split("/")]
    if len(parts) == 1:
        return date(parts[0], 1, 1) if default == date.min else date(parts[0], 12, 31)
    return date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeEutils
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        query = urllib.parse.urlsplit(self.path).query
        self._dispatch(urllib.parse.parse_qs(query))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        self._dispatch(urllib.parse.parse_qs(body))

    def _dispatch(self, raw: dict) -> None:
        params = {k: v[-1] for k, v in raw.items()}
        endpoint = urllib.parse.urlsplit(self.path).path.rsplit("/", 1)[-1].split(".")[0]
        fake = self.fake
        ok, count, limit = fake.admit(self.client_address[0], bool(params.get("api_key")))
        entry = {
            "time": time.monotonic(),
            "endpoint": endpoint,
            "params": params,
            "method": self.command,
            "status": 200,
        }
        fake.log.append(entry)
        if not ok:
            entry["status"] = 429
            body = RATE_429 % (params.get("api_key") or self.client_address[0], count, limit)
            return self._send(429, body.encode(), "application/json")
        if endpoint == "esearch":
            return self._esearch(params)
        if endpoint == "efetch":
            return self._efetch(params, entry)
        self._send(404, b"unknown endpoint", "text/plain")

    def _send(self, status: int, body: bytes, ctype: str, *, declared: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(declared if declared is not None else len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _esearch(self, params: dict) -> None:
        fake = self.fake
        pmids = fake.matching(params)
        start, retmax = int(params.get("retstart", 0)), int(params.get("retmax", 20))
        if start > fake.cap - 1:
            body = (
                ESEARCH_HEAD + "<eSearchResult><ERROR>Search Backend failed: Exception: "
                f"'retstart' cannot be larger than {fake.cap - 1}.</ERROR></eSearchResult>\n"
            )
            return self._send(200, body.encode(), "text/xml; charset=UTF-8")
        if "badterm" in params.get("term", ""):  # HTTP 200 carrying <ERROR>, as NCBI does
            body = (
                ESEARCH_HEAD + f"<eSearchResult><ERROR>Invalid query: {escape(params['term'])}"
                "</ERROR></eSearchResult>\n"
            )
            return self._send(200, body.encode(), "text/xml; charset=UTF-8")
        ids = pmids[start : min(start + retmax, fake.cap)]
        history = ""
        if params.get("usehistory") == "y":
            webenv = f"MCID_{len(fake.histories):024x}"
            fake.histories[webenv] = pmids
            history = f"<QueryKey>1</QueryKey><WebEnv>{webenv}</WebEnv>"
        id_xml = "".join(f"<Id>{p}</Id>" for p in ids)
        if pmids:
            body = (
                f"<eSearchResult><Count>{len(pmids)}</Count><RetMax>{len(ids)}</RetMax>"
                f"<RetStart>{start}</RetStart>{history}<IdList>{id_xml}</IdList>"
                "<TranslationSet/><QueryTranslation>"
                f"{escape(params.get('term', ''))}[All Fields]</QueryTranslation></eSearchResult>\n"
            )
        else:
            body = (
                "<eSearchResult><Count>0</Count><RetMax>0</RetMax><RetStart>0</RetStart>"
                f"{history}<IdList/><TranslationSet/><QueryTranslation>"
                f"({escape(params.get('term', ''))}[All Fields])</QueryTranslation><ErrorList>"
                f"<PhraseNotFound>{escape(params.get('term', ''))}</PhraseNotFound></ErrorList>"
                "<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>"
                "</eSearchResult>\n"
            )
        self._send(200, (ESEARCH_HEAD + body).encode(), "text/xml; charset=UTF-8")

    def _efetch(self, params: dict, entry: dict) -> None:
        fake = self.fake
        with fake.lock:
            fake.efetch_calls += 1
            fault = fake.faults.get(fake.efetch_calls)
        entry["fault"] = fault
        if fault in ("500", "502"):
            entry["status"] = int(fault)
            page = f"<html><body>NCBI/eutils202 - WWW Error {fault} Diagnostic</body></html>"
            return self._send(int(fault), page.encode(), "text/html")
        if fault == "timeout":
            time.sleep(fake.hang_seconds)
        pmids = None if fault == "nohistory" and not params.get("id") else self._efetch_ids(params)
        if pmids is None:
            entry["status"] = 400
            body = (
                '<?xml version="1.0" encoding="UTF-8" ?>\n<eFetchResult><ERROR>Cannot retrieve'
                " history data: unknown WebEnv or OUT OF RANGE</ERROR></eFetchResult>\n"
            )
            return self._send(400, body.encode(), "text/xml; charset=UTF-8")
        if fault == "error200":
            body = '<?xml version="1.0" ?>\n<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>\n'
            return self._send(200, body.encode(), "text/xml; charset=UTF-8")
        body = (PUBMED_HEAD + "".join(fake.article(p) for p in pmids) + "</PubmedArticleSet>\n").encode()
        if fault == "truncate":
            self.close_connection = True
            return self._send(200, body[: len(body) // 2], "text/xml; charset=UTF-8", declared=len(body))
        if fault == "truncate_xml":
            body = body[: len(body) // 2]
        self._send(200, body, "text/xml; charset=UTF-8")

    def _efetch_ids(self, params: dict) -> list[int] | None:
        if params.get("id"):
            return [int(p) for p in params["id"].split(",") if p.strip()]
        history = self.fake.histories.get(params.get("WebEnv", ""))
        start, retmax = int(params.get("retstart", 0)), int(params.get("retmax", 20))
        if history is None or start >= self.fake.cap or start >= len(history):
            return None
        return history[start : start + retmax]
