"""PubMed: parsing real NCBI replies (../shared/fixtures) and fetching from the loopback fake.

Oracles: the fixture files themselves (values read off the XML by eye, quoted in each test),
NCBI's documented rules (3/s, 10/s with a key; 9,999-ID esearch cap) and the fake server's own
counters (requests per sliding second, 429s, records served).
"""

from __future__ import annotations

import time
from datetime import date

import pytest
from fake_eutils import FakeEutils

from hairmeta.evidence.errors import SourceError
from hairmeta.evidence.library.serial import stored_columns
from hairmeta.evidence.library.store import Store
from hairmeta.extractors.http import RateLimiter, RetryableError, RetryPolicy
from hairmeta.extractors.pubmed import EutilsClient, EutilsConfig, _only, parse_batch, search_into
from hairmeta.extractors.pubmed_xml import PubmedParseError, parse_esearch, parse_pubmed_xml

#: Loopback fake E-utilities with NCBI's rate windows: seconds per test, so outside the fast lane.
pytestmark = pytest.mark.slow


def one(path):
    (record,) = parse_pubmed_xml(path)
    return record


# ----------------------------------------------------------------------------- parsing fixtures


def test_structured_abstract_and_inline_markup_pubmed4(fixtures_dir):
    rec = one(fixtures_dir / "efetch_pubmed" / "pubmed4.xml")
    assert rec.pmid == "27797938" and rec.pmcid == "PMC5442267"
    assert rec.doi == "10.1136/gutjnl-2016-312510"
    assert rec.title == (
        "Leucocyte telomere length, genetic variants at the TERT gene region and risk of pancreatic cancer."
    )
    labels = [line.split(":", 1)[0] for line in rec.abstract.splitlines()]
    assert labels == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]
    assert "<i>" not in rec.abstract and "(TERT) gene region" in rec.abstract
    assert "ptrend=0.048" in rec.abstract and "r2<0.25" in rec.abstract  # <sub>/<sup> dropped
    assert (rec.journal, rec.iso_abbreviation, rec.year) == ("Gut", "Gut", 2017)
    assert (rec.volume, rec.issue, rec.pages) == ("66", "6", "1116-1122")
    assert rec.authors[0].last_name == "Bao" and rec.authors[0].fore_name == "Ying"
    assert rec.authors[0].initials == "Y"
    assert [(l.ref_type, l.pmid) for l in rec.links] == [("CommentIn", "27920200")]  # no Cites
    assert rec.entrez_date == "2016-11-01"
    assert "Observational Study" in rec.publication_types
    assert "Adenocarcinoma" in rec.mesh_terms


def test_season_date_and_missing_abstract_pubmed1(fixtures_dir):
    first, second = parse_pubmed_xml(fixtures_dir / "efetch_pubmed" / "pubmed1.xml")
    assert first.pmid == "12091962" and first.year == 1990  # <Year>1990</Year><Season>Spring
    assert first.abstract == "" and len(first.mesh_terms) == 19
    assert "Review" in first.publication_types
    assert first.authors[0].fore_name == "J Michael" and first.authors[0].initials == "JM"
    assert second.pmid == "9997" and second.doi == "10.1016/0005-2795(76)90109-4"
    assert second.year == 1976 and second.pages == "179-91"


def test_erratum_without_authors_pmid_38962805(fixtures_dir):
    rec = one(fixtures_dir / "efetch_pubmed" / "pmid_38962805.xml")
    assert rec.title == "Correction." and rec.authors == () and rec.abstract == ""
    assert "Published Erratum" in rec.publication_types
    assert rec.links[0].ref_type == "ErratumFor" and rec.links[0].pmid == "38446048"
    assert rec.issue == "sup1"


def test_erratum_in_link_pmid_35649368(fixtures_dir):
    rec = one(fixtures_dir / "efetch_pubmed" / "pmid_35649368.xml")
    assert ("ErratumIn", "35767954") in [(l.ref_type, l.pmid) for l in rec.links]


def test_nonstandard_abstract_label_pmid_33856845(fixtures_dir):
    rec = one(fixtures_dir / "efetch_pubmed" / "pmid_33856845.xml")
    assert rec.abstract.splitlines()[-1].startswith("CONCLUSIONS AND IMPLICATIONS FOR PRACTICE: ")
    assert "Systematic Review" in rec.publication_types and rec.year == 2021


