"""``hairmeta screen``: by id and interactively, on a real temporary library."""

import json

import pytest

from hairmeta.cli import app
from hairmeta.evidence.library.records import Record
from hairmeta.evidence.library.screening import latest_decisions
from hairmeta.evidence.library.store import Store


@pytest.fixture
def library(db_file):
    with Store(db_file) as s:
        s.upsert_records(
            [
                Record(pmid="11", title="PRP for AGA", abstract="Randomised."),
                Record(pmid="12", title="Exosomes in mice"),
            ],
            source="pubmed",
        )
    return db_file


def stored(path):
    with Store(path) as s:
        return latest_decisions(s)


def test_exclude_by_id_with_reason(runner, library):
    result = runner.invoke(
        app, ["screen", "--record", "2", "--exclude", "--reason", "animal study", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["decision"] == "exclude"
    assert stored(library).iloc[0]["reason"] == "animal study"


def test_exclude_without_reason_is_a_one_line_error_and_nothing_stored(runner, library):
    result = runner.invoke(app, ["screen", "--record", "1", "--exclude"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("Error: reason: an exclusion needs a reason")
    assert "Traceback" not in result.output
    assert stored(library).empty


def test_unknown_record_is_an_error(runner, library):
    result = runner.invoke(app, ["screen", "--record", "99", "--include"])
    assert result.exit_code == 1 and "no record with id 99" in result.stderr


def test_interactive_include_then_exclude_with_reason(runner, library):
    result = runner.invoke(app, ["screen"], input="Tester\ni\ne\n\nmouse model\n")
    assert result.exit_code == 0, result.output
    assert "PRP for AGA" in result.stderr  # the record panel goes to stderr
    frame = stored(library)
    assert list(frame["decision"]) == ["include", "exclude"]
    assert frame.iloc[1]["reason"] == "mouse model"  # asked again after the empty answer


def test_interactive_quit_keeps_earlier_decisions(runner, library):
    result = runner.invoke(app, ["screen"], input="Tester\nm\nq\n")
    assert result.exit_code == 0, result.output
    assert list(stored(library)["decision"]) == ["maybe"]


def test_interactive_with_nothing_left_says_so(runner, library):
    runner.invoke(app, ["screen", "--record", "1", "--include"])
    runner.invoke(app, ["screen", "--record", "2", "--maybe"])
    result = runner.invoke(app, ["screen"], input="")
    assert result.exit_code == 0
    assert "nothing left to screen at stage title_abstract" in result.stderr


def test_interactive_prompt_abstract_and_reviewer(runner, library):
    """Issue 12: the keys print whole, the abstract is wrapped not cut, the name is asked once."""
    with Store(library) as store:
        long = " ".join(f"word{i}" for i in range(120)) + " THE-END"
        store.upsert_records([Record(pmid="77", title="Long abstract", year=2024, abstract=long)], source="pubmed")
    result = runner.invoke(app, ["screen"], input="\nRita\ni\nm\ne\nno\n", env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    assert "[i]nclude [e]xclude [m]aybe [s]kip [q]uit" in result.stderr
    assert result.stderr.count("Your name") == 2  # asked again after the empty answer, then never
    assert "THE-END" in result.stderr and "word119" in result.stderr
    panel = [line for line in result.stderr.splitlines() if line.startswith("│")]
    assert panel and max(len(line) for line in panel) <= 60  # wrapped inside the panel, not cut
    frame = stored(library)
    assert list(frame["decision"]) == ["include", "maybe", "exclude"]
    assert set(frame["reviewer"]) == {"Rita"}
