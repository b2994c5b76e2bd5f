"""Normalisation of bibliographic fields (hairmeta.evidence.library.normalize); oracle: the stated rule, by hand."""

import pytest

from hairmeta.evidence.library import normalize as nz


def test_fix_text_repairs_mojibake_latin1_read_utf8():
    # "König" encoded as UTF-8 and decoded as latin-1 gives "KÃ¶nig" (as in the depression set)
    broken = "König".encode().decode("latin-1")
    assert broken == "KÃ¶nig"
    assert nz.fix_text(broken) == "König"


def test_fix_text_unescapes_html_entities_and_drops_tags():
    assert nz.fix_text("5-HT<inf>2A</inf> &amp; D<sub>2</sub> &lt;receptors&gt;") == "5-HT2A & D2 <receptors>"


def test_fix_text_non_string_is_empty():
    assert nz.fix_text(None) == "" and nz.fix_text(float("nan")) == ""


@pytest.mark.parametrize(
    "raw",
    [
        "[Platelet-rich plasma for alopecia].",
        "Platelet-rich plasma for alopecia [Chinese]",
        "Platelet-rich plasma for alopecia. [Article in German]",
        "[Platelet-rich plasma for alopecia]. [Japanese, English abstract]",
        "Platelet-rich plasma for alopecia (Spanish)",
    ],
)
def test_translated_title_brackets_and_language_suffixes_are_removed(raw):
    assert nz.normalize_title(raw) == "platelet rich plasma for alopecia"


def test_bracket_inside_title_is_kept():
    assert nz.normalize_title("Role of [18F]FDG PET") == "role of 18f fdg pet"


def test_database_notes_are_not_part_of_the_title():
    ovid = "Eculizumab for aHUS.[Erratum appears in N Engl J Med. 2009;360(23):2487 Note: X [added]]"
    assert nz.normalize_title(ovid) == "eculizumab for ahus"
    assert (
        nz.normalize_title("Effect of simvastatin [correction of simvastain] in mice")
        == "effect of simvastatin in mice"
    )


def test_web_of_science_correction_notice_is_recognised():
    title = "Eculizumab for Atypical Hemolytic-Uremic Syndrome (vol 360, pg 542, 2009)"
    assert nz.is_correction_notice(title)
    assert nz.normalize_title(title) == "eculizumab for atypical hemolytic uremic syndrome"
    assert not nz.is_correction_notice("Eculizumab for atypical HUS")


@pytest.mark.parametrize(
    "cited",
    [
        " (Journal of Hair Research (2019) 12 (101-109))",
        " (Journal of Hair Research (2019) 12 3 (101-109))",
        " (Hair Research Letters (2021) (e1234))",
        " (Open Hair Journal (2020) 5 2 (e0001) DOI: 10.5555/ohj. 0001).",
    ],
)
def test_embase_correction_notice_is_recognised(cited):
    """Embase cites the corrected article, journal (year) volume issue (pages), after the title."""
    title = "Platelet-rich plasma for patterned hair loss: a randomised trial" + cited
    assert nz.is_correction_notice(title)
    assert nz.normalize_title(title) == "platelet rich plasma for patterned hair loss a randomised trial"


@pytest.mark.parametrize(
    "title",
    [
        "Platelet-rich plasma (PRP) for alopecia (a pilot study)",
        "Hair counts at 24 weeks (primary outcome) in the ALOPRP (2019) trial",
        "Exosomes in alopecia (2015-2020): a review (part 2)",
        "Minoxidil (5%) versus PRP (3 sessions)",
    ],
)
def test_titles_with_parentheses_are_not_correction_notices(title):
    assert not nz.is_correction_notice(title)
    assert nz.normalize_title(title) == nz.normalize_title(title.replace("(", " ").replace(")", " "))


def test_spreadsheet_error_title_counts_as_missing():
    assert nz.normalize_title("#NAME?") == ""


def test_case_accents_and_punctuation_fold():
    assert nz.normalize_title("Ménière’s  DISEASE: a Review!") == "meniere s disease a review"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1297-306", "1297-1306"),
        ("1297-1306", "1297-1306"),
        ("250-5", "250-255"),
        ("250-255.e3", "250-255"),
        ("e123", "e123"),
        ("S35-S36", "s35-s36"),
        ("JC6-9", "jc6-jc9"),
        ("06-Oct", "6-10"),  # a spreadsheet turned 6-10 into a date
        ("Oct-13", "10-13"),
        ("", ""),
    ],
)
def test_page_ranges_are_written_out(raw, expected):
    assert nz.expand_pages(raw) == expected


