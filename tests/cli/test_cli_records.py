"""``hairmeta records`` (listing) and ``hairmeta records add`` (validated hand entry)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from hairmeta.cli import app
from hairmeta.evidence.library.records import Author, Record
from hairmeta.evidence.library.store import Store

ENTRY = [
    "records",
    "add",
    "--title",
    "A hand-entered case series",
    "--author",
    "Example, Ann Marie",
    "--author",
    "Sample, Bo",
    "--year",
    "2024",
    "--journal",
    "Dermis",
    "--volume",
    "4",
    "--issue",
    "3",
    "--pages",
    "19",
    "--doi",
    "https://doi.org/10.9999/EXAMPLE.1",
]


def test_add_stores_a_validated_manual_record(runner, db_file):
    result = runner.invoke(app, ENTRY)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "1" and "record 1 added" in result.stderr
    with Store(db_file) as store:
        rec = store.get_record(1)
        assert rec.doi == "10.9999/example.1" and rec.year == 2024
        assert rec.authors[0] == Author("Example", "Ann Marie", "AM")
        assert (rec.journal, rec.volume, rec.issue, rec.pages) == ("Dermis", "4", "3", "19")
        assert store.count_by_source() == {"manual": 1}


def test_adding_the_same_record_twice_keeps_one(runner, db_file):
    runner.invoke(app, ENTRY)
    again = runner.invoke(app, ENTRY)
    assert again.exit_code == 0 and "already in the library" in again.stderr
    with Store(db_file) as store:
        assert store.count_records() == 1


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--year", "24", "year: '24' is not a four-digit year"),
        ("--year", "1492", "year: '1492' is not a four-digit year"),
        ("--doi", "not a doi", "doi: 'not a doi' is not a DOI"),
        ("--pmid", "PMID12", "pmid: 'PMID12' is not a PMID"),
        ("--url", "ftp://x", "url: 'ftp://x' is not an http(s) URL"),
        ("--title", "  ", "title: a title is required"),
    ],
)
def test_invalid_entry_is_a_one_line_error_and_nothing_is_stored(runner, db_file, option, value, message):
    args = list(ENTRY)
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {message}" or message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    with Store(db_file) as store:
        assert store.count_records() == 0


def test_missing_title_is_a_usage_error(runner, db_file):
    result = runner.invoke(app, ["records", "add", "--year", "2024"])
    assert result.exit_code == 2 and "--title" in result.output


@pytest.fixture
def library(db_file):
    with Store(db_file) as store:
        store.upsert_records(
            [
                Record(
                    pmid="11",
                    doi="10.1/a",
                    title="PRP trial",
                    year=2021,
                    journal="J Dermatol",
                    authors=(Author("Lee", "Ann", "A"), Author(collective_name="G")),
                )
            ],
            source="pubmed",
        )
        store.add_manual(title="Case series", year=2024, journal="Dermis")
    return db_file


def test_listing_csv_has_the_promised_columns(runner, library):
    result = runner.invoke(app, ["records", "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert {"pmid", "doi", "title", "year", "journal", "authors", "sources"} <= set(frame.columns)
    assert frame.loc[0, "authors"] == "Lee A; G" and frame.loc[1, "sources"] == "manual"
    assert list(frame["year"]) == ["2021", "2024"]


def test_listing_json_and_table(runner, library):
    rows = json.loads(runner.invoke(app, ["records", "--format", "json"]).stdout)
    assert [r["pmid"] for r in rows] == ["11", ""] and rows[0]["year"] == 2021
    table = runner.invoke(app, ["records", "--db", str(library)])
    assert table.exit_code == 0 and "PRP trial" in table.stdout


def test_empty_library_lists_nothing(runner, db_file):
    result = runner.invoke(app, ["records", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_foreign_database_file_is_a_one_line_error(runner, tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not sqlite" * 200)
    result = runner.invoke(app, ["records", "--db", str(bad)])
    assert result.exit_code == 1 and str(bad) in result.stderr
    assert "Traceback" not in result.output


def test_group_level_db_option_applies_to_add(runner, db_file, tmp_path):
    other = tmp_path / "other.sqlite"
    result = runner.invoke(app, ["records", "--db", str(other), "add", "--title", "Elsewhere"])
    assert result.exit_code == 0, result.output
    with Store(other) as store:
        assert store.count_records() == 1
    with Store(db_file) as store:
        assert store.count_records() == 0
