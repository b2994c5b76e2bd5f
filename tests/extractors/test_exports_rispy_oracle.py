"""Every RIS export in the corpus, field by field, against rispy's reading of the same file.

Oracle: rispy (an independent RIS parser; its tag-to-field mapping, not ours) reads each corpus
file decoded by :func:`hairmeta.extractors.sniff.decode`.  Where rispy has a value, ours must
agree on it: the record count and order, the title (inline markup such as ``<i>`` stripped, as
we store titles), the DOI after normalisation, the volume, the first author's surname, the
year and the first page.  This checks every record of every RIS file, not a sample.
"""

from __future__ import annotations

import csv
import re

import pytest
import rispy
from testpaths import TEST_DATA

from hairmeta.evidence.library.records import normalize_doi, strip_markup
from hairmeta.extractors import files, sniff

EXPORTS = TEST_DATA / "exports"
RIS_FILES = [
    row["file"] for row in csv.DictReader((EXPORTS / "MANIFEST.csv").open(encoding="utf-8")) if row["format"] == "ris"
]
_YEAR = re.compile(r"(1[5-9]\d\d|20\d\d)")
_PAGE_SPLIT = re.compile("[-\u2010\u2011\u2012\u2013\u2014]")


def _first(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


def _theirs(entry: dict) -> dict:
    """The fields rispy gives, in our terms ("" where rispy has nothing)."""
    authors = entry.get("authors") or entry.get("first_authors") or []
    year = _YEAR.search(_first(entry.get("year") or entry.get("publication_year") or entry.get("date")))
    return {
        "title": strip_markup(_first(entry.get("primary_title") or entry.get("title"))),
        "doi": normalize_doi(_first(entry.get("doi"))),
        "volume": _first(entry.get("volume")),
        "first author": _first(authors),
        "year": int(year.group(1)) if year else "",
        "first page": _vendor_page(_PAGE_SPLIT.split(_first(entry.get("start_page")))[0].strip()),
    }


def _vendor_page(page: str) -> str:
    """rispy keeps pages as written; a vendor's placeholder (Ovid's ``No-Specified``) is no page
    and ``pp 37`` (TRID) is page 37."""
    if page.lower() in ("no", "no pagination", "(no pagination)"):
        return ""
    return re.sub(r"^(?i:pp?\.?\s+)", "", page)


def _ours(record) -> dict:
    first = record.authors[0] if record.authors else None
    return {
        "title": record.title,
        "doi": record.doi,
        "volume": record.volume,
        "first author": (first.last_name or first.collective_name) if first else "",
        "year": record.year if record.year is not None else "",
        "first page": _PAGE_SPLIT.split(record.pages)[0].strip(),
    }


@pytest.mark.parametrize("name", RIS_FILES)
def test_every_ris_record_agrees_with_rispy_wherever_rispy_has_a_value(name):
    text, _ = sniff.decode((EXPORTS / name).read_bytes())
    theirs = rispy.loads(text, skip_unknown_tags=False, enforce_list_tags=False)
    ours = files.read_file(EXPORTS / name).records
    assert len(ours) == len(theirs)
    disagreements = []
    for number, (record, entry) in enumerate(zip(ours, theirs), start=1):
        mine, other = _ours(record), _theirs(entry)
        for field, value in other.items():
            if field == "first author":  # rispy keeps the name as written: "Liu R.", "Liu, Rong", "R. Liu"
                agrees = (
                    value.startswith(mine[field]) and value[len(mine[field]) : len(mine[field]) + 1] in ",. "
                ) or (re.match(r"[A-Z]\.", value) is not None and value.endswith(" " + mine[field]))
                if value and not agrees:
                    disagreements.append(f"record {number} first author: ours {mine[field]!r}, rispy {value!r}")
            elif value != "" and mine[field] != value:
                disagreements.append(f"record {number} {field}: ours {mine[field]!r}, rispy {value!r}")
    assert disagreements == []


def test_the_oracle_covers_every_ris_file_of_the_corpus():
    assert len(RIS_FILES) >= 25
