"""BibTeX as exporters write it (extractors.bibtex).

Oracle: each expected value is read off the hand-made snippet.
"""

from hairmeta.extractors.bibtex import read_bibtex

SCOPUS_LIKE = """\ufeff
@ARTICLE{Li2020,
author={Li, W. and Dou, Z.},
title={{Soil fauna}  diversity},
journal={Ecosystem Health},
year={2020},
volume={6},
number={1},
pages={1722034},
doi={10.1080/20964129.2020.1722034},
funding_text 1={Grant
 text over lines},
}

@CONFERENCE{Li2020,
author={Li, X.},
title={A different work with the same key},
year={2020},
}

@inproceedings{ WOS:000223334444221,
Author = {Writerone, Julia and {PRP Hair Study Group}},
Title = {Third},
Year = {2004},
Usage-Count-(Last-180-days) = {0},
Pages = {1297--1306},
}
"""


def test_repeated_keys_upper_case_types_and_odd_field_names():
    parsed = read_bibtex(SCOPUS_LIKE, "s.bib")
    assert parsed.source_ids == ("Li2020", "Li2020", "WOS:000223334444221")
    first, second, third = parsed.records
    assert first.title == "Soil fauna diversity" and first.doi == "10.1080/20964129.2020.1722034"
    assert [a.display() for a in first.authors] == ["Li W", "Dou Z"]
    assert second.title == "A different work with the same key"
    assert third.pages == "1297-1306" and third.authors[1].collective_name == "PRP Hair Study Group"
    assert parsed.warnings == ()


def test_unbalanced_entry_is_skipped_and_the_next_one_read():
    text = "@article{bad,\n title = {Open brace,\n year = 2020\n\n@article{good,\n title = {Fine},\n year = 2021\n}\n"
    parsed = read_bibtex(text, "b.bib")
    assert parsed.source_ids == ("good",) and parsed.skipped == 1
    assert parsed.warnings[0].startswith("b.bib:1: record skipped: cannot read BibTeX entry")


def test_quoted_values_concatenation_and_latex_accents():
    text = '@article{k, title = "Caf{\\\'e} " # "society", author = "M{\\"u}ller, Hans", year = 1999}'
    (record,) = read_bibtex(text).records
    assert record.title == "Cafe society" and record.authors[0].last_name == "Muller"


def test_very_long_field_is_read_whole():
    text = "@article{k, title = {T}, abstract = {" + "word " * 20000 + "}}"
    assert len(read_bibtex(text).records[0].abstract) == len("word " * 20000) - 1
