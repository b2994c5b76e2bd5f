"""Screening decisions stored in a real SQLite library; latest decision wins, history kept."""

import pytest

from hairmeta.evidence.errors import DataError, StoreError, UnknownNameError
from hairmeta.evidence.library.records import Record
from hairmeta.evidence.library.screening import latest_decisions, record_decision, unscreened
from hairmeta.evidence.library.store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "lib.sqlite") as s:
        s.upsert_records([Record(pmid=str(i), title=f"Trial {i}", year=2020) for i in (1, 2, 3)], source="pubmed")
        yield s


def ids(store):
    return [rid for rid, _ in store.iter_records()]


def test_decision_is_stored_and_latest_wins(store):
    first, second, _ = ids(store)
    record_decision(store, first, "maybe", decided_at="2026-01-01T00:00:00+00:00")
    record_decision(store, first, "exclude", "wrong population", reviewer="ab")
    latest = latest_decisions(store)
    assert list(latest["record_id"]) == [first]
    assert latest.iloc[0]["decision"] == "exclude" and latest.iloc[0]["reason"] == "wrong population"
    history = store.conn.execute("SELECT count(*) FROM screening").fetchone()[0]
    assert history == 2  # nothing overwritten


def test_exclusion_without_reason_is_refused_and_nothing_stored(store):
    with pytest.raises(DataError, match="reason"):
        record_decision(store, ids(store)[0], "exclude", "  ")
    assert latest_decisions(store).empty


def test_unknown_decision_stage_and_record(store):
    with pytest.raises(UnknownNameError, match="include, exclude, maybe"):
        record_decision(store, ids(store)[0], "accept")
    with pytest.raises(UnknownNameError, match="title_abstract, full_text"):
        record_decision(store, ids(store)[0], "include", stage="abstract")
    with pytest.raises(StoreError, match="no record with id 999"):
        record_decision(store, 999, "include")


def test_unscreened_offers_undecided_records_and_full_text_only_after_inclusion(store):
    first, second, third = ids(store)
    record_decision(store, first, "include")
    record_decision(store, second, "exclude", "not hair loss")
    assert [rid for rid, _ in unscreened(store)] == [third]
    assert [rid for rid, _ in unscreened(store, "full_text")] == [first]
