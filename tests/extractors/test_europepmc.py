"""Europe PMC: parsing the recorded answers in ../shared/fixtures/europepmc, and cursorMark
searches through the real HTTP stack against the loopback fake (tests/fake_sources.py).

The recorded pages are real Europe PMC answers (lite, idlist, no results).  The ``core`` pages
the fake serves for other queries are SYNTHETIC, hand-made in Europe PMC's documented core shape
("Synthetic Europe PMC record N"); they are not recordings.
"""

from __future__ import annotations

import json
import time

import pytest
from fake_sources import FakeSources, _token, fast_client, synthetic_epmc

from hairmeta.cli import app
from hairmeta.evidence.errors import SourceError
from hairmeta.evidence.library.records import Author
from hairmeta.evidence.library.store import Store
from hairmeta.extractors import europepmc
from hairmeta.extractors.europepmc import author_from_string, date_query, parse_europepmc, search_into
from hairmeta.extractors.http import RetryPolicy

#: Loopback fake server with rate windows and injected faults: outside the fast lane.
pytestmark = pytest.mark.slow


def _load(fixtures_dir, name):
    return json.loads((fixtures_dir / "europepmc" / name).read_text(encoding="utf-8"))


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "lib.sqlite") as s:
        yield s


# ------------------------------------------------------------------ parsing recorded answers


def test_lite_fixture_first_record_fields_as_recorded(fixtures_dir):
    records = parse_europepmc(_load(fixtures_dir, "search_lite_pagesize5_cancer.json"))
    assert len(records) == 5
    first = records[0]
    assert (first.pmid, first.doi, first.journal, first.volume, first.issue, first.pages, first.year) == (
        "39709209",
        "10.1016/s0140-6736(24)02600-x",
        "Lancet",
        "404",
        "10471",
        "2603-2604",
        2025,
    )
    assert [a.display() for a in first.authors] == ["Schoenfeld JD", "Haas-Kogan DA", "O'Neill AF"]
    assert first.publication_types == ("journal article",)
    assert first.source_ids == (("europepmc", "MED:39709209"),)
    assert first.url == "https://europepmc.org/article/MED/39709209"


def test_lite_fixture_pmcid_and_split_pub_types(fixtures_dir):
    second = parse_europepmc(_load(fixtures_dir, "search_lite_pagesize5_cancer.json"))[1]
    assert second.pmcid == "PMC12124214"
    assert second.authors == ()  # the recorded "Department of Error." has no authorString
    assert second.publication_types == ("published erratum", "correction")


def test_idlist_fixture_gives_identifier_only_records(fixtures_dir):
    records = parse_europepmc(_load(fixtures_dir, "search_idlist_cancer.json"))
    assert len(records) == 25
    assert records[0].pmid == "39709209" and records[0].title == ""
    assert records[1].pmcid == "PMC12124214"


def test_no_results_fixture_is_empty(fixtures_dir):
    assert parse_europepmc(_load(fixtures_dir, "search_no_results.json")) == []


def test_synthetic_core_preprint_and_markup():
    preprint, med = parse_europepmc({"resultList": {"result": [synthetic_epmc(2), synthetic_epmc(3)]}})
    assert preprint.publication_types == ("Preprint",) and preprint.pmid == ""
    assert preprint.journal == "Synthetic Preprint Server"
    assert preprint.abstract == "Background Synthetic abstract 2. Results None & none."
    assert preprint.authors[1] == Author(collective_name="Synthetic Study Group")
    assert med.pmid == "99000003" and med.iso_abbreviation == "Synth J" and med.volume == "4"


def test_author_string_initials_and_collective_names():
    assert author_from_string("Haas-Kogan DA") == Author(last_name="Haas-Kogan", initials="DA")
    assert author_from_string("Guideline Development Panel").collective_name == "Guideline Development Panel"


def test_date_window_query():
    assert date_query("prp", None, None) == "prp"
    assert date_query("prp", "2020-01-01", "2021-06-30") == "(prp) AND FIRST_IDATE:[2020-01-01 TO 2021-06-30]"


# ------------------------------------------------------------------ searches over HTTP


def test_cursor_paging_to_the_end_stores_each_record_once(store):
    with FakeSources(n_europepmc=23) as fake:
        report = search_into(store, "hair", batch_size=5, api=fast_client(europepmc, fake))
        cursors = [r["params"]["cursorMark"] for r in fake.requests_to("europepmc")]
    assert (report.found, report.new, report.failed) == (23, 23, ())
    assert store.count_records() == 23
    assert cursors[0] == "*" and len(cursors) == 6 and len(set(cursors)) == 6  # 5 pages + empty end
    params = fake.requests_to("europepmc")[0]["params"]
    assert (params["resultType"], params["format"], params["pageSize"]) == ("core", "json", "5")


def test_rerun_finds_everything_already_known(store):
    with FakeSources(n_europepmc=7) as fake:
        search_into(store, "hair", batch_size=3, api=fast_client(europepmc, fake))
        again = search_into(store, "hair", batch_size=3, api=fast_client(europepmc, fake))
    assert (again.new, again.known) == (0, 7)
    assert store.count_records() == 7
    assert len(store.searches()) == 1 and store.searches()[0].last_report["known"] == 7