def test_first_page():
    assert nz.first_page("1297-306") == "1297" and nz.first_page(None) == ""


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("10.1016/J.JTCVS.2011.10.095", "10.1016/j.jtcvs.2011.10.095"),
        ("http://dx.doi.org/10.1016/0167-5273%2890%2990084-I", "10.1016/0167-5273(90)90084-i"),
        ("https://doi.org/10.1007/s00595-004-2918-y.", "10.1007/s00595-004-2918-y"),
        ("S0014-2999(09)00198-8 [pii];10.1016/j.ejphar.2009.02.041 [doi]", "10.1016/j.ejphar.2009.02.041"),
        ("S0016508594002283 [pii]", ""),
        ("", ""),
    ],
)
def test_doi_is_found_and_normalised(raw, expected):
    assert nz.normalize_doi(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Zuna, R E and Wang, S S", [("zuna", "re"), ("wang", "ss")]),  # BibTeX
        ("Stahl, Bernd Carsten", [("stahl", "bc")]),  # one full name
        ("Smith JA, Doe B", [("smith", "ja"), ("doe", "b")]),  # MEDLINE AU
        ("Alvarez, M. J.; Chen, L.", [("alvarez", "mj"), ("chen", "l")]),  # RIS joined
        ("FeldmanG.M.ButlerD.E.", [("feldman", "gm"), ("butler", "de")]),  # ASySD run-on
        ("Przyklenk K.Kloner R. A.", [("przyklenk", "k"), ("kloner", "ra")]),  # ASySD spaced
        ("ChenJ.-L.ShiB.-Y.", [("chen", "jl"), ("shi", "by")]),
        ("KÃ¶nig R.", [("konig", "r")]),  # mojibake
    ],
)
def test_author_formats_reduce_to_surname_and_initials(raw, expected):
    assert nz.split_authors(raw) == expected


def test_author_key_is_format_independent():
    keys = {
        nz.author_key(raw)
        for raw in ("Zuna, R. E. and Wang, S. S.", "Zuna RE, Wang SS", "ZunaR.E.WangS.S.", "Zuna R. E.Wang S. S.")
    }
    assert keys == {("zuna", "zunarwangs")}


def test_journal_tail_is_cut_and_abbreviations_are_compatible():
    full = nz.normalize_journal("European Journal of Pharmacology.608 (1-3) ()(pp 32-41) 2009.")
    assert full == "european journal pharmacology"
    assert nz.journals_compatible(full, nz.normalize_journal("Eur.J.Pharmacol."))
    assert nz.journals_compatible(
        nz.normalize_journal("J Thorac Cardiovasc Surg"),
        nz.normalize_journal("Journal of Thoracic and Cardiovascular Surgery"),
    )
    assert not nz.journals_compatible(
        nz.normalize_journal("Transplantation"), nz.normalize_journal("Journal of Heart and Lung Transplantation")
    )
    assert not nz.journals_compatible("plos one", "eur heart j")
    assert nz.journals_compatible(
        nz.normalize_journal("Prog.Neuropsychopharmacol.Biol.Psychiatry"),
        nz.normalize_journal("Progress in neuro-psychopharmacology & biological psychiatry"),
    )
    assert not nz.journals_compatible("j clin oncol", "j clin endocrinol metab")
    assert nz.journals_compatible(
        nz.normalize_journal("Schweiz.Arch.Tierheilkd."), nz.normalize_journal("Schweizer Archiv fur Tierheilkunde")
    )


def test_title_numbers_tell_parts_apart_but_not_markup():
    part_one = nz.title_numbers(nz.normalize_title("Ischaemic preconditioning - Part I"))
    part_two = nz.title_numbers(nz.normalize_title("Ischaemic preconditioning - Part II"))
    assert part_one != part_two
    assert nz.title_numbers(nz.normalize_title("the CRF(1) receptor")) == nz.title_numbers(
        nz.normalize_title("the CRF<inf>1</inf> receptor")
    )
    assert nz.title_numbers(nz.normalize_title("Reagents. 1. Synthesis")) == nz.title_numbers(
        nz.normalize_title("Reagents. I. Synthesis")
    )


@pytest.mark.parametrize(
    "raw, expected", [("2019", 2019), ("2019 Mar", 2019), ("", None), ("n.d.", None), (2020, 2020)]
)
def test_year(raw, expected):
    assert nz.normalize_year(raw) == expected


def test_volume_keeps_the_leading_number():
    assert nz.normalize_volume("88 Suppl 1") == "88" and nz.normalize_volume("1)") == "1"


def test_letter_and_review_annotations_are_not_part_of_the_title():
    assert nz.normalize_title("HUS with streptococcus (multiple letters) [1]") == "hus with streptococcus"
    assert nz.normalize_title("HPV testing: a summary. [Review] [31 refs]") == "hpv testing a summary"
    assert nz.normalize_title("More on eculizumab... N Engl J Med. 2009 Jan 29;360(5):544-6") == "more on eculizumab"


def test_vernacular_title_line_and_trailing_language_are_dropped():
    assert (
        nz.normalize_title("Protein kinases in mitochondria. Polish\nKinazy bialkowe")
        == "protein kinases in mitochondria"
    )
    assert nz.normalize_title("Donor heart preservation. Japanese") == "donor heart preservation"
    assert nz.normalize_title("Written in Spanish") == "written in spanish"
    assert nz.normalize_title("Antibiotic prophylaxis. <ORIGINAL> PROPHYLAXIE ANTIBIOTIQUE") == "antibiotic prophylaxis"
    assert nz.normalize_title("[Incentive spirometry] TO: Espirometria incentivada") == "incentive spirometry"


def test_embase_journal_field_carries_volume_and_pages():
    assert nz.journal_citation("European Journal of Pharmacology.608 (1-3) ()(pp 32-41) 2009.") == ("608", "32-41")
    assert nz.journal_citation("Soins.Psychiatrie.(88) ()(pp 10-13) 1988.") == ("", "10-13")
    assert nz.journal_citation("Eur J Pharmacol") == ("", "")
