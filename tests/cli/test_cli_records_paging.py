"""records pages a big library: --limit (default 50 in a table, all in csv/json), --offset,
rows streamed from the store (issue 12)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from hairmeta.cli import app
from hairmeta.evidence.library.records import Author, Record
from hairmeta.evidence.library.store import RECORD_COLUMNS, Store


@pytest.fixture
def library(db_file):
    records = [
        Record(pmid=str(1000 + i), title=f"Trial {i} of PRP", year=2000 + i % 20, authors=(Author("Lee", "A", "A"),))
        for i in range(120)
    ]
    with Store(db_file) as store:
        store.upsert_records(records, source="pubmed")
    return db_file


def test_table_shows_50_and_says_how_to_page(runner, library):
    result = runner.invoke(app, ["records"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Trial 49 of PRP" in result.stdout and "Trial 50 of PRP" not in result.stdout
    assert "showing 50 of 120 records" in result.stderr and "--limit 0 for all" in result.stderr


def test_limit_offset_and_all(runner, library):
    page = runner.invoke(app, ["records", "--limit", "5", "--offset", "10", "-f", "json"])
    assert [r["pmid"] for r in json.loads(page.stdout)] == [str(1010 + i) for i in range(5)]
    everything = runner.invoke(app, ["records", "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(everything.stdout)))
    assert len(rows) == 120 and tuple(rows[0]) == RECORD_COLUMNS
    table_all = runner.invoke(app, ["records", "--limit", "0"], env={"COLUMNS": "200"})
    assert "Trial 119 of PRP" in table_all.stdout and "showing" not in table_all.stderr


def test_streamed_json_equals_the_frame(runner, library):
    streamed = json.loads(runner.invoke(app, ["records", "-f", "json"]).stdout)
    with Store(library) as store:
        frame = store.records_frame()
        assert store.records_frame(limit=3, offset=2)["pmid"].tolist() == ["1002", "1003", "1004"]
    assert len(streamed) == len(frame) == 120
    assert streamed[7] == {k: (None if v is None else v) for k, v in frame.iloc[7].to_dict().items()} | {
        "year": int(frame.iloc[7]["year"])
    }


def test_record_rows_is_lazy(library):
    with Store(library) as store:
        rows = store.record_rows()
        assert next(rows)["pmid"] == "1000"  # a generator: nothing beyond the first row decoded
        assert sum(1 for _ in rows) == 119


def test_empty_library(runner, db_file):
    assert json.loads(runner.invoke(app, ["records", "-f", "json"]).stdout) == []
    assert runner.invoke(app, ["records"]).exit_code == 0
