"""Placeholder and decorated values vendors write into citation fields, read as what they mean.

Oracle: the meaning of each vendor convention, stated beside its case: Ovid writes
``No-Specified`` where a record has no pages; Web of Science writes ``+`` for an unknown end
page and ``UNSP`` before an unpaginated article number; TRID writes ``pp`` before a page range;
IEEE Xplore writes authors initials first (``A. Author-One``); a ``CP`` line may hold a
conference name, not an issue number.
"""

from __future__ import annotations

import pytest

from hairmeta.extractors.ris import read_ris
from hairmeta.extractors.wos import read_wos


def _ris(*lines: str):
    (record,) = read_ris("TY  - JOUR\nTI  - A trial\n" + "\n".join(lines) + "\nER  - \n", "x.ris").records
    return record


@pytest.mark.parametrize(
    ("lines", "pages"),
    [
        (("SP  - No-Specified",), ""),
        (("SP  - no pagination",), ""),
        (("SP  - (no pagination)",), ""),
        (("SP  - pp 37-64",), "37-64"),
        (("SP  - pp. 37-64",), "37-64"),
        (("SP  - 997", "EP  - +"), "997"),
        (("SP  - 12-19",), "12-19"),
        (("SP  - e0191240",), "e0191240"),
        (("SP  - S12", "EP  - S19"), "S12-S19"),
    ],
)
def test_page_placeholders_and_decorations(lines, pages):
    assert _ris(*lines).pages == pages


def test_wos_unpaginated_article_number():
    text = "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Lee, A\nTI A trial\nPY 2019\nAR UNSP 1722034\nER\n\nEF\n"
    (record,) = read_wos(text, "x.txt").records
    assert record.pages == "1722034"


@pytest.mark.parametrize(
    ("name", "last", "initials"),
    [
        ("A. Author-One", "Author-One", "A"),
        ("J. A. Smith", "Smith", "JA"),
        ("J.-L. Dupont", "Dupont", "JL"),
        ("Smith, John A.", "Smith", "JA"),
        ("Smith JA", "Smith", "JA"),
        ("van der Berg J", "van der Berg", "J"),
    ],
)
def test_author_name_orders(name, last, initials):
    author = _ris(f"AU  - {name}").authors[0]
    assert (author.last_name, author.initials, author.collective_name) == (last, initials, "")


@pytest.mark.parametrize("blob", ["Hale S. L.Kloner R. A.", "Du Y.Ko K. M.", "Yamazaki Y.Harada S.Tokuyama S."])
def test_names_glued_together_are_not_made_into_one_person(blob):
    # Embase author fields exported without separators: kept whole, never read as one surname
    assert _ris(f"AU  - {blob}").authors[0].collective_name == blob


def test_a_group_stays_a_group():
    assert _ris("AU  - PRP Study Group").authors[0].collective_name == "PRP Study Group"


def test_a_conference_name_in_cp_is_not_an_issue():
    assert _ris("CP  - 2nd International Conference on the Internet Society").issue == ""
    assert _ris("CP  - ICIS 2018").issue == ""
    for number in ("4", "6/7", "Suppl 2", "3 Suppl 1"):
        assert _ris(f"CP  - {number}").issue == number
