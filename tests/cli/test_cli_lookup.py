"""``hairmeta lookup DOI``: Crossref metadata through the CLI, against the loopback fake
(tests/fake_sources.py) serving the recorded Crossref work and 404 from ../shared/fixtures."""

from __future__ import annotations

import json

import pytest
from fake_sources import FakeSources

from hairmeta.cli import app
from hairmeta.evidence.library.store import Store

DOI = "10.1371/journal.pone.0033693"


@pytest.fixture
def fake(monkeypatch, fixtures_dir):
    with FakeSources() as server:
        monkeypatch.setenv("HAIRMETA_CROSSREF_URL", server.url("crossref"))
        monkeypatch.setenv("HAIRMETA_HTTP_BACKOFF", "0.01")
        monkeypatch.setenv("HAIRMETA_HTTP_TIMEOUT", "2")
        yield server


def test_lookup_json_shows_recorded_metadata(runner, fake):
    result = runner.invoke(app, ["lookup", f"https://doi.org/{DOI}", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["doi"] == DOI and payload["year"] == 2012 and payload["journal"] == "PLoS ONE"
    assert payload["authors"].startswith("Sadasivan S; Pond BB")
    assert payload["links"] == "ErratumIn doi:10.1371/annotation/c76da2c1-ccb8-4797-94c1-359d3ceceeda"
    assert "record_id" not in payload  # not stored without --store


def test_lookup_store_keeps_the_record_once(runner, fake, db_file):
    first = runner.invoke(app, ["lookup", DOI, "--store", "--format", "csv"])
    again = runner.invoke(app, ["lookup", DOI, "--store", "--format", "json"])
    assert first.exit_code == 0 and again.exit_code == 0, first.stderr + again.stderr
    assert "record 1: new" in first.stderr and "record 1: unchanged" in again.stderr
    assert json.loads(again.stdout)["record_id"] == 1
    with Store(db_file) as store:
        assert store.count_records() == 1
        assert [(s["source"], s["source_id"]) for s in store.sources_of(1)] == [("crossref", DOI)]


def test_lookup_table_is_readable(runner, fake):
    result = runner.invoke(app, ["lookup", DOI])
    assert result.exit_code == 0 and "Methylphenidate Exposure" in result.stdout


def test_unknown_doi_is_a_one_line_error(runner, fake, db_file):
    result = runner.invoke(app, ["lookup", "10.1371/notarealdoi", "--store"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: DOI not found in Crossref: 10.1371/notarealdoi"
    assert "Traceback" not in result.output and result.stdout == ""


def test_server_failing_for_good_names_the_request(runner, fake, monkeypatch):
    monkeypatch.setenv("HAIRMETA_HTTP_TRIES", "2")
    fake.plan("crossref", ["500", "500"])
    result = runner.invoke(app, ["lookup", DOI])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: crossref: GET {fake.url('crossref')}/works/{DOI}")
    assert "failed after 2 attempts: HTTP 500" in result.stderr


def test_malformed_doi(runner):
    result = runner.invoke(app, ["lookup", "hair loss"])
    assert result.exit_code == 1 and "not a DOI: 'hair loss'" in result.stderr
