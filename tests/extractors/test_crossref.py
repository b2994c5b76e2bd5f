"""Crossref: parsing the recorded answers in ../shared/fixtures/crossref, DOI look-up, the
polite pool, header-driven rate limiting, and cursor searches through the real HTTP stack
against the loopback fake (tests/fake_sources.py).

The recorded work, work list and 404 are real Crossref answers; works ``10.99999/synthetic.N``
the fake serves are SYNTHETIC, hand-made in Crossref's work shape.
"""

from __future__ import annotations

import json

import pytest
from fake_sources import FakeSources, fast_client

from hairmeta.evidence.errors import DataError, SourceError
from hairmeta.evidence.library.records import Link
from hairmeta.evidence.library.store import Store
from hairmeta.extractors import crossref
from hairmeta.extractors.crossref import adapt_limiter, lookup_doi, parse_crossref_work, rate_from_headers, search_into
from hairmeta.extractors.http import RateLimiter

#: Loopback fake server with rate windows and injected faults: outside the fast lane.
pytestmark = pytest.mark.slow

RECORDED = "work_10.1371_journal.pone.0033693"


def _load(fixtures_dir, name):
    return json.loads((fixtures_dir / "crossref" / name).read_text(encoding="utf-8"))


def _recorded_headers(fixtures_dir, name) -> dict:
    """The recorded response headers (``*.meta.json`` keeps each as a one-item list)."""
    return {k: v[0] for k, v in _load(fixtures_dir, name)["headers"].items()}


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "lib.sqlite") as s:
        yield s


# ------------------------------------------------------------------ parsing recorded answers


def test_recorded_work_fields(fixtures_dir):
    record = parse_crossref_work(_load(fixtures_dir, RECORDED + ".json"))
    assert record.doi == "10.1371/journal.pone.0033693"
    assert record.title.startswith("Methylphenidate Exposure Induces Dopamine Neuron Loss")
    assert (record.journal, record.volume, record.issue, record.pages, record.year) == (
        "PLoS ONE",
        "7",
        "3",
        "e33693",
        2012,
    )
    assert [a.display() for a in record.authors][:2] == ["Sadasivan S", "Pond BB"]
    assert record.authors[1].fore_name == "Brooks B."
    assert record.publication_types == ("journal-article",)
    assert record.source_ids == (("crossref", "10.1371/journal.pone.0033693"),)


def test_recorded_correction_becomes_erratum_link(fixtures_dir):
    record = parse_crossref_work(_load(fixtures_dir, RECORDED + ".json"))
    assert record.links == (
        Link("ErratumIn", ref_source="doi:10.1371/annotation/c76da2c1-ccb8-4797-94c1-359d3ceceeda"),
    )


def test_recorded_work_list_items_and_undated_work(fixtures_dir):
    items = _load(fixtures_dir, "works_query_widget_cursor_star.json")["message"]["items"]
    records = [parse_crossref_work(item) for item in items]
    assert len(records) == 20
    assert records[0].doi == "10.1007/978-1-4302-0197-7_9" and records[0].year is None  # issued [[null]]
    assert records[0].pages == "305-349"
    assert records[2].year == 2020 and records[2].authors[0].last_name == "Lynch"


def test_jats_abstract_and_title_markup_are_stripped():
    work = {
        "DOI": "10.99999/X",
        "title": ["A <i>scalp</i> study"],
        "abstract": "<jats:title>Abstract</jats:title><jats:p>Hair <jats:italic>density</jats:italic> rose.</jats:p>",
    }
    record = parse_crossref_work(work)
    assert (record.title, record.abstract, record.doi) == ("A scalp study", "Hair density rose.", "10.99999/x")


def test_rate_limit_headers_as_recorded(fixtures_dir):
    headers = _recorded_headers(fixtures_dir, RECORDED + ".meta.json")
    assert rate_from_headers(headers) == (5, 1.0)
    assert headers["x-concurrency-limit"] == "1"


@pytest.mark.parametrize(
    "limit, interval, expected",
    [("50", "1s", (50, 1.0)), ("3", "200ms", (3, 0.2)), ("", "1s", None), ("5", "soon", None), ("0", "1s", None)],
)
def test_rate_from_headers_forms(limit, interval, expected):
    assert rate_from_headers({"x-rate-limit-limit": limit, "x-rate-limit-interval": interval}) == expected


def test_adapt_limiter_retunes_slots_and_window():
    limiter = RateLimiter(100)
    adapt_limiter(limiter, {"x-rate-limit-limit": "5", "x-rate-limit-interval": "1s"})
    assert (limiter.slots, limiter.rate) == (5, 5.0) and limiter.window == pytest.approx(1.1)
    adapt_limiter(limiter, {})  # no headers: unchanged
    assert limiter.slots == 5


# ------------------------------------------------------------------ DOI look-up over HTTP


def test_lookup_doi_over_http_matches_parsed_recording(fixtures_dir, monkeypatch):
    monkeypatch.setenv("HAIRMETA_MAILTO", "reviewer@example.invalid")
    with FakeSources() as fake:
        record = lookup_doi("https://doi.org/10.1371/JOURNAL.PONE.0033693", api=fast_client(crossref, fake))
        sent = fake.requests_to("crossref")[0]
    assert record == parse_crossref_work(_load(fixtures_dir, RECORDED + ".json"))
    assert sent["path"] == "/works/10.1371/journal.pone.0033693"
    assert sent["params"]["mailto"] == "reviewer@example.invalid"
    assert "mailto:reviewer@example.invalid" in sent["headers"]["User-Agent"]


