"""Store.upsert_records' all-new batch path stores exactly what the record-by-record path stores."""

from __future__ import annotations

import pickle

import pytest

from hairmeta.evidence.library.records import Author, Record
from hairmeta.evidence.library.serial import StoredRecords, stored_columns
from hairmeta.evidence.library.store import Store, UpsertCounts


def _batch(n: int, offset: int = 0) -> list[Record]:
    return [
        Record(
            pmid=str(1000 + offset + i) if i % 3 else "",
            doi=f"10.1/x.{offset + i}" if i % 2 else "",
            title=f"Trial number {offset + i} of platelet-rich plasma",
            authors=(Author(last_name=f"Author{i}", initials="A"),),
            year=2000 + i % 20,
            pages=str(i + 1),
        )
        for i in range(n)
    ]


def _tables(store: Store) -> tuple[list, list]:
    records = store.conn.execute(
        "SELECT id, key, pmid, doi, pmcid, title, year, journal, first_author, data FROM records ORDER BY id"
    ).fetchall()
    sources = store.conn.execute(
        "SELECT record_id, source, source_id, search_id FROM record_sources ORDER BY record_id, source_id"
    ).fetchall()
    return [tuple(r) for r in records], [tuple(r) for r in sources]


@pytest.mark.parametrize("n", [1, 199, 200, 201, 450])
def test_all_new_batch_equals_record_by_record(tmp_path, n):
    records = _batch(n)
    sids = [r.pmid or r.key() for r in records]
    with Store(tmp_path / "fast.sqlite") as fast, Store(tmp_path / "slow.sqlite") as slow:
        assert fast.upsert_records(records, source="pubmed") == UpsertCounts(new=n)
        with slow.transaction() as conn:
            columns = [stored_columns(r) for r in records]
            counts = slow._upsert_each(conn, records, columns, sids, "pubmed", None, "2026-01-01T00:00:00+00:00", None)
        assert counts == UpsertCounts(new=n)
        assert _tables(fast) == _tables(slow)


def test_a_batch_repeating_a_pmid_is_matched_record_by_record(tmp_path):
    records = _batch(5) + [Record(pmid="1001", title="Trial number 1 of platelet-rich plasma", year=2001)]
    with Store(tmp_path / "lib.sqlite") as store:
        counts = store.upsert_records(records, source="pubmed")
        assert counts.new == 5 and counts.new + counts.updated + counts.unchanged == 6
        receipts = [r[0] for r in store.conn.execute("SELECT source_id FROM record_sources ORDER BY source_id")]
        assert "1001#2" in receipts and len(receipts) == 6


def test_a_batch_touching_stored_records_takes_the_matching_path(tmp_path):
    with Store(tmp_path / "lib.sqlite") as store:
        store.upsert_records(_batch(10), source="pubmed")
        again = _batch(10)[5:] + _batch(5, offset=100)
        counts = store.upsert_records(again, source="pubmed")
        assert counts == UpsertCounts(new=5, updated=0, unchanged=5)
        assert store.count_records() == 15


def test_progress_of_the_batch_path_every_200_and_at_the_end(tmp_path):
    calls = []
    with Store(tmp_path / "lib.sqlite") as store:
        store.upsert_records(_batch(401), source="pubmed", progress=lambda d, t: calls.append((d, t)))
    assert calls == [(200, 401), (400, 401), (401, 401)]


@pytest.mark.parametrize("known", [False, True])
def test_records_held_as_columns_store_what_records_store(tmp_path, known):
    """A parse worker's batch (StoredRecords: columns only) stores the same rows on either path."""
    records = _batch(30)
    with Store(tmp_path / "held.sqlite") as held, Store(tmp_path / "plain.sqlite") as plain:
        if known:  # half the batch already stored: the record-by-record path
            held.upsert_records(records[:15], source="pubmed")
            plain.upsert_records(records[:15], source="pubmed")
        assert held.upsert_records(StoredRecords.of(records), source="pubmed") == plain.upsert_records(
            records, source="pubmed"
        )
        assert _tables(held) == _tables(plain)


def test_records_held_as_columns_read_back_as_the_records():
    records = _batch(7)
    held = StoredRecords.of(records)
    assert list(held) == records and held[2] == records[2] and list(held[1:3]) == records[1:3]
    assert pickle.loads(pickle.dumps(held)).columns == held.columns
