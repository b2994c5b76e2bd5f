"""The record library: one SQLite file holding records, their sources, saved searches and
resumable fetch progress, plus the tables de-duplication and screening write into.

Design
------
* WAL journal, foreign keys on, ``busy_timeout`` so several processes can share the file.
* Schema versioned with ``PRAGMA user_version``; :data:`MIGRATIONS` is an ordered list of
  functions, migration ``i`` (1-based) brings a file from version ``i-1`` to ``i``.
* Every write goes through :meth:`Store.transaction` (``BEGIN IMMEDIATE … COMMIT``, rollback on
  any exception), so an interrupted import leaves no partial record and a rerun completes it.
* A record is stored twice: as JSON (the full :class:`~hairmeta.evidence.library.records.Record`) and as indexed
  columns (pmid, doi, pmcid, title, year, journal, first author) for lookups and listings.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

from hairmeta.evidence.errors import StoreError
from hairmeta.evidence.library.records import Record, manual_record, normalize_doi
from hairmeta.evidence.library.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from hairmeta.evidence.library.serial import (
    StoredRecords,
    _conflicts,
    _free_key,
    merge_records,
    record_from_json,
    stored_columns,
)


def _utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_INSERT_RECORD = (
    "INSERT INTO records(key, pmid, doi, pmcid, title, year, journal, first_author, data, created_at, updated_at)"
    " VALUES (:key,:pmid,:doi,:pmcid,:title,:year,:journal,:first_author,:data,:now,:now)"
)
_ADD_SOURCE = (
    "INSERT OR IGNORE INTO record_sources(record_id, source, source_id, search_id, first_seen) VALUES (?,?,?,?,?)"
)


def _receipt_ids(columns: list[dict], ids: list) -> list[str]:
    """Each receipt's id at its source (given, else pmid, else key); repeats become ``id#2``…"""
    seen: dict[str, int] = {}
    result = []
    for cols, sid in zip(columns, ids):
        sid = str(sid if sid is not None else (cols["pmid"] or cols["key"]))
        seen[sid] = seen.get(sid, 0) + 1
        result.append(f"{sid}#{seen[sid]}" if seen[sid] > 1 else sid)
    return result


def _all_unknown(conn: sqlite3.Connection, columns: list[dict]) -> bool:
    """True when no key, PMID or DOI of the batch is in the library or repeated within it."""
    for field in ("key", "pmid", "doi"):
        values = [cols[field] for cols in columns if cols[field]]
        if len(set(values)) < len(values):
            return False
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            marks = ",".join("?" * len(chunk))
            if conn.execute(f"SELECT 1 FROM records WHERE {field} IN ({marks}) LIMIT 1", chunk).fetchone():
                return False
    return True


