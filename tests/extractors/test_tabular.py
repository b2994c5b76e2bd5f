"""CSV and tab-delimited exports (extractors.tabular).

Oracle: each expected value is read off the hand-made snippet, laid out as the named
exporter writes it.
"""

from hairmeta.extractors.tabular import read_table


def test_embase_preamble_and_source_citation():
    text = (
        '"SEARCH QUERY","dinosaur:ti"\n-------------------------------------\n\n'
        '"Title","Author Names","Source","Medline PMID","DOI"\n'
        '"Duplication cysts","Liu R., Adler D.G.","Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014","123","10.4103/x"\n'
    )
    parsed = read_table(text, "e.csv")
    (record,) = parsed.records
    assert (record.journal, record.year, record.volume, record.issue, record.pages) == (
        "Endoscopic Ultrasound",
        2014,
        "3",
        "3",
        "152-160",
    )
    assert [a.display() for a in record.authors] == ["Liu R", "Adler DG"] and record.pmid == "123"
    assert parsed.warnings == ()


def test_scopus_ragged_row_and_embedded_newline():
    text = (
        '"Authors","Title","Year","Source title","Art. No.","Page start","Page end","PubMed ID","Link"\n'
        '"Wilson L.N.; Gardner J.D.","A title\nover two lines","2024","Nat Commun","2864","","","38580657","https://x",""\n'
        '"Uno Y.","Second","2019","Med Hypotheses","","10","20","","",""\n'
    )
    parsed = read_table(text, "s.csv")
    first, second = parsed.records
    assert first.title == "A title over two lines" and first.pages == "2864" and first.pmid == "38580657"
    assert [a.display() for a in first.authors] == ["Wilson LN", "Gardner JD"]
    assert second.pages == "10-20" and parsed.warnings == ()


def test_wos_tab_delimited_with_trailing_tabs_and_quotes():
    text = (
        "PT\tAU\tTI\tSO\tPY\tVL\tIS\tBP\tEP\tDI\tPM\tUT\tAB\tID\t\n"
        'J\tSmith, J; Doe, AB\tA "quoted" title\tJ X\t2020\t1\t2\t3\t9\t10.1/x\t999\tWOS:1\tAbs\tKW PLUS\t\n'
    )
    (record,) = read_table(text, "w.txt", delimiter="\t").records
    assert record.title == 'A "quoted" title' and record.pages == "3-9" and record.pmid == "999"
    assert [a.display() for a in record.authors] == ["Smith J", "Doe AB"]


def test_a_row_without_any_usable_field_is_skipped_with_its_line():
    parsed = read_table('Title,Authors,Year,Notes\nFine,"Smith, J",2020,\n,,,just a note\n', "n.csv")
    assert len(parsed.records) == 1 and parsed.skipped == 1
    assert parsed.warnings == ("n.csv:3: record skipped: no field could be read",)


def test_springer_link_csv_columns():
    # Springer Link's "Download search results (CSV)" layout
    text = (
        "Item Title,Publication Title,Book Series Title,Journal Volume,Journal Issue,Item DOI,Authors,"
        "Publication Year,URL,Content Type\n"
        '"Platelet-rich plasma in alopecia","Dermatology and Therapy","","12","4","10.1007/s13555-022-00001-1",'
        '"Ann Lee","2022","http://link.springer.com/article/10.1007/s13555-022-00001-1","Article"\n'
    )
    (record,) = read_table(text, "springer.csv").records
    assert (record.title, record.journal, record.volume, record.issue, record.doi, record.year) == (
        "Platelet-rich plasma in alopecia",
        "Dermatology and Therapy",
        "12",
        "4",
        "10.1007/s13555-022-00001-1",
        2022,
    )
    assert record.publication_types == ("Article",)


def test_ieee_xplore_csv_columns():
    text = (
        '"Document Title","Authors","Publication Title","Publication Year","Volume","Issue","Start Page",'
        '"End Page","DOI"\n'
        '"Scalp image analysis","A. Author; B. Writer","IEEE Access","2021","9","","1200","1209",'
        '"10.1109/ACCESS.2021.1"\n'
    )
    (record,) = read_table(text, "ieee.csv").records
    assert (record.title, record.journal, record.year, record.volume, record.pages, record.doi) == (
        "Scalp image analysis",
        "IEEE Access",
        2021,
        "9",
        "1200-1209",
        "10.1109/access.2021.1",
    )
