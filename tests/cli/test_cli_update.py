"""``hairmeta update``: saved searches re-run for records entered since their last run."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fake_eutils import FakeEutils

from hairmeta.cli import app
from hairmeta.evidence.library.store import Store

#: Loopback fake E-utilities with NCBI's rate windows: seconds per test, so outside the fast lane.
pytestmark = pytest.mark.slow


def test_update_fetches_only_records_entered_since_last_run(runner, db_file, monkeypatch):
    today = date.today()
    with FakeEutils(30, rate_limit=20, first_edat=date(2019, 5, 1)) as fake:
        monkeypatch.setenv("HAIRMETA_EUTILS_URL", fake.url)
        monkeypatch.setenv("HAIRMETA_EUTILS_RATE", "20")
        first = runner.invoke(app, ["search", "prp"])
        assert first.exit_code == 0, first.output
        fake.records.update({90_000_001: today, 90_000_002: today})  # entered today
        result = runner.invoke(app, ["update", "--format", "json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["term"], row["found"], row["new"], row["known"]) == ("prp", 2, 2, 0)
    last = fake.requests_to("esearch")[-1]["params"]
    assert (last["datetype"], last["mindate"]) == ("edat", today.strftime("%Y/%m/%d"))
    assert "pubmed: 2 found; 2 new" in result.stderr
    with Store(db_file) as store:
        assert store.count_records() == 32
        (saved,) = store.searches()
        assert saved.last_run == today.isoformat() and saved.last_report["new"] == 2


def test_update_with_no_saved_searches_says_so(runner, db_file):
    result = runner.invoke(app, ["update"])
    assert result.exit_code == 0
    assert "no saved searches yet" in result.stderr


def test_failed_update_keeps_the_previous_run_date(runner, db_file, monkeypatch):
    with Store(db_file) as store:
        sid = store.save_search("pubmed", "prp")
        store.mark_search_run(sid, "2020-01-01", {"new": 0})
    monkeypatch.setenv("HAIRMETA_EUTILS_TRIES", "1")
    with FakeEutils(5, rate_limit=20, first_edat=date(2021, 1, 1), faults={1: "500"}) as fake:
        monkeypatch.setenv("HAIRMETA_EUTILS_URL", fake.url)
        monkeypatch.setenv("HAIRMETA_EUTILS_RATE", "20")
        result = runner.invoke(app, ["update"])
    assert result.exit_code == 2 and "failed" in result.stderr
    with Store(db_file) as store:
        (saved,) = store.searches()
        assert saved.last_run == "2020-01-01"


def test_saved_search_of_an_unavailable_source_is_reported_and_others_run(runner, db_file, monkeypatch):
    from hairmeta.extractors import base

    monkeypatch.setitem(base.SOURCE_MODULES, "future", "hairmeta.extractors.not_written_yet")
    with Store(db_file) as store:
        store.save_search("future", "prp")
        store.save_search("pubmed", "prp")
    with FakeEutils(3, rate_limit=20) as fake:
        monkeypatch.setenv("HAIRMETA_EUTILS_URL", fake.url)
        monkeypatch.setenv("HAIRMETA_EUTILS_RATE", "20")
        result = runner.invoke(app, ["update", "--format", "json"])
    assert result.exit_code == 2
    rows = json.loads(result.stdout)
    assert rows[0]["failures"] == "source 'future' is not available" and rows[1]["new"] == 3
