"""Property: whatever ``hairmeta export`` writes (RIS, BibTeX, CSV) reads back to the same
records, through every encoding (UTF-8 with and without BOM, UTF-16 LE/BE with BOM,
Windows-1252) and line ending (LF, CRLF, bare CR) the readers accept.

Oracle: the generated records themselves (the round trip must be the identity on the fields
a review uses).
"""

from __future__ import annotations

import codecs

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hairmeta.evidence.library.export import ExportItem, to_bibtex, to_csv, to_ris
from hairmeta.evidence.library.records import Author, Record
from hairmeta.extractors import files, sniff

LETTERS = "abcdefghijklmnopqrstuvwxyzéèüöñç"
word = st.text(LETTERS, min_size=2, max_size=9)
capital = word.map(lambda w: w[0].upper() + w[1:])
sentence = st.lists(word, min_size=1, max_size=12).map(lambda ws: " ".join(ws).capitalize())
author = st.builds(
    lambda last, fore, mid: Author(
        last_name=last, fore_name=f"{fore} {mid}." if mid else fore, initials=fore[0].upper() + (mid or "")
    ),
    capital,
    capital,
    st.sampled_from(["", "A", "J"]),
)
digits = st.integers(1, 999).map(str)
record = st.builds(
    lambda title, authors, year, journal, volume, issue, first, length, doi, pmid, abstract: Record(
        title=title,
        authors=tuple(authors),
        year=year,
        journal=journal,
        volume=volume,
        issue=issue,
        pages=f"{first}-{first + length}",
        doi=doi,
        pmid=pmid,
        abstract=abstract,
    ),
    sentence,
    st.lists(author, min_size=1, max_size=4),
    st.integers(1950, 2030),
    sentence,
    digits,
    digits,
    st.integers(1, 5000),
    st.integers(1, 40),
    st.builds(
        lambda p, s: f"10.{p}/{s}",
        st.integers(1000, 99999),
        st.text("abcdefghij0123456789.", min_size=1, max_size=12).filter(lambda s: not s.endswith(".")),
    ),
    st.one_of(st.just(""), st.integers(1, 39_999_999).map(str)),
    st.one_of(st.just(""), sentence),
)
WRITERS = {"ris": to_ris, "bibtex": to_bibtex, "csv": to_csv}
ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-sig": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16-le": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16-be": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "cp1252": lambda t: t.encode("cp1252"),
}
ENDINGS = ("\n", "\r\n", "\r")


def _fields(rec: Record) -> tuple:
    return (
        rec.title,
        [a.display() for a in rec.authors],
        rec.year,
        rec.journal,
        rec.volume,
        rec.issue,
        rec.pages,
        rec.doi,
        rec.pmid,
        rec.abstract,
    )


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(WRITERS))
@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(record, min_size=1, max_size=5),
    encoding=st.sampled_from(sorted(ENCODINGS)),
    ending=st.sampled_from(ENDINGS),
)
def test_export_reads_back_to_the_same_records(fmt, records, encoding, ending):
    items = [ExportItem(i + 1, i + 1, (i + 1,), rec, (("test", str(i)),)) for i, rec in enumerate(records)]
    text = WRITERS[fmt](items).replace("\n", ending)
    decoded, used = sniff.decode(ENCODINGS[encoding](text))
    parsed = files.read_text(decoded, f"export.{fmt}", encoding=used)
    assert parsed.format == fmt and parsed.warnings == ()
    assert [_fields(r) for r in parsed.records] == [_fields(r) for r in records]
