"""RIS vendor quirks (extractors.ris) on small hand-made snippets modelled on real exports.

Oracle: each expected value is read off the snippet above it.
"""

from hairmeta.extractors.ris import read_ris


def test_ovid_numbers_orphan_tags_and_links_between_records():
    text = (
        "1.\nTY  - JOUR\nT1  - First\nA1  - Smith, John A\nY1  - 2019//\nJF  - Journal A\nJA  - J A\n"
        "DO  - https://dx.doi.org/10.1000/ABC\nDB  - Ovid MEDLINE(R)\nID  - 31234567\nER  - \n\n"
        "NL  - https://example.org\nLink to the Ovid Full Text or citation:\n\n"
        "2.\nTY  - JOUR\nT1  - Second\nY1  - 2024///\nER  - \n"
    )
    parsed = read_ris(text, "x.ris")
    first, second = parsed.records
    assert (first.title, first.year, first.journal, first.doi, first.pmid) == (
        "First",
        2019,
        "Journal A",
        "10.1000/abc",
        "31234567",
    )
    assert first.authors[0].display() == "Smith JA"
    assert (second.title, second.year) == ("Second", 2024)
    assert parsed.warnings == ()


def test_cochrane_headers_and_two_space_separators():
    text = (
        'Record #1 of 2\nProvider: John Wiley & Sons, Ltd.\nContent: text/plain; charset="UTF-8"\n\n'
        "TY  -  JOUR\nAN  -  CN-00778158\nAU  -  Bywater, T\nTI  -  Trial one\nPY  -  2011\n"
        "C3  -  PUBMED 21314913\nSP  -  1279\u20101297\nER  -  \n\n"
        "Record #2 of 2\nProvider: John Wiley & Sons, Ltd.\n\nTY  -  JOUR\nTI  -  Trial two\nER  -"
    )
    parsed = read_ris(text, "c.ris")
    assert [r.title for r in parsed.records] == ["Trial one", "Trial two"]
    assert parsed.records[0].pmid == "21314913" and parsed.records[0].pages == "1279-1297"
    assert parsed.source_ids[0] == "CN-00778158" and parsed.warnings == ()


def test_blank_lines_and_untagged_continuations_inside_a_record():
    text = (
        "TY  - JOUR\nTI  - A title that\ncontinues here\n\nAB  - Para one.\n\nPara two.\n"
        "KW  - Alpha\nBeta\nU3  - Cited By :9\n\nExport Date: 12 May 2022\nER  - \n"
    )
    (record,) = read_ris(text, "e.ris").records
    assert record.title == "A title that continues here"
    assert record.abstract == "Para one. Para two."


def test_wos_style_indented_continuation():
    text = "TY  - JOUR\nTI  - Long title\n   split over lines\nER  - \n"
    assert read_ris(text).records[0].title == "Long title split over lines"


def test_missing_er_keeps_both_records_with_warnings():
    text = "TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\n"
    parsed = read_ris(text, "m.ris")
    assert [r.title for r in parsed.records] == ["One", "Two"]
    assert parsed.warnings == (
        "m.ris:1: record not closed with ER before the next TY (line 3); kept",
        "m.ris:3: last record not closed with ER; kept",
    )


def test_embase_pmid_in_c5_and_dates_with_slashes():
    text = "TY  - JOUR\nT1  - x\nY1  - 2022/11/05/\nC5  - 38773066\nU2  - L2029880245\nER  - \n"
    parsed = read_ris(text)
    assert parsed.records[0].pmid == "38773066" and parsed.records[0].year == 2022


def test_endnote_record_number_in_id_is_not_a_pmid():
    text = "TY  - JOUR\nTI  - x\nDB  - Medline\nID  - 887\nER  - \n"
    assert read_ris(text).records[0].pmid == ""


def test_an_empty_record_is_skipped_with_a_warning():
    parsed = read_ris("TY  - JOUR\nER  - \nTY  - JOUR\nTI  - kept\nER  - \n", "s.ris")
    assert [r.title for r in parsed.records] == ["kept"] and parsed.skipped == 1
    assert parsed.warnings == ("s.ris:1: record skipped: no field could be read",)
