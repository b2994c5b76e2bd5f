"""``hairmeta export``: the library as RIS, BibTeX or CSV on stdout or in a file, re-read with
rispy / bibtexparser / csv.  Records come from the recorded Europe PMC page in
../shared/fixtures and a hand-made synthetic record."""

from __future__ import annotations

import csv
import io
import json

import bibtexparser
import pytest
import rispy

from hairmeta.cli import app
from hairmeta.evidence.library.records import Author, Record
from hairmeta.evidence.library.store import Store
from hairmeta.extractors.europepmc import parse_europepmc


@pytest.fixture
def filled(db_file, fixtures_dir):
    page = json.loads((fixtures_dir / "europepmc" / "search_lite_pagesize5_cancer.json").read_text())
    with Store(db_file) as store:
        store.upsert_records(parse_europepmc(page), source="europepmc")
        store.upsert_records(
            [
                Record(
                    title="Synthetic PRP record",
                    year=2024,
                    doi="10.99999/synthetic.1",
                    authors=(Author(last_name="Synthetica", fore_name="Alpha"),),
                )
            ],
            source="manual",
        )
    return db_file


def test_ris_to_stdout(runner, filled):
    result = runner.invoke(app, ["export", "--format", "ris"])
    assert result.exit_code == 0, result.stderr
    entries = rispy.loads(result.stdout)
    assert len(entries) == 6 and entries[0]["accession_number"] == "39709209"
    assert entries[-1]["authors"] == ["Synthetica, Alpha"]


def test_bibtex_to_file(runner, filled, tmp_path):
    target = tmp_path / "library.bib"
    result = runner.invoke(app, ["export", "--format", "bibtex", "--output", str(target), "--db", str(filled)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and f"wrote bibtex export to {target}" in result.stderr
    parsed = bibtexparser.parse_string(target.read_text(encoding="utf-8"))
    assert len(parsed.entries) == 6 and parsed.entries[-1].key == "synthetica2024"


def test_csv_deduplicated_runs(runner, filled):
    result = runner.invoke(app, ["export", "--format", "csv", "--deduplicated"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 6  # no duplicates among these records
    assert rows[0]["sources"] == "europepmc:39709209"


def test_format_is_required_and_checked(runner, filled):
    assert runner.invoke(app, ["export"]).exit_code == 2
    bad = runner.invoke(app, ["export", "--format", "endnote"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_unwritable_output_is_a_one_line_error(runner, filled, tmp_path):
    result = runner.invoke(app, ["export", "--format", "ris", "--output", str(tmp_path / "missing" / "x.ris")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'missing' / 'x.ris'}: cannot write")
