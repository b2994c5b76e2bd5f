"""The SQLite record library: schema, migrations, idempotent upserts, sources, searches."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from hairmeta.evidence.errors import StoreError
from hairmeta.evidence.library.records import Author, Link, Record
from hairmeta.evidence.library.store import MIGRATIONS, SCHEMA_VERSION, Store, UpsertCounts, merge_records


def rec(pmid="1", **kw) -> Record:
    base = dict(
        pmid=pmid,
        title=f"Title {pmid}",
        year=2020,
        journal="J Hair",
        authors=(Author("Smith", "Anna", "A"), Author(collective_name="PRP Group")),
    )
    base.update(kw)
    return Record(**base)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "lib.sqlite") as s:
        yield s


def test_new_file_is_created_with_wal_foreign_keys_and_current_version(store):
    assert store.path.exists()
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.schema_version == SCHEMA_VERSION == len(MIGRATIONS)


def test_migration_1_creates_the_tables_other_modules_write(store):
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"records", "record_sources", "searches", "fetch_progress", "matches", "screening"} <= tables
    rid = store.upsert_records([rec()], source="pubmed") and store.find(pmid="1")
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO matches(record_a, record_b, score, decision) VALUES (?,?,?,?)", (rid, rid, 0.9, "review")
        )
        conn.execute(
            "INSERT INTO screening(record_id, stage, decision) VALUES (?,?,?)", (rid, "title_abstract", "include")
        )
    status = store.conn.execute("SELECT status FROM matches").fetchone()[0]
    assert status == "active"
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO screening(record_id, stage, decision) VALUES (?,?,?)", (rid, "title_abstract", "perhaps")
            )


def test_foreign_keys_are_enforced(store):
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction() as conn:
            conn.execute("INSERT INTO screening(record_id, stage, decision) VALUES (999, 'full_text', 'exclude')")


def test_reopening_keeps_data_and_does_not_remigrate(tmp_path):
    path = tmp_path / "lib.sqlite"
    with Store(path) as s:
        s.upsert_records([rec()], source="pubmed")
    with Store(path) as s:
        assert s.count_records() == 1 and s.schema_version == SCHEMA_VERSION


def test_later_migrations_upgrade_an_existing_file_in_order(tmp_path, monkeypatch):
    import hairmeta.evidence.library.store as store_module

    path = tmp_path / "lib.sqlite"
    with Store(path) as s:
        s.upsert_records([rec()], source="pubmed")

    def migration_2(conn):
        conn.execute("ALTER TABLE records ADD COLUMN note TEXT")

    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, migration_2])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", len(MIGRATIONS) + 1)
    with Store(path) as s:
        assert s.schema_version == len(MIGRATIONS) + 1 and s.count_records() == 1
        columns = {r[1] for r in s.conn.execute("PRAGMA table_info(records)")}
        assert "note" in columns


def test_failing_migration_leaves_the_file_at_its_old_version(tmp_path, monkeypatch):
    import hairmeta.evidence.library.store as store_module

    path = tmp_path / "lib.sqlite"
    Store(path).close()

    def broken(conn):
        conn.execute("CREATE TABLE half_done(x)")
        conn.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, broken])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", len(MIGRATIONS) + 1)
    with pytest.raises(StoreError, match=f"migration {len(MIGRATIONS) + 1} failed"):
        Store(path)
    monkeypatch.undo()
    with Store(path) as s:
        assert s.schema_version == len(MIGRATIONS)
        assert s.conn.execute("SELECT count(*) FROM sqlite_master WHERE name='half_done'").fetchone()[0] == 0


def test_unopenable_path_is_a_store_error(tmp_path):
    (tmp_path / "dir.sqlite").mkdir()
    with pytest.raises(StoreError, match="cannot open"):
        Store(tmp_path / "dir.sqlite")


def test_newer_schema_is_refused_with_the_path(tmp_path):
    path = tmp_path / "lib.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer") as info:
        Store(path)
    assert str(path) in str(info.value)


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE x(a)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a hairmeta library"):
        Store(path)


def test_garbage_file_is_refused_with_the_path(tmp_path):
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError) as info:
        Store(path)
    assert str(path) in str(info.value)


def test_same_pmid_twice_is_one_record(store):
    first = store.upsert_records([rec("1"), rec("2")], source="pubmed")
    again = store.upsert_records([rec("1"), rec("2")], source="pubmed")
    assert first == UpsertCounts(new=2, updated=0, unchanged=0)
    assert again == UpsertCounts(new=0, updated=0, unchanged=2)
    assert store.count_records() == 2


def test_changed_record_counts_as_updated_and_is_stored(store):
    store.upsert_records([rec("1")], source="pubmed")
    counts = store.upsert_records([rec("1", title="Corrected title")], source="pubmed")
    assert counts == UpsertCounts(0, 1, 0)
    assert store.get_record(store.find(pmid="1")).title == "Corrected title"


def test_every_field_round_trips(store):
    full = Record(
        pmid="9",
        doi="10.1/x",
        pmcid="PMC9",
        title="T",
        title_translated=True,
        vernacular_title="V",
        abstract="BACKGROUND: b\nMETHODS: m",
        authors=(Author("Ló", "Ana", "A"), Author(collective_name="Group")),
        journal="J",
        iso_abbreviation="J.",
        year=2019,
        volume="3",
        issue="2",
        pages="1-9",
        publication_types=("Journal Article",),
        mesh_terms=("Alopecia",),
        languages=("eng",),
        links=(Link("ErratumIn", "11", "J 2020"),),
        source_ids=(("nct", "NCT1"),),
        url="https://x",
        entrez_date="2019-02-01",
    )
    store.upsert_records([full], source="pubmed")
    assert store.get_record(store.find(pmid="9")) == full


def test_records_sharing_a_supplement_doi_stay_apart(store):
    # shared/dedup/cardiac: Circulation 122(2) abstracts e288 and e196 share one DOI
    doi = "10.1161/circulationaha.110.192774"
    first = Record(
        doi=doi,
        title="A novel strategy to optimize skeletal myoblast functions",
        year=2010,
        journal="Circulation",
        pages="e288",
    )
    second = Record(
        doi=doi, title="Effect of heptanol on apoptosis of mitochondria", year=2010, journal="Circulation", pages="e196"
    )
    assert store.upsert_records([first, second], source="embase").new == 2
    assert store.upsert_records([first, second], source="embase").unchanged == 2
    assert store.count_records() == 2
    same = first.with_changes(title="A Novel Strategy to Optimize Skeletal Myoblast Functions.")
    assert store.upsert_records([same], source="scopus").new == 0 and store.count_records() == 2


def test_doi_only_record_is_matched_when_pubmed_supplies_the_pmid(store):
    store.upsert_records([Record(doi="10.3390/dermis4030019", title="Case series", year=2024)], source="manual")
    counts = store.upsert_records([rec("77", doi="10.3390/dermis4030019")], source="pubmed")
    assert counts.updated == 1 and store.count_records() == 1
    rid = store.find(doi="https://doi.org/10.3390/DERMIS4030019")
    assert rid == store.find(pmid="77")
    assert [s["source"] for s in store.sources_of(rid)] == ["manual", "pubmed"]
    assert store.count_by_source() == {"manual": 1, "pubmed": 1}


def test_hand_entry_does_not_overwrite_a_pubmed_record_but_fills_gaps(store):
    store.upsert_records([rec("5", doi="10.1/a")], source="pubmed")
    store.upsert_records([Record(doi="10.1/a", title="typed by hand", url="https://a")], source="manual")
    got = store.get_record(store.find(pmid="5"))
    assert got.title == "Title 5" and got.url == "https://a"


def test_different_pmids_sharing_a_doi_stay_two_records(store):
    store.upsert_records([rec("1", doi="10.1/same"), rec("2", doi="10.1/same")], source="pubmed")
    assert store.count_records() == 2


def test_merge_records_unites_source_ids():
    merged = merge_records(
        Record(doi="10.1/a", source_ids=(("crossref", "10.1/a"),)),
        Record(doi="10.1/a", source_ids=(("europepmc", "MED1"),)),
    )
    assert set(merged.source_ids) == {("crossref", "10.1/a"), ("europepmc", "MED1")}


def test_failed_upsert_leaves_nothing_behind(store):
    class Boom(Exception):
        pass

    def records():
        yield rec("1")
        raise Boom

    with pytest.raises(Boom):
        store.upsert_records(records(), source="pubmed")
    store.upsert_records([rec("3")], source="pubmed")

    class Bad:  # not a Record: fails inside the transaction after one insert
        pmid = "x"

    with pytest.raises(Exception):
        store.upsert_records([rec("2"), Bad()], source="pubmed")
    assert store.count_records() == 1 and store.find(pmid="2") is None


def test_killed_process_mid_transaction_leaves_no_partial_record(tmp_path):
    path = tmp_path / "lib.sqlite"
    Store(path).close()
    script = textwrap.dedent(f"""
        import os
        from hairmeta.evidence.library.store import Store
        from hairmeta.evidence.library.records import Record
        s = Store({str(path)!r})
        with s.transaction() as conn:
            conn.execute("INSERT INTO records(key, data, created_at, updated_at)"
                         " VALUES ('pmid:1', '{{}}', 'x', 'x')")
            os._exit(9)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=str(tmp_path))
    assert proc.returncode == 9
    with Store(path) as s:
        assert s.count_records() == 0


