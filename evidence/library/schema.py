"""The record library's schema: ordered migrations, ``PRAGMA user_version`` counting them, and the
application id that marks a file as a hairmeta library.  Migration ``i`` (1-based) brings a file from
version ``i - 1`` to ``i``; add a function and append it to :data:`MIGRATIONS`.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

APPLICATION_ID = 0x48414952  # "HAIR": marks a file as a hairmeta library


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run ``;``-separated DDL inside the caller's transaction (``executescript`` would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _migration_1(conn: sqlite3.Connection) -> None:
    """Records, their sources, saved searches, fetch progress; matches and screening for others."""
    _run_script(
        conn,
        """
        CREATE TABLE records (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            pmid TEXT, doi TEXT, pmcid TEXT,
            title TEXT NOT NULL DEFAULT '',
            year INTEGER,
            journal TEXT NOT NULL DEFAULT '',
            first_author TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX records_pmid ON records(pmid) WHERE pmid IS NOT NULL;
        CREATE INDEX records_doi ON records(doi);
        CREATE INDEX records_year ON records(year);
        CREATE TABLE searches (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            term TEXT NOT NULL,
            since TEXT, until TEXT,
            created_at TEXT NOT NULL,
            last_run TEXT,
            last_report TEXT,
            UNIQUE(source, term, since, until)
        );
        CREATE TABLE record_sources (
            record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
            source TEXT NOT NULL,
            source_id TEXT NOT NULL DEFAULT '',
            search_id INTEGER REFERENCES searches(id),
            first_seen TEXT NOT NULL,
            PRIMARY KEY (record_id, source, source_id)
        );
        CREATE INDEX record_sources_search ON record_sources(search_id);
        CREATE TABLE fetch_progress (
            id INTEGER PRIMARY KEY,
            search_id INTEGER REFERENCES searches(id),
            job TEXT NOT NULL,
            batch INTEGER NOT NULL,
            status TEXT NOT NULL CHECK(status IN ('done','failed')),
            detail TEXT,
            updated_at TEXT NOT NULL,
            UNIQUE(job, batch)
        );
        CREATE TABLE matches (
            id INTEGER PRIMARY KEY,
            record_a INTEGER REFERENCES records(id),
            record_b INTEGER REFERENCES records(id),
            score REAL,
            decision TEXT CHECK(decision IN ('merge','distinct','review')),
            status TEXT NOT NULL DEFAULT 'active' CHECK(status IN ('active','undone','pending')),
            method TEXT, reason TEXT, created_at TEXT, decided_by TEXT
        );
        CREATE TABLE screening (
            id INTEGER PRIMARY KEY,
            record_id INTEGER REFERENCES records(id),
            stage TEXT CHECK(stage IN ('title_abstract','full_text')),
            decision TEXT CHECK(decision IN ('include','exclude','maybe')),
            reason TEXT, reviewer TEXT, decided_at TEXT
        );
    """,
    )


def _migration_2(conn: sqlite3.Connection) -> None:
    """``matches.decision`` may be ``related``: two reports of one study (a meeting abstract and
    its full article), linked for screening and PRISMA, never merged (issue 11).  SQLite cannot
    alter a CHECK constraint, so the table is rebuilt with its rows and ids."""
    _run_script(
        conn,
        """
        CREATE TABLE matches_new (
            id INTEGER PRIMARY KEY,
            record_a INTEGER REFERENCES records(id),
            record_b INTEGER REFERENCES records(id),
            score REAL,
            decision TEXT CHECK(decision IN ('merge','distinct','review','related')),
            status TEXT NOT NULL DEFAULT 'active' CHECK(status IN ('active','undone','pending')),
            method TEXT, reason TEXT, created_at TEXT, decided_by TEXT
        );
        INSERT INTO matches_new SELECT id, record_a, record_b, score, decision, status, method, reason,
            created_at, decided_by FROM matches;
        DROP TABLE matches;
        ALTER TABLE matches_new RENAME TO matches
    """,
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migration_1, _migration_2]


SCHEMA_VERSION = len(MIGRATIONS)
