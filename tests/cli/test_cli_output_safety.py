"""Every command that writes a file: never over its input or the library, an existing file only
with --force, a missing folder is one clear error (issue 12)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hairmeta.evidence.cli import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "files" / "sample.csv"


@pytest.fixture
def work(tmp_path, runner):
    """A library with the sample records, an escalc input and an effects file."""
    shutil.copy(SAMPLE, tmp_path / "records.csv")
    (tmp_path / "means.csv").write_text(
        "study,m1i,sd1i,n1i,m2i,sd2i,n2i\na,10,2,20,8,2,20\nb,12,3,25,9,3,25\nc,11,2,30,10,2,30\n", encoding="utf-8"
    )
    (tmp_path / "effects.csv").write_text("study,yi,vi\na,0.5,0.04\nb,0.2,0.05\nc,0.9,0.08\n", encoding="utf-8")
    library = tmp_path / "lib.db"
    result = runner.invoke(app, ["import", str(tmp_path / "records.csv"), "--db", str(library)])
    assert result.exit_code == 0, result.output
    return tmp_path


def commands(w: Path, out: Path) -> dict[str, list[str]]:
    db = ["--db", str(w / "lib.db")]
    return {
        "export": ["export", "--format", "ris", *db, "-o", str(out)],
        "dedup": ["dedup", "--input", str(w / "records.csv"), "--output", str(out)],
        "effects": ["effects", "-i", str(w / "means.csv"), "-m", "MD", "-o", str(out)],
        "forest": ["forest", "--effects", str(w / "effects.csv"), "-o", str(out)],
        "funnel": ["funnel", "--effects", str(w / "effects.csv"), "-o", str(out)],
        "prisma": ["prisma", *db, "-o", str(out)],
        "report": ["report", *db, "-o", str(out)],
    }


SUFFIX = {"forest": ".csv", "funnel": ".svg", "prisma": ".json", "report": ".md"}
NAMES = sorted(SUFFIX.keys() | {"export", "dedup", "effects"})


@pytest.mark.parametrize("name", NAMES)
def test_an_existing_file_is_kept_unless_force(runner, work, name):
    target = work / f"existing{SUFFIX.get(name, '.csv')}"
    target.write_text("the clinician's own file\n", encoding="utf-8")
    refused = runner.invoke(app, commands(work, target)[name])
    assert refused.exit_code == 1
    assert "exists; give --force" in refused.stderr and "Traceback" not in refused.output
    assert target.read_text(encoding="utf-8") == "the clinician's own file\n"
    forced = runner.invoke(app, [*commands(work, target)[name], "--force"])
    assert forced.exit_code == 0, forced.output + forced.stderr
    assert target.read_text(encoding="utf-8") != "the clinician's own file\n"
    assert not [p for p in work.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name", NAMES)
def test_a_missing_folder_is_one_clear_error(runner, work, name):
    target = work / "no-such-folder" / f"out{SUFFIX.get(name, '.csv')}"
    result = runner.invoke(app, commands(work, target)[name])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.output
    assert not target.parent.exists()


@pytest.mark.parametrize("name", ["export", "prisma", "report"])
def test_the_library_is_never_overwritten_even_with_force(runner, work, name):
    library = work / "lib.db"
    before = library.read_bytes()
    result = runner.invoke(app, [*commands(work, library)[name], "--force"])
    assert result.exit_code == 1
    assert "record library" in result.stderr
    assert library.read_bytes() == before


def test_export_over_another_library_is_refused(runner, work):
    other = work / "other.db"
    shutil.copy(work / "lib.db", other)
    result = runner.invoke(app, [*commands(work, other)["export"], "--force"])
    assert result.exit_code == 1 and "SQLite database" in result.stderr


@pytest.mark.parametrize(
    ("name", "input_name"), [("dedup", "records.csv"), ("effects", "means.csv"), ("forest", "effects.csv")]
)
def test_a_command_never_writes_over_its_input(runner, work, name, input_name):
    source = work / input_name
    before = source.read_bytes()
    result = runner.invoke(app, [*commands(work, source)[name], "--force"])
    assert result.exit_code == 1
    assert "this command's input" in result.stderr
    assert source.read_bytes() == before
