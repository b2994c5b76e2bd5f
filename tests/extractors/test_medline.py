"""PubMed MEDLINE/nbib (extractors.medline).

Oracle: each expected value is read off the hand-made snippet (NLM tag layout).
"""

from hairmeta.extractors.medline import read_medline

TEXT = (
    "\n\nPMID- 30922926\nOWN - NLM\nTI  - Time lapse: A glimpse into prehistoric\n      genomics.\n"
    "FAU - Griffin, Darren K\nAU  - Griffin DK\nAU  - Larkin DM\nDP  - 2020 Feb\nTA  - Eur J Med Genet\n"
    "JT  - European journal of medical genetics\nVI  - 63\nIP  - 2\nPG  - 103640\n"
    "LID - 10.1016/j.ejmg.2019.03.004 [doi]\nLA  - eng\n\n"
    "PMID- 37068225\nTI  - Second, without abstract.\nAU  - Peris D\nDP  - 2023\n"
)


def test_records_continuations_and_old_new_tags():
    parsed = read_medline(TEXT, "p.nbib")
    first, second = parsed.records
    assert first.title == "Time lapse: A glimpse into prehistoric genomics."
    assert first.pmid == "30922926" and first.doi == "10.1016/j.ejmg.2019.03.004"
    assert [a.display() for a in first.authors] == ["Griffin DK"]  # FAU wins over AU
    assert (first.year, first.volume, first.issue, first.pages) == (2020, "63", "2", "103640")
    assert first.journal == "European journal of medical genetics" and first.languages == ("eng",)
    assert second.abstract == "" and second.authors[0].display() == "Peris D"
    assert parsed.source_ids == ("30922926", "37068225") and parsed.warnings == ()


def test_pmid_without_blank_line_starts_a_new_record():
    parsed = read_medline("PMID- 1\nTI  - One\nPMID- 2\nTI  - Two\n")
    assert [r.title for r in parsed.records] == ["One", "Two"]


def test_eric_nbib_doi_written_as_a_link():
    text = "OWN - ERIC\nTI  - A trial\nAU  - Smith, Tom\nAID - http://dx.doi.org/10.1000/123456789\nDP  - 2000\n"
    (record,) = read_medline(text, "eric.nbib").records
    assert record.doi == "10.1000/123456789"


def test_an_aid_that_is_not_a_doi_is_not_taken_for_one():
    text = "PMID- 1\nTI  - A trial\nAID - S0001-0001(20)30001-1 [pii]\nAID - https://example.org/paper/10.1000/1\n"
    (record,) = read_medline(text, "x.nbib").records
    assert record.doi == ""
