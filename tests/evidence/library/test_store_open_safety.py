"""Opening a file that is not a hairmeta library changes nothing; a missing folder is an error."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from hairmeta.evidence.cli import app
from hairmeta.evidence.errors import StoreError
from hairmeta.evidence.library.store import Store


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def foreign(tmp_path):
    """Another program's SQLite database (rollback journal, one table)."""
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('keep')")
    conn.commit()
    conn.close()
    return path


def test_a_foreign_sqlite_file_is_refused_and_left_as_it_was(foreign):
    before = _digest(foreign)
    with pytest.raises(StoreError, match="not a hairmeta library"):
        Store.open(foreign)
    assert _digest(foreign) == before
    conn = sqlite3.connect(foreign)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # never switched to WAL
    conn.close()
    assert not (foreign.parent / "other.db-wal").exists()


def test_a_text_file_is_refused_and_left_as_it_was(tmp_path):
    path = tmp_path / "notes.ris"
    path.write_text("TY  - JOUR\nER  - \n", encoding="utf-8")
    before = _digest(path)
    with pytest.raises(StoreError, match="not a hairmeta library"):
        Store.open(path)
    assert _digest(path) == before


def test_a_library_in_a_missing_folder_is_an_error_not_a_new_library(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "typo" / "lib.db")
    assert not (tmp_path / "typo").exists()


def test_the_cli_refuses_both_in_one_line(runner, tmp_path, foreign):
    before = _digest(foreign)
    result = runner.invoke(app, ["records", "--db", str(foreign)])
    assert result.exit_code == 1 and "not a hairmeta library" in result.stderr
    assert _digest(foreign) == before
    result = runner.invoke(app, ["import", str(foreign), "--db", str(tmp_path / "typo" / "lib.db")])
    assert result.exit_code == 1 and "does not exist" in result.stderr
    assert not (tmp_path / "typo").exists()


def test_a_new_library_in_an_existing_folder_is_created_in_wal_mode(tmp_path):
    with Store.open(tmp_path / "lib.db") as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