def test_recorded_page_replayed_over_http_is_stored(store, fixtures_dir):
    with FakeSources() as fake:
        report = search_into(store, "cancer", batch_size=5, api=fast_client(europepmc, fake))
    assert report.found == 5059039  # hitCount as recorded
    assert report.new == 5 and store.find(pmid="40493882") is not None
    sources = store.sources_of(store.find(pmid="39709209"))
    assert [(s["source"], s["source_id"]) for s in sources] == [("europepmc", "MED:39709209")]


def test_max_records_stops_early(store):
    with FakeSources(n_europepmc=50) as fake:
        report = search_into(store, "hair", max_records=12, batch_size=5, api=fast_client(europepmc, fake))
        requests_made = len(fake.requests_to("europepmc"))
    assert report.new == 12 and store.count_records() == 12 and requests_made == 3


def test_date_window_sent_as_first_index_date(store):
    with FakeSources(n_europepmc=2) as fake:
        search_into(store, "hair", since="2020-01-01", api=fast_client(europepmc, fake))
        query = fake.requests_to("europepmc")[0]["params"]["query"]
    assert query == "(hair) AND FIRST_IDATE:[2020-01-01 TO 9999-12-31]"


def test_429_waits_for_retry_after_then_succeeds(store):
    with FakeSources(n_europepmc=3) as fake:
        fake.retry_after = "0.3"
        fake.plan("europepmc", ["429"])
        report = search_into(store, "hair", api=fast_client(europepmc, fake))
        times = [r["time"] for r in fake.requests_to("europepmc")]
    assert report.new == 3 and report.failed == ()
    assert times[1] - times[0] >= 0.3  # Retry-After honoured, not the 0.01 s backoff


@pytest.mark.parametrize("fault", ["500", "sleep", "truncate"])
def test_transient_fault_then_success(store, fault):
    with FakeSources(n_europepmc=4, sleep_seconds=0.5) as fake:
        fake.plan("europepmc", [fault])
        report = search_into(store, "hair", batch_size=2, api=fast_client(europepmc, fake, timeout=0.2))
        first_two = [r["params"]["cursorMark"] for r in fake.requests_to("europepmc")[:2]]
    assert (report.new, report.failed) == (4, ())
    assert first_two == ["*", "*"]  # the failed page was asked again


def test_page_that_keeps_failing_is_reported_and_earlier_pages_kept(store):
    with FakeSources(n_europepmc=10) as fake:
        api = fast_client(europepmc, fake)
        fake.fail_always("europepmc", _token(4))
        report = search_into(store, "hair", batch_size=4, api=api)
    assert report.new == 4 and store.count_records() == 4
    assert len(report.failed) == 1 and "failed after 3 attempts: HTTP 500" in report.failed[0]
    assert "cursorMark=" in report.failed[0]
    assert "1 batch(es) failed" in report.summary_line()


def test_unreachable_server_is_a_source_error_naming_the_request():
    api = europepmc.client(base_url="http://127.0.0.1:9", policy=RetryPolicy(tries=2, base=0.0), timeout=0.2)
    with pytest.raises(SourceError, match=r"europepmc: GET http://127.0.0.1:9/search\?query=x"):
        api.get("/search", {"query": "x"})


def test_defaults_base_url_from_environment_and_polite_rate(monkeypatch):
    monkeypatch.setenv("HAIRMETA_EUROPEPMC_URL", "http://127.0.0.1:1/epmc/")
    api = europepmc.client()
    assert api.base_url == "http://127.0.0.1:1/epmc" and api.limiter.rate == 5.0
    monkeypatch.delenv("HAIRMETA_EUROPEPMC_URL")
    assert europepmc.client().base_url == "https://www.ebi.ac.uk/europepmc/webservices/rest"
    assert europepmc.client().timeout == 30.0


@pytest.mark.slow
def test_default_rate_is_never_exceeded(store):
    """The fake enforces 5 requests per sliding second; the default limiter keeps under it."""
    with FakeSources(n_europepmc=16, limits={"europepmc": (5, 1.0)}) as fake:
        api = fast_client(europepmc, fake, limiter=europepmc.client().limiter)
        start = time.monotonic()
        report = search_into(store, "hair", batch_size=2, api=api)
        elapsed = time.monotonic() - start
    assert report.new == 16 and fake.over_limit["europepmc"] == 0
    assert elapsed >= 1.0  # 9 requests at 5/s need more than one window


def test_search_command_with_europepmc_source(runner, db_file, monkeypatch):
    """``hairmeta search --source europepmc`` reaches this module through SOURCE_MODULES."""
    with FakeSources(n_europepmc=7) as fake:
        monkeypatch.setenv("HAIRMETA_EUROPEPMC_URL", fake.url("europepmc"))
        result = runner.invoke(app, ["search", "--source", "europepmc", "prp", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["new"] == 7
    assert "europepmc: 7 found; 7 new" in result.stderr


def test_bad_base_url_is_a_source_error_not_a_traceback(monkeypatch):
    monkeypatch.setenv("HAIRMETA_EUROPEPMC_URL", "not-a-url")
    with pytest.raises(SourceError, match="europepmc: GET not-a-url/search"):
        europepmc.client().get("/search", {"query": "x"})
