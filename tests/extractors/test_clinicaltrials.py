"""ClinicalTrials.gov API v2: parsing studies and ``pageToken`` searches through the real HTTP
stack against the loopback fake (tests/fake_sources.py).

No recorded ClinicalTrials.gov answer exists in ../shared/fixtures.  Every study used here is
HAND-MADE and SYNTHETIC (tests/data/ctgov/study_template.json and the studies the fake derives
from it: NCT9999NNNN, "Synthetic trial N"), following the documented API v2 structure
(``protocolSection.identificationModule`` / ``statusModule`` / ``designModule`` /
``conditionsModule`` / ``armsInterventionsModule`` and the ``{"studies", "nextPageToken",
"totalCount"}`` page).  They are not recordings and state no fact about any real trial.
"""

from __future__ import annotations

import json

import pytest
from fake_sources import CTGOV_TEMPLATE, FakeSources, _token, fast_client

from hairmeta.cli import app
from hairmeta.evidence.library.store import Store
from hairmeta.extractors import clinicaltrials
from hairmeta.extractors.clinicaltrials import date_filter, parse_ctgov_study, search_into, start_year

#: Loopback fake server with rate windows and injected faults: outside the fast lane.
pytestmark = pytest.mark.slow


@pytest.fixture
def template() -> dict:
    return json.loads(CTGOV_TEMPLATE.read_text(encoding="utf-8"))


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "lib.sqlite") as s:
        yield s


def test_template_study_becomes_a_trial_record(template):
    record = parse_ctgov_study(template)
    assert record.source_ids == (("nct", "NCT99999901"),)
    assert record.key() == "nct:NCT99999901"
    assert record.title == "Synthetic trial 1: a hand-made study record for offline tests"
    assert record.year == 2024  # from startDateStruct "2024-02"
    assert record.url == "https://clinicaltrials.gov/study/NCT99999901"
    assert record.journal == "ClinicalTrials.gov"
    assert record.publication_types == ("Clinical Trial Registration",)
    assert record.authors[0].collective_name == "Synthetic Sponsor"


def test_conditions_interventions_and_design_in_abstract(template):
    abstract = parse_ctgov_study(template).abstract
    assert "Conditions: Synthetic condition A; Synthetic condition B." in abstract
    assert "Interventions: Biological: Synthetic product A; Procedure: Synthetic procedure B." in abstract
    assert "Study type: INTERVENTIONAL." in abstract and "Status: RECRUITING." in abstract
    assert "Enrollment: 10 ESTIMATED." in abstract and abstract.startswith("Brief title: Synthetic trial 1.")


def test_brief_title_used_when_no_official_title(template):
    del template["protocolSection"]["identificationModule"]["officialTitle"]
    assert parse_ctgov_study(template).title == "Synthetic trial 1"


@pytest.mark.parametrize("date, year", [("2024", 2024), ("2023-11-05", 2023), ("", None), (None, None)])
def test_start_year_forms(date, year):
    assert start_year({"statusModule": {"startDateStruct": {"date": date}}}) == year


def test_sparse_study_does_not_fail():
    record = parse_ctgov_study({"protocolSection": {"identificationModule": {"nctId": "NCT99990002"}}})
    assert (record.title, record.year, record.abstract, record.authors) == ("", None, "", ())


def test_date_filter_forms():
    assert date_filter(None, None) is None
    assert date_filter(None, "2024-12-31") == "AREA[StudyFirstPostDate]RANGE[MIN,2024-12-31]"


def test_page_token_paging_to_the_end(store):
    with FakeSources(n_ctgov=25) as fake:
        report = search_into(store, "exosome prp", batch_size=10, api=fast_client(clinicaltrials, fake))
        sent = [r["params"] for r in fake.requests_to("ctgov")]
    assert (report.found, report.new, report.failed) == (25, 25, ())
    assert "pageToken" not in sent[0] and sent[0]["countTotal"] == "true"
    assert [p.get("pageToken") for p in sent[1:]] == [_token(10), _token(20)]
    assert sent[0]["query.term"] == "exosome prp" and sent[0]["pageSize"] == "10"
    ids = {s["source_id"] for rid, _ in store.iter_records() for s in store.sources_of(rid)}
    assert ids == {f"NCT9999{i:04d}" for i in range(1, 26)}  # each NCT id once


def test_token_page_failing_for_good_is_reported(store):
    with FakeSources(n_ctgov=25) as fake:
        fake.fail_always("ctgov", _token(10))
        report = search_into(store, "x", batch_size=10, api=fast_client(clinicaltrials, fake))
    assert report.new == 10 and "pageToken" in report.failed[0]


def test_timeout_then_success(store):
    with FakeSources(n_ctgov=3, sleep_seconds=0.5) as fake:
        fake.plan("ctgov", ["sleep"])
        report = search_into(store, "x", api=fast_client(clinicaltrials, fake, timeout=0.2))
    assert (report.new, report.failed) == (3, ())


def test_search_date_window_sent(store):
    with FakeSources(n_ctgov=1) as fake:
        search_into(store, "x", since="2023-01-01", api=fast_client(clinicaltrials, fake))
        assert (
            fake.requests_to("ctgov")[0]["params"]["filter.advanced"] == "AREA[StudyFirstPostDate]RANGE[2023-01-01,MAX]"
        )


def test_defaults(monkeypatch):
    monkeypatch.setenv("HAIRMETA_CTGOV_URL", "http://127.0.0.1:1/v2/")
    api = clinicaltrials.client()
    assert api.base_url == "http://127.0.0.1:1/v2" and api.limiter.slots == 3
    monkeypatch.delenv("HAIRMETA_CTGOV_URL")
    assert clinicaltrials.client().base_url == "https://clinicaltrials.gov/api/v2"


def test_search_command_with_ctgov_source(runner, db_file, monkeypatch):
    """``hairmeta search --source ctgov`` reaches this module through SOURCE_MODULES."""
    with FakeSources(n_ctgov=12) as fake:
        monkeypatch.setenv("HAIRMETA_CTGOV_URL", fake.url("ctgov"))
        result = runner.invoke(app, ["search", "--source", "ctgov", "exosome", "--batch-size", "5", "--format", "json"])
        again = runner.invoke(app, ["search", "--source", "ctgov", "exosome", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0] | {"failures": ""} == {
        "source": "ctgov",
        "term": "exosome",
        "found": 12,
        "new": 12,
        "updated": 0,
        "known": 0,
        "failed": 0,
        "failures": "",
    }
    assert json.loads(again.stdout)[0]["known"] == 12
    with Store(db_file) as store:
        assert store.count_records() == 12 and len(store.searches()) == 1
        assert store.searches()[0].last_report["new"] == 0
