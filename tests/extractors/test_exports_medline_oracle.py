"""Every MEDLINE/nbib export in the corpus, field by field, against Biopython's ``Bio.Medline``.

Oracle: ``Bio.Medline.parse`` (Biopython's reader of NLM's tagged format) reads each file
decoded by :func:`hairmeta.extractors.sniff.decode`.  Where it has a value, ours must agree: the
record count and order, PMID, title (NLM's ``[Translated title].`` stored as the bare title,
flagged as translated), first author (``FAU`` surname, else the ``AU`` surname),
volume, issue, the first page and the year (first four digits of ``DP``).
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from Bio import Medline
from testpaths import TEST_DATA

from hairmeta.extractors import files, sniff

EXPORTS = TEST_DATA / "exports"
MEDLINE_FILES = [
    row["file"]
    for row in csv.DictReader((EXPORTS / "MANIFEST.csv").open(encoding="utf-8"))
    if row["format"] == "medline"
]
_YEAR = re.compile(r"(1[5-9]\d\d|20\d\d)")


def _fold(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


def _bare(title: str) -> str:
    """NLM brackets a title translated into English: ``[Social phobia].``; the end stop aside."""
    match = re.fullmatch(r"\[(.*)\]\.?", title)
    return f"[{match.group(1).rstrip('.')}]" if match else title.rstrip(".")


def _theirs(entry) -> dict:
    fau, au = _fold(entry.get("FAU")), _fold(entry.get("AU"))
    year = _YEAR.search(_fold(entry.get("DP")))
    return {
        "pmid": _fold(entry.get("PMID")),
        "title": _bare(_fold(entry.get("TI"))),
        "first author": (fau or au).split(",")[0].strip() if "," in (fau or au) else au.rsplit(" ", 1)[0],
        "volume": _fold(entry.get("VI")),
        "issue": _fold(entry.get("IP")),
        "first page": _fold(entry.get("PG")).split("-")[0].strip(),
        "year": int(year.group(1)) if year else "",
    }


def _ours(record) -> dict:
    first = record.authors[0] if record.authors else None
    return {
        "pmid": record.pmid,
        "title": f"[{record.title.rstrip('.')}]" if record.title_translated else record.title.rstrip("."),
        "first author": (first.last_name or first.collective_name) if first else "",
        "volume": record.volume,
        "issue": record.issue,
        "first page": record.pages.split("-")[0].strip(),
        "year": record.year if record.year is not None else "",
    }


@pytest.mark.parametrize("name", MEDLINE_FILES)
def test_every_medline_record_agrees_with_bio_medline(name):
    text, _ = sniff.decode((EXPORTS / name).read_bytes())
    theirs = [entry for entry in Medline.parse(io.StringIO(text.lstrip("\n"))) if entry]
    ours = files.read_file(EXPORTS / name).records
    assert len(ours) == len(theirs)
    disagreements = [
        f"record {number} {field}: ours {_ours(record)[field]!r}, Bio.Medline {value!r}"
        for number, (record, entry) in enumerate(zip(ours, theirs), start=1)
        for field, value in _theirs(entry).items()
        if value != "" and _ours(record)[field] != value
    ]
    assert disagreements == []


def test_the_oracle_covers_the_corpus_medline_files():
    assert len(MEDLINE_FILES) >= 3