@dataclass(frozen=True)
class UpsertCounts:
    """How many records one :meth:`Store.upsert_records` call added, changed or found as is."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(self.new + other.new, self.updated + other.updated, self.unchanged + other.unchanged)


@dataclass(frozen=True)
class SavedSearch:
    """One row of the ``searches`` table."""

    id: int
    source: str
    term: str
    since: str | None
    until: str | None
    created_at: str
    last_run: str | None
    last_report: dict | None


#: The columns of ``hairmeta records`` (csv/json) and of :meth:`Store.record_rows`.
RECORD_COLUMNS = (
    "id",
    "key",
    "pmid",
    "doi",
    "pmcid",
    "title",
    "year",
    "journal",
    "authors",
    "first_author",
    "sources",
    "publication_types",
)
#: The columns a terminal table of records has room for.
BRIEF_COLUMNS = ("id", "pmid", "year", "first_author", "title", "journal", "sources")


class Store:
    """The hairmeta record library in one SQLite file (see the module docstring).

    Parameters
    ----------
    path : path-like
        The database file; its folder must exist (a mistyped folder is an error, never a new
        library).  ``":memory:"`` is accepted.  A file that is not a hairmeta library is refused
        before anything is written to it (the WAL journal mode is persistent, so it is set only
        after the file is known to be a hairmeta library or new).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path) if str(path) != ":memory:" else path
        self._conn = self._connect()
        try:
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (creating and migrating as needed) the library at ``path``."""
        return cls(path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def conn(self) -> sqlite3.Connection:
        """The open connection (read with it freely; write through :meth:`transaction`)."""
        if self._conn is None:
            raise StoreError(f"{self.path}: library is closed")
        return self._conn

    # -- opening and migrating

    def _connect(self) -> sqlite3.Connection:
        if isinstance(self.path, Path) and not self.path.parent.is_dir():
            raise StoreError(f"{self.path}: folder {str(self.path.parent)!r} does not exist (no library was created)")
        try:
            conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=30.0)
            conn.execute("PRAGMA schema_version").fetchone()  # fails now if it cannot be opened
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot open the library ({exc})") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a hairmeta library ({exc})") from exc
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a hairmeta library ({exc})") from exc
        return conn

    def _migrate(self) -> None:
        try:
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
            has_tables = self._conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a hairmeta library ({exc})") from exc
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: library schema version {version} is newer than this "
                f"hairmeta supports ({SCHEMA_VERSION}); upgrade hairmeta"
            )
        if (version == 0 and has_tables) or (version > 0 and app_id != APPLICATION_ID):
            raise StoreError(f"{self.path}: an SQLite file that is not a hairmeta library")
        if isinstance(self.path, Path):  # persistent: only once the file is known to be ours (or new)
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: cannot open the library ({exc})") from exc
        for number in range(version + 1, SCHEMA_VERSION + 1):
            self._apply(number)

    def _apply(self, number: int) -> None:
        try:
            with self.transaction() as conn:
                MIGRATIONS[number - 1](conn)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {number}")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: migration {number} failed: {exc}") from exc

    @property
    def schema_version(self) -> int:
        """The file's ``PRAGMA user_version``."""
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE … COMMIT`` around the block; rollback on any exception.

        Nested use joins the outer transaction (the outermost one commits).
        """
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot start a write ({exc})") from exc
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # -- records

    def upsert_records(
        self,
        records: Iterable[Record],
        *,
        source: str,
        search_id: int | None = None,
        source_ids: Iterable[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> UpsertCounts:
        """Insert or update ``records`` in one transaction; idempotent.

        ``progress(done, total)`` is called every 200 records and at the end (a progress bar).

        Identity is :meth:`Record.key`; an existing row with the same pmid or doi is the same
        record too (so a DOI-only manual entry is updated once PubMed supplies the PMID).
        ``source_ids`` (parallel to ``records``) names each record's id at ``source``; default
        the record's pmid, else its key.  An id repeated within one call (an export listing a
        record twice) is stored as ``id#2``, ``id#3`` …: each receipt is a record identified for
        PRISMA, and re-importing the same file adds no row.  Records given as
        :class:`~hairmeta.evidence.library.serial.StoredRecords` (a PubMed parse worker's batch)
        are stored from their columns as they are.
        """
        if isinstance(records, StoredRecords):
            columns = records.columns
        else:
            records = list(records)
            columns = [stored_columns(record) for record in records]
        ids = list(source_ids) if source_ids is not None else [None] * len(records)
        if len(ids) != len(records):
            raise StoreError("upsert_records: source_ids must be as long as records")
        now = _utcnow()
        sids = _receipt_ids(columns, ids)
        with self.transaction() as conn:
            if _all_unknown(conn, columns):
                counts = self._insert_all(conn, columns, sids, source, search_id, now, progress)
            else:
                counts = self._upsert_each(conn, records, columns, sids, source, search_id, now, progress)
        if progress is not None:
            progress(len(records), len(records))
        return counts

    def _upsert_each(self, conn, records, columns, sids, source, search_id, now, progress) -> UpsertCounts:
        """Record by record: each is matched against the library as it stands, earlier ones included."""
        new = updated = unchanged = 0
        for record, cols, sid in zip(records, columns, sids):
            record_id, outcome = self._upsert_one(conn, record, cols, now)
            if progress is not None and (new + updated + unchanged) % 200 == 199:
                progress(new + updated + unchanged + 1, len(records))
            new += outcome == "new"
            updated += outcome == "updated"
            unchanged += outcome == "unchanged"
            conn.execute(_ADD_SOURCE, (record_id, source, sid, search_id, now))
        return UpsertCounts(new, updated, unchanged)

    @staticmethod
    def _insert_all(conn, columns, sids, source, search_id, now, progress) -> UpsertCounts:
        """A batch none of whose keys, PMIDs or DOIs the library holds, nor repeats: all new.

        The record-by-record path would insert every one under its own key; this does the same
        in a few statements (a PubMed fetch batch is almost always this case).
        """
        for start in range(0, len(columns), 200):
            chunk = columns[start : start + 200]
            conn.executemany(_INSERT_RECORD, [{**cols, "now": now} for cols in chunk])
            keys = [cols["key"] for cols in chunk]
            found = dict(conn.execute(f"SELECT key, id FROM records WHERE key IN ({','.join('?' * len(keys))})", keys))
            conn.executemany(
                _ADD_SOURCE, [(found[key], source, sid, search_id, now) for key, sid in zip(keys, sids[start:])]
            )
            if progress is not None and start + 200 < len(columns):
                progress(start + 200, len(columns))
        return UpsertCounts(new=len(columns))

    def _existing(self, conn: sqlite3.Connection, record: Record) -> tuple[sqlite3.Row, Record] | tuple[None, None]:
        """The stored row that is ``record`` and its decoded record: same key or PMID; or same
        DOI when no PMIDs differ and the citations do not conflict (:func:`citation_conflict`)."""

        def decoded(row):
            return (row, record_from_json(row["data"])) if row is not None else (None, None)

        row, stored = decoded(
            conn.execute("SELECT id, key, data FROM records WHERE key = ?", (record.key(),)).fetchone()
        )
        if row is not None and not record.pmid and _conflicts(stored, record):
            row = None
        if row is None and record.pmid:
            row, stored = decoded(
                conn.execute("SELECT id, key, data FROM records WHERE pmid = ?", (record.pmid,)).fetchone()
            )
        if row is None and record.doi:  # same DOI, unless PMIDs or citations differ
            rows = conn.execute(
                "SELECT id, key, data FROM records WHERE doi = ? AND (pmid IS NULL OR ?) ORDER BY id",
                (record.doi, not record.pmid),
            )
            candidates = (decoded(r) for r in rows)
            row, stored = next(((r, d) for r, d in candidates if not _conflicts(d, record)), (None, None))
        return (row, stored) if row is not None else (None, None)

    def _upsert_one(self, conn: sqlite3.Connection, record: Record, cols: dict, now: str) -> tuple[int, str]:
        """Store one record whose :func:`stored_columns` are ``cols`` (computed once per batch)."""
        row, stored = self._existing(conn, record)
        if row is None:
            cols["key"] = _free_key(conn, record)
            cur = conn.execute(_INSERT_RECORD, {**cols, "now": now})
            return cur.lastrowid, "new"
        merged = merge_records(stored, record)
        cols = stored_columns(merged)
        if (
            cols["key"] != row["key"]
            and conn.execute("SELECT 1 FROM records WHERE key = ? AND id != ?", (cols["key"], row["id"])).fetchone()
        ):
            cols["key"] = row["key"]  # another work already holds that DOI key
        if row["data"] == cols["data"]:
            return row["id"], "unchanged"
        conn.execute(
            "UPDATE records SET key=:key, pmid=:pmid, doi=:doi, pmcid=:pmcid, title=:title,"
            " year=:year, journal=:journal, first_author=:first_author, data=:data,"
            " updated_at=:now WHERE id=:id",
            {**cols, "now": now, "id": row["id"]},
        )
        return row["id"], "updated"

    def add_manual(self, **fields) -> tuple[int, UpsertCounts]:
        """Validate a hand-entered record (:func:`~hairmeta.evidence.library.records.manual_record` fields) and
        store it with source ``manual``; returns its library id and the counts."""

        record = manual_record(**fields)
        counts = self.upsert_records([record], source="manual")
        return self.find(pmid=record.pmid, doi=record.doi) or self._id_of(record.key()), counts

    def _id_of(self, key: str) -> int:
        return self.conn.execute("SELECT id FROM records WHERE key = ?", (key,)).fetchone()[0]

    def get_record(self, record_id: int) -> Record:
        """The record with library id ``record_id``; StoreError if there is none."""
        row = self.conn.execute("SELECT data FROM records WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no record with id {record_id}")
        return record_from_json(row["data"])

    def find(self, pmid: str | None = None, doi: str | None = None) -> int | None:
        """Library id of the record with this pmid (else this doi), or None."""
        if pmid:
            row = self.conn.execute("SELECT id FROM records WHERE pmid = ?", (str(pmid),)).fetchone()
            if row:
                return row["id"]
        if doi:
            row = self.conn.execute(
                "SELECT id FROM records WHERE doi = ? ORDER BY id LIMIT 1", (normalize_doi(doi) or doi,)
            ).fetchone()
            if row:
                return row["id"]
        return None

    def iter_records(self) -> Iterator[tuple[int, Record]]:
        """Every ``(id, record)`` in id order."""
        for row in self.conn.execute("SELECT id, data FROM records ORDER BY id").fetchall():
            yield row["id"], record_from_json(row["data"])

    def count_records(self) -> int:
        """Number of records in the library."""
        return self.conn.execute("SELECT count(*) FROM records").fetchone()[0]

    def pmids(self) -> set[str]:
        """Every PMID in the library."""
        rows = self.conn.execute("SELECT pmid FROM records WHERE pmid IS NOT NULL")
        return {r[0] for r in rows}

    def sources_of(self, record_id: int) -> list[dict]:
        """Each source a record arrived from: ``source, source_id, search_id, first_seen``."""
        rows = self.conn.execute(
            "SELECT source, source_id, search_id, first_seen FROM record_sources"
            " WHERE record_id = ? ORDER BY first_seen, source",
            (record_id,),
        )
        return [dict(r) for r in rows]

    def count_by_source(self) -> dict[str, int]:
        """Records received per source name: one per ``record_sources`` row, so two records of one
        source that were merged on import (same PMID or DOI) both count, and the merge is a
        duplicate removed; the same record received again under the same id counts once."""
        rows = self.conn.execute("SELECT source, count(*) FROM record_sources GROUP BY source ORDER BY source")
        return {r[0]: r[1] for r in rows}

    def record_rows(self, *, limit: int | None = None, offset: int = 0, brief: bool = False) -> Iterator[dict]:
        """The library's listing rows in id order, streamed: one record decoded at a time.

        Columns are :data:`RECORD_COLUMNS` (``brief``: :data:`BRIEF_COLUMNS`, what a terminal table
        has room for).  ``limit`` rows from ``offset`` (None: all); the database cursor is read
        lazily, so listing 78,000 records never holds more than one in memory.
        """
        sql = (
            "SELECT r.id, r.data, (SELECT group_concat(DISTINCT s.source) FROM record_sources s"
            " WHERE s.record_id = r.id) AS sources FROM records r ORDER BY r.id LIMIT ? OFFSET ?"
        )
        columns = BRIEF_COLUMNS if brief else RECORD_COLUMNS
        cursor = self.conn.execute(sql, (-1 if limit is None else int(limit), int(offset)))
        for row in cursor:
            rec = record_from_json(row["data"])
            full = {
                "id": row["id"],
                "key": rec.key(),
                "pmid": rec.pmid,
                "doi": rec.doi,
                "pmcid": rec.pmcid,
                "title": rec.title,
                "year": rec.year,
                "journal": rec.journal,
                "authors": "; ".join(a.display() for a in rec.authors),
                "first_author": rec.authors[0].display() if rec.authors else "",
                "sources": ";".join(sorted((row["sources"] or "").split(","))).strip(";"),
                "publication_types": "; ".join(rec.publication_types),
            }
            yield {c: full[c] for c in columns}

    def records_frame(self, brief: bool = False, *, limit: int | None = None, offset: int = 0):
        """The library (or ``limit`` rows of it) as a DataFrame of :meth:`record_rows`."""
        import pandas as pd

        columns = BRIEF_COLUMNS if brief else RECORD_COLUMNS
        frame = pd.DataFrame(list(self.record_rows(limit=limit, offset=offset, brief=brief)), columns=columns)
        frame["year"] = frame["year"].astype("Int64")
        return frame

    # -- saved searches

    def save_search(self, source: str, term: str, since: str | None = None, until: str | None = None) -> int:
        """Id of the saved search (source, term, since, until), creating it if new."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT id FROM searches WHERE source=? AND term=? AND since IS ? AND until IS ?",
                (source, term, since, until),
            ).fetchone()
            if row:
                return row["id"]
            cur = conn.execute(
                "INSERT INTO searches(source, term, since, until, created_at) VALUES (?,?,?,?,?)",
                (source, term, since, until, _utcnow()),
            )
            return cur.lastrowid

    def searches(self) -> list[SavedSearch]:
        """Every saved search, oldest first."""
        rows = self.conn.execute("SELECT * FROM searches ORDER BY id").fetchall()
        return [
            SavedSearch(
                r["id"],
                r["source"],
                r["term"],
                r["since"],
                r["until"],
                r["created_at"],
                r["last_run"],
                json.loads(r["last_report"]) if r["last_report"] else None,
            )
            for r in rows
        ]

    def get_search(self, search_id: int) -> SavedSearch:
        """One saved search by id; StoreError if unknown."""
        for search in self.searches():
            if search.id == search_id:
                return search
        raise StoreError(f"{self.path}: no saved search with id {search_id}")

    def mark_search_run(self, search_id: int, run_date: str, report: dict | object) -> None:
        """Record that a search ran on ``run_date`` (YYYY-MM-DD) with ``report`` (a dict or a
        dataclass such as SearchReport, stored as JSON)."""
        from dataclasses import asdict, is_dataclass

        payload = asdict(report) if is_dataclass(report) else dict(report)
        with self.transaction() as conn:
            conn.execute(
                "UPDATE searches SET last_run=?, last_report=? WHERE id=?",
                (run_date, json.dumps(payload, default=str), search_id),
            )

    # -- resumable fetch progress

    def mark_batch(self, job: str, batch: int, status: str, *, search_id: int | None = None, detail: str = "") -> None:
        """Record that batch number ``batch`` of fetch ``job`` is 'done' or 'failed'."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO fetch_progress(search_id, job, batch, status, detail, updated_at)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT(job, batch) DO UPDATE SET status=excluded.status,"
                " detail=excluded.detail, updated_at=excluded.updated_at",
                (search_id, job, batch, status, detail, _utcnow()),
            )

    def done_batches(self, job: str) -> set[int]:
        """Batch numbers of ``job`` already fetched and stored."""
        rows = self.conn.execute("SELECT batch FROM fetch_progress WHERE job=? AND status='done'", (job,))
        return {r[0] for r in rows}

    def failed_batches(self, search_id: int | None = None) -> list[dict]:
        """Batches that failed for good (optionally of one search): job, batch, detail."""
        sql = "SELECT job, batch, detail, search_id FROM fetch_progress WHERE status='failed'"
        args: tuple = ()
        if search_id is not None:
            sql, args = sql + " AND search_id=?", (search_id,)
        return [dict(r) for r in self.conn.execute(sql + " ORDER BY id", args)]

    def clear_job(self, job: str) -> None:
        """Forget the progress of a finished job."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM fetch_progress WHERE job=?", (job,))
