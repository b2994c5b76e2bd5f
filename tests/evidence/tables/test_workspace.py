"""The review workspace: where it is, what init copies, which tables a command reads and writes."""

from __future__ import annotations

import hashlib

import pytest

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.paths import default_db_path, shipped_dir, use_data_dir, workspace_dir
from hairmeta.evidence.tables.load import load_studies, table_paths
from hairmeta.evidence.tables.workspace import (
    COPIED_FILES,
    TABLE_FILES,
    init_workspace,
    require_tables,
    tables_dir,
    writable_tables,
)


def test_resolution_order(tmp_path, monkeypatch):
    monkeypatch.setenv("HAIRMETA_HOME", str(tmp_path / "home"))
    assert workspace_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert workspace_dir() == tmp_path / "home"
    monkeypatch.delenv("HAIRMETA_HOME")
    assert workspace_dir().name == "hairmeta"  # the platformdirs per-user data dir
    # the library: an explicit workspace's, else $HAIRMETA_DB, else the workspace's
    monkeypatch.setenv("HAIRMETA_DB", str(tmp_path / "db.sqlite"))
    assert default_db_path(tmp_path / "w") == tmp_path / "w" / "library.sqlite"
    assert default_db_path() == tmp_path / "db.sqlite"
    monkeypatch.delenv("HAIRMETA_DB")
    monkeypatch.setenv("HAIRMETA_HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / "library.sqlite"


def test_init_copies_the_shipped_files_and_keeps_existing_ones(tmp_path):
    root = tmp_path / "review"
    root.mkdir()
    (root / "outcomes.csv").write_text("mine\n", encoding="utf-8")
    report = init_workspace(root)
    assert set(report.copied) == set(COPIED_FILES) - {"outcomes.csv"}
    assert report.kept == ("outcomes.csv",)
    assert (root / "outcomes.csv").read_text(encoding="utf-8") == "mine\n"
    for name in report.copied:
        assert (root / name).read_bytes() == (shipped_dir() / name).read_bytes()
    again = init_workspace(root)
    assert again.copied == () and set(again.kept) == set(COPIED_FILES)


def test_init_refuses_a_missing_parent_and_the_shipped_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        init_workspace(tmp_path / "no" / "review")
    with pytest.raises(DataError, match="shipped data folder"):
        init_workspace(shipped_dir())


def test_a_folder_without_the_tables_is_an_error_naming_them(tmp_path):
    (tmp_path / "studies.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(DataError, match="arms.csv, outcomes.csv, published_meta_analyses.csv missing"):
        require_tables(tmp_path)
    with pytest.raises(DataError, match="missing"):
        table_paths(None, tmp_path)
    with pytest.raises(DataError, match="no such folder"):
        require_tables(tmp_path / "absent")


def test_tables_dir_prefers_data_dir_then_an_initialised_workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("HAIRMETA_HOME", str(tmp_path / "home"))
    assert tables_dir() is None  # no workspace yet: the shipped tables, read only
    with pytest.raises(DataError, match="hairmeta init"):
        tables_dir(None, tmp_path / "not-yet")
    (tmp_path / "home").mkdir()
    init_workspace(tmp_path / "home")
    assert tables_dir() == tmp_path / "home"
    other = tmp_path / "other"
    other.mkdir()
    init_workspace(other)
    assert tables_dir(other) == other


def test_writable_tables_creates_the_workspace_never_the_shipped_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HAIRMETA_HOME", str(tmp_path / "home"))
    before = {n: hashlib.sha256((shipped_dir() / n).read_bytes()).hexdigest() for n in TABLE_FILES}
    folder, report = writable_tables()
    assert folder == tmp_path / "home" and report is not None and set(TABLE_FILES) <= set(report.copied)
    folder, report = writable_tables()
    assert folder == tmp_path / "home" and report is None
    with pytest.raises(DataError, match="never written"):
        writable_tables(shipped_dir())
    after = {n: hashlib.sha256((shipped_dir() / n).read_bytes()).hexdigest() for n in TABLE_FILES}
    assert after == before


def test_loaders_read_the_active_folder(tmp_path):
    init_workspace(tmp_path)
    lines = (tmp_path / "studies.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "studies.csv").write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    assert len(load_studies()) > 2
    with use_data_dir(tmp_path):
        assert len(load_studies()) == 2
    assert len(load_studies()) > 2


def test_a_workspace_missing_some_tables_is_an_error_not_the_shipped_tables(tmp_path, monkeypatch):
    monkeypatch.setenv("HAIRMETA_HOME", str(tmp_path))
    init_workspace(tmp_path)
    (tmp_path / "arms.csv").unlink()
    with pytest.raises(DataError, match=r"arms.csv missing; `hairmeta init .*` copies"):
        tables_dir()
    with pytest.raises(DataError, match="arms.csv missing"):
        writable_tables()
    assert not (tmp_path / "arms.csv").exists()