def test_mailto_falls_back_to_ncbi_email(monkeypatch):
    monkeypatch.delenv("HAIRMETA_MAILTO", raising=False)
    monkeypatch.setenv("NCBI_EMAIL", "me@example.invalid")
    assert crossref.client().session.headers["User-Agent"].endswith("(mailto:me@example.invalid)")


def test_unknown_doi_is_not_found(fixtures_dir):
    cassette = (fixtures_dir / "crossref" / "work_not_found_404.cassette.yaml").read_text()
    assert "string: Resource not found." in cassette and "code: 404" in cassette  # what the fake replays
    with FakeSources() as fake, pytest.raises(SourceError) as caught:
        lookup_doi("10.1371/notarealdoi", api=fast_client(crossref, fake))
    assert str(caught.value) == "DOI not found in Crossref: 10.1371/notarealdoi"
    assert len(fake.requests_to("crossref")) == 1  # a 404 is not retried


@pytest.mark.parametrize("bad", ["", "hair loss", "11.1000/x", "10.1000"])
def test_malformed_doi_is_a_data_error(bad):
    with pytest.raises(DataError, match="not a DOI"):
        lookup_doi(bad, api=crossref.client(base_url="http://127.0.0.1:9"))


def test_lookup_retries_429_and_500_then_succeeds():
    with FakeSources() as fake:
        fake.plan("crossref", ["429", "500"])
        record = lookup_doi("10.99999/synthetic.7", api=fast_client(crossref, fake))
        assert len(fake.requests_to("crossref")) == 3
    assert record.title == "Synthetic Crossref work 7" and record.year == 2007


def test_lookup_gives_up_with_the_request_named():
    with FakeSources() as fake:
        fake.plan("crossref", ["500"] * 3)
        with pytest.raises(
            SourceError, match=r"crossref: GET .*/works/10.99999/synthetic.7.* failed after 3 attempts: HTTP 500"
        ):
            lookup_doi("10.99999/synthetic.7", api=fast_client(crossref, fake))


# ------------------------------------------------------------------ searches over HTTP


def test_cursor_paging_to_the_end(store):
    with FakeSources(n_crossref=45) as fake:
        report = search_into(store, "platelet rich plasma", batch_size=10, api=fast_client(crossref, fake))
        sent = [r["params"] for r in fake.requests_to("crossref")]
    assert (report.found, report.new, report.failed) == (45, 45, ())
    assert store.count_records() == 45
    assert [p["cursor"] for p in sent][0] == "*" and len(sent) == 5 and len({p["cursor"] for p in sent}) == 5
    assert sent[0]["query.bibliographic"] == "platelet rich plasma" and sent[0]["rows"] == "10"


def test_exact_multiple_of_rows_ends_on_empty_page(store):
    with FakeSources(n_crossref=20) as fake:
        report = search_into(store, "x", batch_size=10, api=fast_client(crossref, fake))
        assert len(fake.requests_to("crossref")) == 3
    assert report.new == 20


def test_recorded_widget_page_replayed_over_http(store, fixtures_dir):
    with FakeSources() as fake:
        report = search_into(store, "widget", api=fast_client(crossref, fake))
    assert (report.found, report.new) == (454, 20)  # total-results as recorded; one page of 20
    assert store.find(doi="10.1117/1.jei.28.6.063006") is not None


def test_date_filters_sent(store):
    with FakeSources(n_crossref=1) as fake:
        search_into(store, "x", since="2020-01-01", until="2024-12-31", api=fast_client(crossref, fake))
        assert (
            fake.requests_to("crossref")[0]["params"]["filter"]
            == "from-created-date:2020-01-01,until-created-date:2024-12-31"
        )


@pytest.mark.slow
def test_header_limits_are_obeyed_and_ignoring_them_is_caught(store, tmp_path):
    """The fake allows 4 requests per sliding second and says so in its headers.  A client
    starting far too fast adapts after the first answer and provokes no 429; the same client
    without the header adaptation does provoke them (so the check can fail)."""
    headers = {"x-rate-limit-limit": "4", "x-rate-limit-interval": "1s", "x-concurrency-limit": "1"}
    with FakeSources(n_crossref=16, limits={"crossref": (4, 1.0)}, crossref_headers=headers) as fake:
        report = search_into(store, "x", batch_size=2, api=fast_client(crossref, fake, rate=1000))
        assert fake.over_limit["crossref"] == 0 and report.new == 16
        assert len(fake.requests_to("crossref")) == 9
    with (
        Store(tmp_path / "other.sqlite") as other,
        FakeSources(n_crossref=16, limits={"crossref": (4, 1.0)}, crossref_headers=headers) as fake,
    ):
        search_into(other, "x", batch_size=2, api=fast_client(crossref, fake, rate=1000, on_response=None))
        assert fake.over_limit["crossref"] > 0


def test_page_failing_for_good_keeps_earlier_pages(store):
    from fake_sources import _token

    with FakeSources(n_crossref=30) as fake:
        fake.fail_always("crossref", _token(10))
        report = search_into(store, "x", batch_size=10, api=fast_client(crossref, fake))
    assert report.new == 10 and store.count_records() == 10
    assert "cursor=" in report.failed[0] and "HTTP 500" in report.failed[0]


def test_defaults(monkeypatch):
    monkeypatch.setenv("HAIRMETA_CROSSREF_URL", "http://127.0.0.1:1/cr")
    api = crossref.client()
    assert api.base_url == "http://127.0.0.1:1/cr" and api.limiter.slots == 5
