"""Real exports from public repositories (tests/data/exports, provenance in MANIFEST.csv).

Oracle: each file's record count was established two independent ways when the corpus was
built (the MANIFEST's two count columns, e.g. ``TY`` lines and ``ER`` lines, ``PMID-`` lines and
Biopython's ``Bio.Medline``, pandas rows and csv-module rows); the RIS counts and the sampled
titles, DOIs, first authors and volumes were also checked against rispy.  The field
expectations (expected_fields.json: five records per file) were read off our reader, then
cross-checked against rispy / Bio.Medline and by eye against the raw files.
"""

from __future__ import annotations

import csv
import json

import pytest
from testpaths import TEST_DATA

from hairmeta.extractors import files

EXPORTS = TEST_DATA / "exports"
MANIFEST = list(csv.DictReader((EXPORTS / "MANIFEST.csv").open(encoding="utf-8")))
EXPECTED = json.loads((EXPORTS / "expected_fields.json").read_text(encoding="utf-8"))
FORMAT_KEY = {"medline": "nbib"}
ALLOWED_LICENCES = {"MIT", "Apache-2.0", "CC0-1.0", "GPL-3.0", "GPL-3.0-or-later"}


def test_manifest_covers_thirty_files_with_provenance():
    assert len(MANIFEST) >= 30
    for row in MANIFEST:
        assert row["repository"].startswith("https://github.com/") and len(row["commit"]) == 40
        assert row["licence"] in ALLOWED_LICENCES
        assert (EXPORTS / row["file"]).stat().st_size < 2_000_000
        first, second = row["count_method_1"], row["count_method_2"]
        assert first.split("=")[-1] == second.split("=")[-1] == row["records"]


@pytest.mark.parametrize("row", MANIFEST, ids=[r["file"] for r in MANIFEST])
def test_every_export_reads_with_its_exact_count_and_no_warnings(row):
    parsed = files.read_file(EXPORTS / row["file"])
    assert len(parsed.records) == int(row["records"])
    assert parsed.format == FORMAT_KEY.get(row["format"], row["format"])
    assert parsed.warnings == () and parsed.skipped == 0


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=sorted(EXPECTED))
def test_five_records_per_file_have_the_checked_fields(name):
    records = files.read_file(EXPORTS / name).records
    for expected in EXPECTED[name]:
        record = records[expected["index"]]
        got = {
            "title": record.title,
            "authors": [a.display() for a in record.authors],
            "year": record.year,
            "journal": record.journal,
            "volume": record.volume,
            "issue": record.issue,
            "pages": record.pages,
            "doi": record.doi,
            "pmid": record.pmid,
            "abstract_start": record.abstract[:80],
        }
        assert got == {k: v for k, v in expected.items() if k != "index"}, (name, expected["index"])


def test_producers_named_in_the_issue_are_all_covered():
    producers = " ".join(row["producer"] for row in MANIFEST)
    for name in (
        "PubMed",
        "Ovid",
        "embase.com",
        "Cochrane CENTRAL",
        "Scopus",
        "Web of Science",
        "EBSCO",
        "EndNote",
        "Zotero",
        "Mendeley",
        "Citavi",
    ):
        assert name in producers