def test_two_languages_vernacular_title_non_ascii_pmid_36987902(fixtures_dir):
    rec = one(fixtures_dir / "efetch_pubmed" / "pmid_36987902.xml")
    assert rec.languages == ("eng", "nor")
    assert rec.vernacular_title.startswith("Pasienter over 75 år")
    assert rec.authors[0].display() == "Bruserud Ø"
    assert rec.title_translated is False


def test_collective_author_pmid_34843274(fixtures_dir):
    rec = one(fixtures_dir / "efetch_pubmed" / "pmid_34843274.xml")
    assert rec.authors[0].collective_name == ("Guideline Development Panel for the Treatment of Depressive Disorders")
    assert rec.authors[0].display() == rec.authors[0].collective_name


# Synthetic variants of real fixtures (NCBI's shapes, documented in ENTREZ-NOTES §3.4) for cases
# no collected fixture has: MedlineDate, a bracketed translated title, a retraction link, a
# DOI given only as ELocationID.


def variant(fixtures_dir, name, old, new) -> bytes:
    raw = (fixtures_dir / "efetch_pubmed" / name).read_bytes()
    assert old in raw
    return raw.replace(old, new)


def test_medline_date_gives_first_year_synthetic_variant(fixtures_dir):
    raw = variant(
        fixtures_dir,
        "pubmed1.xml",
        b"<Year>1990</Year><Season>Spring</Season>",
        b"<MedlineDate>2019 Jan-Feb</MedlineDate>",
    )
    assert parse_pubmed_xml(raw)[0].year == 2019


def test_translated_title_brackets_removed_fact_kept_synthetic_variant(fixtures_dir):
    raw = variant(
        fixtures_dir, "pmid_36987902.xml", b"<ArticleTitle>Patients over 75", b"<ArticleTitle>[Patients over 75"
    )
    raw = raw.replace(b"2000-19.</ArticleTitle>", b"2000-19].</ArticleTitle>")
    rec = parse_pubmed_xml(raw)[0]
    assert rec.title_translated is True
    assert rec.title.startswith("Patients over 75") and rec.title.endswith("2000-19.")


def test_retraction_link_kept_synthetic_variant(fixtures_dir):
    raw = variant(fixtures_dir, "pmid_35649368.xml", b'RefType="ErratumIn"', b'RefType="RetractionIn"')
    assert parse_pubmed_xml(raw)[0].links[0].ref_type == "RetractionIn"


def test_doi_from_elocation_when_article_ids_lack_it_synthetic_variant(fixtures_dir):
    raw = variant(fixtures_dir, "pmid_34843274.xml", b'<ArticleId IdType="doi">10.1037/amp0000904</ArticleId>', b"")
    assert parse_pubmed_xml(raw)[0].doi == "10.1037/amp0000904"


BOOK = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st'
    b' January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    b'<PubmedArticleSet><PubmedBookArticle><BookDocument><PMID Version="1">20301295</PMID>'
    b'<ArticleIdList><ArticleId IdType="bookaccession">NBK1116</ArticleId></ArticleIdList><Book>'
    b"<Publisher><PublisherName>University of Washington, Seattle</PublisherName></Publisher>"
    b'<BookTitle book="gene">GeneReviews<sup>&#174;</sup></BookTitle><PubDate><Year>1993</Year>'
    b'</PubDate></Book><ArticleTitle book="gene" part="x">A synthetic chapter</ArticleTitle>'
    b'<Language>eng</Language><AuthorList Type="authors"><Author><LastName>Writer</LastName>'
    b"<ForeName>Ann</ForeName><Initials>A</Initials></Author></AuthorList>"
    b'<PublicationType UI="D016454">Review</PublicationType></BookDocument><PubmedBookData>'
    b'<History><PubMedPubDate PubStatus="entrez"><Year>2010</Year><Month>3</Month><Day>20</Day>'
    b"</PubMedPubDate></History></PubmedBookData></PubmedBookArticle></PubmedArticleSet>\n"
)


def test_book_article_synthetic_in_pubmed_250101_shape():
    (rec,) = parse_pubmed_xml(BOOK)
    assert (rec.pmid, rec.title, rec.journal, rec.year) == (
        "20301295",
        "A synthetic chapter",
        "GeneReviews\u00ae",
        1993,
    )
    assert rec.authors[0].last_name == "Writer" and rec.entrez_date == "2010-03-20"


