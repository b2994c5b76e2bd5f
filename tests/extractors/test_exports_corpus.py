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

from hairmeta.evidence.errors import DataError
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


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_web_of_science_export_reads_like_the_utf8_one(tmp_path, encoding):
    source = EXPORTS / "wos_tabdelimited_scientopy.txt"
    text = source.read_bytes().decode("utf-8-sig")
    path = tmp_path / "savedrecs.txt"
    raw = text.encode(encoding)
    path.write_bytes(raw if encoding == "utf-16" else b"\xfe\xff" + raw)
    utf16, utf8 = files.read_file(path), files.read_file(source)
    assert utf16.encoding == "utf-16" and utf16.records == utf8.records and utf16.warnings == ()


def test_excel_csv_in_windows_1252_says_so(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes('Title,Authors,Year\nCaf\u00e9 study,"M\u00fcller, H.",2020\n'.encode("cp1252"))
    parsed = files.read_file(path)
    assert parsed.encoding == "cp1252" and parsed.records[0].title == "Caf\u00e9 study"
    assert parsed.records[0].authors[0].last_name == "M\u00fcller"


@pytest.mark.parametrize(
    "content, message",
    [(b"", "empty file"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20, "binary file")],
)
def test_empty_or_binary_file_is_refused_in_one_line(tmp_path, content, message):
    path = tmp_path / "export.ris"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        files.read_file(path)
