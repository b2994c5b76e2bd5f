"""Record type and its normalisation helpers (hand calculations on small inputs)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.library.records import (
    Author,
    Record,
    manual_record,
    normalize_doi,
    parse_author,
    split_translated_title,
    strip_markup,
)
from hairmeta.evidence.library.serial import record_to_json
from hairmeta.evidence.library.store import record_from_json


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("10.1000/ABC.1", "10.1000/abc.1"),
        (" https://doi.org/10.1000/ABC.1 ", "10.1000/abc.1"),
        ("http://dx.doi.org/10.1/x.", "10.1/x"),
        ("doi: 10.1/X", "10.1/x"),
        ("not-a-doi", ""),
        (None, ""),
    ],
)
def test_normalize_doi(raw, expected):
    assert normalize_doi(raw) == expected


def test_strip_markup_keeps_less_than_signs_and_unescapes():
    assert strip_markup("p<sub>trend</sub> <i>TERT</i>  r<sup>2</sup><0.25 &amp; more") == "ptrend TERT r2<0.25 & more"


def test_split_translated_title():
    assert split_translated_title("[Hair loss in women].") == ("Hair loss in women.", True)
    assert split_translated_title("Plain title.") == ("Plain title.", False)


def test_key_prefers_pmid_then_doi_then_content_hash():
    assert Record(pmid="1", doi="10.1/a").key() == "pmid:1"
    assert Record(doi="10.1/a").key() == "doi:10.1/a"
    a = Record(title="T", year=2020, authors=(Author("X", "Y", "Y"),))
    assert a.key().startswith("hash:") and a.key() == Record(title="t", year=2020, authors=a.authors).key()


def test_content_hash_keeps_one_title_in_two_journals_apart():
    # a guideline printed in two journals (shared/dedup cytology_screening id_0000338/339)
    first = Record(
        title="Screening guideline",
        year=2012,
        authors=(Author("Saslow", "D", "D"),),
        journal="Am J Clin Pathol",
        volume="137",
        pages="516-542",
    )
    second = first.with_changes(journal="CA Cancer J Clin", volume="62", pages="147-172")
    assert first.key() != second.key()
    assert first.key() == first.with_changes().key()


def test_parse_author_person_and_group():
    assert parse_author("van der Berg,  Anna-Lena") == Author("van der Berg", "Anna-Lena", "AL")
    assert parse_author("PRP Study Group") == Author(collective_name="PRP Study Group")


def test_manual_record_validates_and_normalises():
    rec = manual_record(title=" <i>A</i> title ", authors=["Doe, J"], year="2024", doi="DOI:10.5/X", pmid=" 123 ")
    assert (rec.title, rec.doi, rec.pmid, rec.year) == ("A title", "10.5/x", "123", 2024)
    with pytest.raises(DataError, match="year"):
        manual_record(title="t", year="2999")
    assert manual_record(title="t", year=None).year is None


@given(
    st.builds(
        Record,
        pmid=st.from_regex(r"\d{1,8}", fullmatch=True),
        title=st.text(),
        year=st.none() | st.integers(1800, 2100),
        authors=st.lists(st.builds(Author, st.text(), st.text(), st.text(), st.text()), max_size=3).map(tuple),
        mesh_terms=st.lists(st.text(), max_size=3).map(tuple),
    )
)
def test_json_round_trip_is_lossless(record):
    assert record_from_json(record_to_json(record)) == record