def test_newer_pubmed_dtd_than_biopython_bundles_still_parses(fixtures_dir):
    raw = variant(fixtures_dir, "pubmed1.xml", b"pubmed_250101.dtd", b"pubmed_290101.dtd")
    assert [r.pmid for r in parse_pubmed_xml(raw)] == ["12091962", "9997"]


def test_truncated_xml_is_a_parse_error(fixtures_dir):
    raw = (fixtures_dir / "efetch_pubmed" / "pubmed4.xml").read_bytes()
    with pytest.raises(PubmedParseError):
        parse_pubmed_xml(raw[: len(raw) // 2])


def test_a_parsed_batch_is_its_records_held_as_library_columns(fixtures_dir):
    raw = (fixtures_dir / "efetch_pubmed" / "pubmed1.xml").read_bytes()
    batch = parse_batch(raw)
    assert list(batch) == parse_pubmed_xml(raw)
    assert batch.columns == [stored_columns(r) for r in parse_pubmed_xml(raw)]


def test_a_parsed_batch_keeps_the_requested_pmids_and_refuses_a_short_reply(fixtures_dir):
    batch = parse_batch((fixtures_dir / "efetch_pubmed" / "pubmed1.xml").read_bytes())
    pmids = [r.pmid for r in batch]
    assert _only(batch, pmids) is batch
    kept = _only(batch, pmids[1:])
    assert [r.pmid for r in kept] == pmids[1:] and [c["pmid"] for c in kept.columns] == pmids[1:]
    with pytest.raises(RetryableError, match="1 of 2 records missing"):
        _only(batch, [pmids[0], "99999999"])


@pytest.mark.parametrize(
    "name, message", [("epost2.xml", "Invalid db name specified"), ("esummary8.xml", "Neither query_key nor id")]
)
def test_error_replies_raise_with_ncbis_message(fixtures_dir, name, message):
    with pytest.raises(PubmedParseError, match=message):
        parse_esearch((fixtures_dir / "errors" / name).read_bytes())


def test_esearch_history_reply_esearch2(fixtures_dir):
    result = parse_esearch((fixtures_dir / "esearch" / "esearch2.xml").read_bytes())
    assert result["count"] == 42249 and len(result["ids"]) == 100
    assert result["webenv"] == "MCID_6927d6e7fee3e90f880ec190" and result["query_key"] == "1"


def test_esearch_zero_hits_esearch8(fixtures_dir):
    result = parse_esearch((fixtures_dir / "esearch" / "esearch8.xml").read_bytes())
    assert result["count"] == 0 and result["ids"] == []
    assert "OutputMessage: No items found." in result["warnings"]


# ----------------------------------------------------------------------------- configuration


def test_defaults_are_ncbis_rules():
    plain = EutilsConfig.from_env({})
    keyed = EutilsConfig.from_env({"NCBI_API_KEY": "k", "NCBI_EMAIL": "a@b.org"})
    assert plain.base_url == "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
    assert plain.requests_per_second == 3 and keyed.requests_per_second == 10
    assert plain.cap == 9999 and plain.timeout == 30 and plain.retry.tries == 5
    assert keyed.email == "a@b.org" and plain.tool == "hairmeta"
    assert EutilsConfig.from_env({"HAIRMETA_EUTILS_URL": "http://127.0.0.1:9/e/"}).base_url == "http://127.0.0.1:9/e"


def test_rate_limiter_slot_counts_a_request_at_its_end():
    clock = {"t": 0.0}
    limiter = RateLimiter(2, clock=lambda: clock["t"], sleep=lambda s: clock.__setitem__("t", clock["t"] + s))
    with limiter.slot():
        clock["t"] += 0.4  # request takes 0.4 s
    with limiter.slot():
        pass
    starts = []
    with limiter.slot():
        starts.append(clock["t"])
    assert starts[0] >= 1.4  # one second after the first request ENDED, not started


# ----------------------------------------------------------------------------- loopback server


def config(fake, **kw) -> EutilsConfig:
    base = dict(
        base_url=fake.url, email="tests@example.invalid", timeout=2.0, retry=RetryPolicy(tries=4, base=0.01, cap=0.05)
    )
    base.update(kw)
    return EutilsConfig(**base)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "lib.sqlite") as s:
        yield s


def test_few_thousand_records_stored_exactly_once_at_three_per_second(store):
    with FakeEutils(3000, rate_limit=3) as fake:
        report = search_into(store, "platelet rich plasma", config=config(fake))
    assert (report.found, report.new, report.failed) == (3000, 3000, ())
    assert store.count_records() == 3000
    assert fake.too_many == 0 and fake.max_in_window <= 3
    assert len(fake.requests_to("esearch")) == 1 and len(fake.requests_to("efetch")) == 6
    assert max(fake.served.values()) == 1  # no record fetched twice
    rows = store.conn.execute("SELECT count(*), count(DISTINCT record_id) FROM record_sources")
    assert tuple(rows.fetchone()) == (3000, 3000)


def test_identity_params_and_history_are_sent(store):
    with FakeEutils(20, rate_limit=50) as fake:
        search_into(store, "x", config=config(fake, api_key="KEY", rate=20), batch_size=10)
    search = fake.requests_to("esearch")[0]["params"]
    assert search["usehistory"] == "y" and search["tool"] == "hairmeta"
    assert search["email"] == "tests@example.invalid" and search["api_key"] == "KEY"
    fetches = [e["params"] for e in fake.requests_to("efetch")]
    assert [f["retstart"] for f in fetches] == ["0", "10"] and all("WebEnv" in f for f in fetches)


def test_with_api_key_ten_per_second_is_kept(store):
    with FakeEutils(600, rate_limit=3, key_rate_limit=10) as fake:
        cfg = config(fake, api_key="KEY")
        assert cfg.requests_per_second == 10
        search_into(store, "x", config=cfg, batch_size=50)
    assert len(fake.log) == 13 and fake.too_many == 0 and fake.max_in_window <= 10


def test_direct_call_saves_the_search_and_its_run_date(store):
    with FakeEutils(5, rate_limit=50) as fake:
        search_into(store, "x", config=config(fake, rate=20))
    (saved,) = store.searches()
    assert saved.term == "x" and saved.last_run == date.today().isoformat()
    assert saved.last_report["new"] == 5


def test_second_run_reports_known_and_keeps_one_copy(store):
    with FakeEutils(50, rate_limit=50) as fake:
        search_into(store, "x", config=config(fake, rate=20))
        report = search_into(store, "x", config=config(fake, rate=20))
    assert (report.new, report.known) == (0, 50) and store.count_records() == 50


@pytest.mark.parametrize("fault", ["500", "502", "timeout", "truncate", "truncate_xml", "error200", "nohistory"])
def test_transient_faults_are_retried_and_nothing_is_lost(store, fault):
    with FakeEutils(300, rate_limit=50, faults={1: fault, 3: fault}, hang_seconds=1.0) as fake:
        client = EutilsClient(config(fake, rate=20, timeout=0.3))
        report = search_into(store, "x", batch_size=100, client=client)
    assert report.failed == () and store.count_records() == 300
    assert client.stats.retries == 2
    if fault == "nohistory":  # fell back to fetching the 100 IDs by id=
        by_id = [e for e in fake.requests_to("efetch") if "id" in e["params"]]
        assert len(by_id) == 2 and len(by_id[0]["params"]["id"].split(",")) == 100


def test_long_id_lists_are_posted(store):
    with FakeEutils(250, rate_limit=50, faults={1: "nohistory"}) as fake:
        search_into(store, "x", batch_size=250, config=config(fake, rate=20))
    by_id = [e for e in fake.requests_to("efetch") if "id" in e["params"]]
    assert by_id[0]["method"] == "POST" and len(by_id[0]["params"]["id"].split(",")) == 250
    assert store.count_records() == 250


def test_429_is_backed_off_and_retried(store):
    with FakeEutils(60, rate_limit=2) as fake:
        client = EutilsClient(config(fake, rate=8, retry=RetryPolicy(tries=6, base=0.3, cap=1.0)))
        report = search_into(store, "x", batch_size=20, client=client)
    assert report.failed == () and store.count_records() == 60
    assert client.stats.too_many > 0 and fake.too_many == client.stats.too_many


def test_batch_failing_for_good_is_reported_rest_kept_and_rerun_resumes(store):
    faults = {n: "500" for n in range(2, 5)}  # the second batch fails all three tries
    with FakeEutils(300, rate_limit=50, faults=faults) as fake:
        cfg = config(fake, rate=20, retry=RetryPolicy(tries=3, base=0.01, cap=0.01))
        first = search_into(store, "x", batch_size=100, config=cfg)
        assert len(first.failed) == 1 and "records 101-200" in first.failed[0]
        assert "HTTP 500" in first.failed[0]
        assert store.count_records() == 200
        calls_before = fake.efetch_calls
        second = search_into(store, "x", batch_size=100, config=cfg)
        assert fake.efetch_calls - calls_before == 1  # only the failed batch again
    assert second.failed == () and (second.new, second.known) == (100, 200)
    assert store.count_records() == 300 and store.failed_batches() == []


def test_split_into_date_windows_over_the_esearch_cap(store):
    with FakeEutils(450, rate_limit=100, cap=100, per_day=10) as fake:
        report = search_into(store, "x", config=config(fake, rate=50, cap=100))
    assert report.failed == () and report.found == 450 and store.count_records() == 450
    for entry in fake.requests_to("esearch"):
        assert int(entry["params"]["retmax"]) <= 100
    windows = [e["params"] for e in fake.requests_to("esearch") if "mindate" in e["params"]]
    assert windows and all(w["datetype"] == "edat" for w in windows)
    assert max(fake.served.values()) == 1


def test_one_day_over_the_cap_is_reported_not_dropped(store):
    with FakeEutils(150, rate_limit=100, cap=100, per_day=1000, first_edat=date(2021, 3, 4)) as fake:
        report = search_into(store, "x", config=config(fake, rate=50, cap=100), since="2021-03-01", until="2021-03-08")
    assert report.found == 0 or report.failed
    assert any("2021-03-04" in f and "150 records" in f for f in report.failed)


def test_since_until_filter_by_entrez_date(store):
    with FakeEutils(100, rate_limit=50, per_day=10, first_edat=date(2020, 1, 1)) as fake:
        report = search_into(store, "x", since="2020-01-03", until="2020-01-04", config=config(fake, rate=20))
    assert report.found == 20 and store.count_records() == 20
    params = fake.requests_to("esearch")[0]["params"]
    assert (params["mindate"], params["maxdate"], params["datetype"]) == ("2020/01/03", "2020/01/04", "edat")


def test_max_records_and_zero_hits(store):
    with FakeEutils(100, rate_limit=50) as fake:
        capped = search_into(store, "x", max_records=30, batch_size=20, config=config(fake, rate=20))
        empty = search_into(store, "nohits here", config=config(fake, rate=20))
    assert (capped.found, capped.new) == (100, 30) and store.count_records() == 30
    assert (empty.found, empty.new) == (0, 0)


def test_fixture_records_served_through_the_fake_round_trip(store, fixtures_dir):
    with FakeEutils(0, rate_limit=50, fixtures_dir=fixtures_dir / "efetch_pubmed") as fake:
        report = search_into(store, "x", config=config(fake, rate=20))
    assert report.new == 8
    rec = store.get_record(store.find(pmid="27797938"))
    assert rec == one(fixtures_dir / "efetch_pubmed" / "pubmed4.xml")


def test_unreachable_server_is_reported_not_raised(store):
    cfg = EutilsConfig(
        base_url="http://127.0.0.1:9", timeout=0.2, retry=RetryPolicy(tries=2, base=0.01, cap=0.01), rate=50
    )
    start = time.monotonic()
    report = search_into(store, "x", config=cfg)
    (failure,) = report.failed
    assert failure.startswith("PubMed esearch for 'x' failed after 2 tries: esearch: ")
    assert time.monotonic() - start < 5 and store.count_records() == 0
    assert store.searches()[0].last_run is None  # not marked as run


def test_esearch_error_reply_is_reported_without_retrying(store):
    with FakeEutils(5, rate_limit=50) as fake:
        report = search_into(store, "badterm here", config=config(fake, rate=20))
    (failure,) = report.failed
    assert "Invalid query: badterm here" in failure
    assert len(fake.requests_to("esearch")) == 1


def test_bad_batch_size_is_refused(store):
    with pytest.raises(SourceError):
        search_into(store, "x", batch_size=0, config=EutilsConfig(base_url="http://127.0.0.1:9"))
