"""Every command against hostile inputs: never a traceback, never a Python warning on stderr; a
refused input is one ``Error: …`` line and a non-zero exit (issue 12, "No tracebacks, ever").

The inputs: a CSV field past the csv module's limit, UTF-16 text, a ragged row, a repeated
column, binary bytes, an empty file, a folder where a file belongs, a missing file, an output in a
folder that does not exist, a library that is not SQLite, a read-only library, numbers that
overflow.  Each command that reads a file gets every input file; each that writes gets the
missing-folder output; each that opens the library gets the broken and the read-only library.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from testpaths import TEST_DATA

from hairmeta.cli import app
from hairmeta.evidence.library import store as store_module
from hairmeta.evidence.meta.csvinput import FIELD_LIMIT

#: All of these are slow as a whole (~100 invocations), so they sit outside the fast lane.
pytestmark = pytest.mark.slow

EFFECTS = "study,yi,vi\nA,0.1,0.02\nB,0.3,0.05\nC,-0.1,0.04\n"
HOSTILE_FILES = {
    "huge_field": 'study,yi,vi\nA,"' + "x" * (FIELD_LIMIT + 100) + '",0.1\n',
    "utf16": EFFECTS.encode("utf-16"),
    "ragged": "study,yi,vi\nA,0.1,0.02\nB,0.3\n",
    "repeated_column": "study,yi,vi,vi\nA,0.1,0.02,0.5\nB,0.3,0.05,0.5\n",
    "binary": bytes(range(256)) * 8,
    "empty": "",
    "overflow": "study,yi,vi\nA,1e308,1e-308\nB,-1e308,1e-308\n",
    "folder": None,  # a directory where a file is expected
    "missing": None,  # a path that does not exist
}

#: Commands reading one file: FILE is replaced by the hostile path, OUT by a good output path.
READERS = {
    "import": ["import", "FILE"],
    "import_csv_type": ["import", "FILE", "--type", "csv"],
    "dedup_file": ["dedup", "--input", "FILE", "--output", "OUT.csv"],
    "effects": ["effects", "--input", "FILE", "--measure", "MD"],
    "pool": ["pool", "--effects", "FILE"],
    "pool_by": ["pool", "--effects", "FILE", "--by", "study"],
    "diagnose": ["diagnose", "--effects", "FILE"],
    "forest": ["forest", "--effects", "FILE", "--output", "OUT.csv"],
    "funnel": ["funnel", "--effects", "FILE", "--output", "OUT.svg"],
    "outcomes_list": ["outcomes", "list", "--file", "FILE"],
    "outcomes_add": ["outcomes", "add", "--from", "FILE", "--file", "OUT.csv", "--yes"],
}

#: Commands writing a file: OUT is placed in a folder that does not exist.
WRITERS = {
    "effects": ["effects", "--input", "GOOD", "--measure", "MD", "-o", "OUT.csv"],
    "dedup_file": ["dedup", "--input", "RIS", "--output", "OUT.csv"],
    "forest": ["forest", "--effects", "EFFECTS", "--output", "OUT.svg"],
    "funnel": ["funnel", "--effects", "EFFECTS", "--output", "OUT.png"],
    "export": ["export", "--format", "ris", "--output", "OUT.ris"],
    "prisma": ["prisma", "--output", "OUT.json"],
    "report": ["report", "--output", "OUT.md", "--study", ""],
}

#: Commands opening the library (``--db`` or $HAIRMETA_DB).
LIBRARY = {
    "records": ["records"],
    "records_add": ["records", "add", "--title", "A trial"],
    "import": ["import", "RIS"],
    "dedup": ["dedup"],
    "dedup_review": ["dedup", "--review"],
    "dedup_decide": ["dedup", "--decide", "1", "--as", "merge", "--by", "A"],
    "dedup_undo": ["dedup", "--undo-cluster", "1"],
    "export": ["export", "--format", "csv"],
    "screen": ["screen", "--record", "1", "--include"],
    "screen_interactive": ["screen"],
    "prisma": ["prisma"],
    "update": ["update"],
    "search_dates": ["search", "x", "--since", "2020-02-30"],
}

#: Readers that keep what they can read of a file (a note per skipped record) rather than refuse it.
LENIENT = {
    "dedup_file": ("huge_field", "ragged", "repeated_column", "overflow"),
    "import": ("overflow",),
    "import_csv_type": ("overflow",),
    "outcomes_list": ("overflow",),
}

WARNING = re.compile(r"\b[A-Z]\w*Warning\b|warnings\.warn")


def _hostile(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.csv"
    content = HOSTILE_FILES[name]
    if name == "folder":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    return path


def _fill(args: list[str], tmp_path: Path, **paths: Path) -> list[str]:
    good = tmp_path / "good_input.csv"
    good.write_text("study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,10,2,20,8,2,20\nB,11,3,25,9,3,25\n")
    effects = tmp_path / "effects.csv"
    effects.write_text(EFFECTS)
    table = {"GOOD": good, "EFFECTS": effects, "RIS": TEST_DATA / "files" / "sample.ris", **paths}
    filled = []
    for arg in args:
        stem, dot, suffix = arg.partition(".")
        filled.append(str(table[stem]) + (dot + suffix if stem == "OUT" else "") if stem in table else arg)
    return filled


def assert_clean(result, args) -> None:
    """No traceback, no Python warning; an error is one line and a non-zero exit."""
    stderr = result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert "Traceback" not in stderr and "Traceback" not in result.stdout, (args, stderr)
    assert not WARNING.search(stderr), (args, stderr)
    errors = [line for line in stderr.splitlines() if line.startswith("Error")]
    if result.exit_code != 0:
        assert len(errors) == 1, (args, stderr)
        assert len(errors[0]) <= 600, (args, errors[0][:200])
    else:
        assert errors == [], (args, stderr)


@pytest.mark.parametrize("command", sorted(READERS))
@pytest.mark.parametrize("hostile", sorted(HOSTILE_FILES))
def test_readers_refuse_or_read_hostile_files(runner, db_file, tmp_path, command, hostile):
    path = _hostile(tmp_path, hostile)
    args = _fill(READERS[command], tmp_path, FILE=path, OUT=tmp_path / "out")
    result = runner.invoke(app, args, input="")
    assert_clean(result, args)
    if hostile in LENIENT.get(command, ()) or hostile == "utf16":
        return  # read as far as it goes, with a note per skipped record (or UTF-16 decoded)
    assert result.exit_code != 0, (args, result.stdout[:300])


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_output_in_a_missing_folder_is_one_line(runner, db_file, tmp_path, command):
    runner.invoke(app, ["import", str(TEST_DATA / "files" / "sample.ris")])
    args = _fill(WRITERS[command], tmp_path, OUT=tmp_path / "no" / "such" / "folder" / "out")
    result = runner.invoke(app, args)
    assert_clean(result, args)
    assert result.exit_code != 0 and "folder" in result.stderr


@pytest.mark.parametrize("command", sorted(LIBRARY))
@pytest.mark.parametrize("library", ["not_sqlite", "folder", "read_only"])
def test_library_commands_with_a_broken_library(runner, tmp_path, monkeypatch, command, library):
    db = tmp_path / "lib.sqlite"
    if library == "not_sqlite":
        db.write_bytes(b"this is not a database\n" * 50)
    elif library == "folder":
        db.mkdir()
    else:  # a real library opened read-only, as SQLite does for a file its user cannot write
        monkeypatch.setenv("HAIRMETA_DB", str(db))
        assert runner.invoke(app, ["import", str(TEST_DATA / "files" / "sample.ris")]).exit_code == 0
        real = sqlite3.connect

        def read_only(path, *args, **kwargs):
            return real(f"file:{path}?mode=ro", *args, uri=True, **kwargs)

        monkeypatch.setattr(store_module.sqlite3, "connect", read_only)
    before = db.read_bytes() if db.is_file() else None
    args = _fill(LIBRARY[command], tmp_path) + ["--db", str(db)] if command != "records_add" else None
    if args is None:  # ``records add`` takes --db after the subcommand too
        args = ["records", "add", "--title", "A trial", "--db", str(db)]
    result = runner.invoke(app, args, input="")
    assert_clean(result, args)
    if library != "read_only":
        assert result.exit_code != 0, (args, result.stdout[:300])
        assert (db.read_bytes() if db.is_file() else None) == before  # left as it was


def test_every_command_is_covered():
    """A new command must join this test: every top-level command appears in one table."""
    covered = {args[0] for table in (READERS, WRITERS, LIBRARY) for args in table.values()}
    covered |= {"init", "lookup", "summary", "compare"}  # no file input: see test_no_file_commands
    from typer.main import get_command

    names = set(get_command(app).commands)
    assert names <= covered, sorted(names - covered)


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "no_such_study"],
        ["summary", "--method", "XX"],
        ["pool", "--outcome", "hair_densty", "--comparison", "placebo"],
        ["lookup", "not-a-doi"],
        ["search", "x", "--since", "2021-01-01", "--until", "2020-01-01"],
        ["records", "--limit", "-1"],
    ],
)
def test_no_file_commands(runner, db_file, monkeypatch, args):
    monkeypatch.setenv("HAIRMETA_EUTILS_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("HAIRMETA_CROSSREF_URL", "http://127.0.0.1:9")
    result = runner.invoke(app, args)
    assert_clean(result, args)
    assert result.exit_code != 0