def test_sources_and_search_links_are_kept(store):
    sid = store.save_search("pubmed", "alopecia PRP")
    store.upsert_records([rec("1")], source="pubmed", search_id=sid)
    store.upsert_records([rec("1")], source="europepmc", source_ids=["MED1"])
    rid = store.find(pmid="1")
    sources = store.sources_of(rid)
    assert {(s["source"], s["source_id"], s["search_id"]) for s in sources} == {
        ("pubmed", "1", sid),
        ("europepmc", "MED1", None),
    }


def test_saved_searches_are_unique_and_remember_their_last_run(store):
    a = store.save_search("pubmed", "PRP", since="2020-01-01")
    assert store.save_search("pubmed", "PRP", since="2020-01-01") == a
    b = store.save_search("pubmed", "PRP")
    assert a != b
    store.mark_search_run(a, "2026-11-24", {"new": 3})
    first = store.get_search(a)
    assert first.last_run == "2026-11-24" and first.last_report == {"new": 3}
    assert [s.id for s in store.searches()] == [a, b]
    with pytest.raises(StoreError):
        store.get_search(999)


def test_fetch_progress_tracks_done_and_failed_batches(store):
    store.mark_batch("job1", 0, "done")
    store.mark_batch("job1", 1, "failed", detail="HTTP 500")
    assert store.done_batches("job1") == {0}
    assert store.failed_batches()[0]["detail"] == "HTTP 500"
    store.mark_batch("job1", 1, "done")
    assert store.done_batches("job1") == {0, 1} and store.failed_batches() == []
    store.clear_job("job1")
    assert store.done_batches("job1") == set()


def test_records_frame_has_the_listing_columns(store):
    store.upsert_records([rec("2"), rec("1", doi="10.1/A")], source="pubmed")
    frame = store.records_frame()
    assert {"id", "key", "pmid", "doi", "title", "year", "journal", "authors", "sources"} <= set(frame.columns)
    assert list(frame["pmid"]) == ["2", "1"]
    assert frame.loc[0, "authors"] == "Smith A; PRP Group"
    assert frame.loc[0, "sources"] == "pubmed"
    assert store.records_frame().shape[0] == store.count_records() == 2


def test_empty_library_frame_has_columns(store):
    frame = store.records_frame()
    assert frame.empty and "pmid" in frame.columns


def test_iter_records_in_id_order(store):
    store.upsert_records([rec("3"), rec("1")], source="pubmed")
    assert [r.pmid for _, r in store.iter_records()] == ["3", "1"]


def test_get_missing_record_raises_store_error(store):
    with pytest.raises(StoreError, match="no record"):
        store.get_record(42)


def test_closed_store_raises_store_error(tmp_path):
    s = Store(tmp_path / "x.sqlite")
    s.close()
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.count_records()
