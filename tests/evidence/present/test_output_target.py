"""check_target: what an output may never replace, and what only --force may replace."""

from __future__ import annotations

import sqlite3

import pytest

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.present.output import check_target, write_output


def test_a_new_file_in_an_existing_folder_is_fine(tmp_path):
    assert check_target(tmp_path / "new.csv") == tmp_path / "new.csv"


def test_an_existing_file_needs_force(tmp_path):
    target = tmp_path / "old.csv"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(DataError, match="exists; give --force"):
        check_target(target)
    assert check_target(target, force=True) == target
    assert target.read_text(encoding="utf-8") == "keep me"  # checking writes nothing


def test_the_commands_input_is_refused_even_with_force(tmp_path):
    source = tmp_path / "x.csv"
    source.write_text("ID\n1\n", encoding="utf-8")
    with pytest.raises(DataError, match="this command's input"):
        check_target(source, inputs=(source,), force=True)
    # the same file under another spelling
    with pytest.raises(DataError, match="this command's input"):
        check_target(tmp_path / "." / "x.csv", inputs=(source,), force=True)


def test_the_library_and_any_sqlite_file_are_refused_even_with_force(tmp_path):
    library = tmp_path / "lib.db"
    sqlite3.connect(library).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(DataError, match="record library"):
        check_target(library, library=library, force=True)
    with pytest.raises(DataError, match="SQLite database"):
        check_target(library, force=True)


def test_a_missing_folder_and_a_folder_are_clear_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        check_target(tmp_path / "nowhere" / "x.csv")
    with pytest.raises(DataError, match="is a folder"):
        check_target(tmp_path)


def test_write_output_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "out.txt"
    write_output(target, "text")
    assert target.read_text(encoding="utf-8") == "text"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]

    def failing(path):
        path.write_text("half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(DataError, match="No space left"):
        write_output(target, failing)
    assert target.read_text(encoding="utf-8") == "text"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
