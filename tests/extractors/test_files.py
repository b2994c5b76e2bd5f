"""File readers (extractors.files) on hand-written samples in tests/data/files.

Oracle: the sample files themselves (each expected value can be read off the file).
"""

import pytest
from testpaths import TEST_DATA

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.library.store import Store
from hairmeta.extractors import files

DATA = TEST_DATA / "files"
TITLE = "Platelet-rich plasma injections for androgenetic alopecia: a synthetic test record"


def test_ris_records_fields_and_ids():
    parsed = files.read_file(DATA / "sample.ris")
    assert parsed.format == "ris" and parsed.source_ids == ("ris-1", "ris-2", "ris-3")
    first = parsed.records[0]
    assert first.title == TITLE and first.year == 2021 and first.volume == "12"
    assert first.pages == "1297-306" and first.doi == "10.5555/example.2021.001"
    assert [a.display() for a in first.authors] == ["Alvarez MJ", "Chen L"]
    assert first.authors[0].fore_name == "Maria J."


def test_ris_translated_title_and_continuation_lines():
    parsed = files.read_file(DATA / "sample.ris")
    translated = parsed.records[1]
    assert translated.title == "Exosome therapy for hair loss: a synthetic test record"
    assert translated.title_translated
    assert parsed.records[2].title == "Erratum: " + TITLE  # TI continued on the next line


def test_nbib_via_biopython():
    parsed = files.read_file(DATA / "sample.nbib")
    article, erratum = parsed.records
    assert parsed.source_ids == ("99000001", "99000002")
    assert article.pmid == "99000001" and article.doi == "10.5555/example.2021.001"
    assert article.title == TITLE + "." and article.pages == "1297-306"
    assert article.iso_abbreviation == "J Ex Dermatol" and article.languages == ("eng",)
    assert [a.display() for a in article.authors] == ["Alvarez MJ", "Chen L"]
    assert erratum.publication_types == ("Published Erratum",)


def test_bibtex_entries_keys_and_group_author():
    parsed = files.read_file(DATA / "sample.bib")
    assert parsed.source_ids == ("alvarez2021", "kim2023")
    first, second = parsed.records
    assert first.pages == "1297-1306" and first.title == TITLE
    assert second.authors[1].collective_name == "PRP Hair Study Group"
    assert second.authors[0].initials == "SJ"


def test_csv_bibtex_style_columns():
    parsed = files.read_file(DATA / "sample.csv")
    assert parsed.source_ids == ("c1", "c2", "c3", "c4", "c5")
    assert parsed.records[0].authors[0].last_name == "Alvarez"
    assert parsed.records[4].title_translated


def test_bad_year_keeps_the_record_with_a_located_warning():
    parsed = files.read_file(DATA / "bad_year.csv")
    assert len(parsed.records) == 2 and parsed.records[1].year is None
    assert any("bad_year.csv:3:year: no four-digit year in 'twenty'" in w for w in parsed.warnings)


def test_unclosed_ris_record_is_kept_with_a_warning():
    parsed = files.read_file(DATA / "unclosed.ris")
    assert len(parsed.records) == 1
    assert parsed.warnings == (f"{DATA / 'unclosed.ris'}:1: last record not closed with ER; kept",)


def test_broken_bibtex_entry_is_skipped_and_the_rest_read():
    parsed = files.read_file(DATA / "broken.bib")
    assert parsed.source_ids == ("ok1",) and parsed.skipped == 1
    assert parsed.warnings[0].startswith(f"{DATA / 'broken.bib'}:6: record skipped: cannot read BibTeX entry")


def test_orphan_ris_line_without_any_record_is_refused(tmp_path):
    path = tmp_path / "x.ris"
    path.write_text("TI  - orphan\nAU  - Smith, J\nPY  - 2020\n")
    with pytest.raises(DataError, match=r"x.ris:1: no records found \(RIS\)"):
        files.read_file(path, fmt="ris")


def test_nbib_garbage_line_is_located_and_the_record_kept(tmp_path):
    path = tmp_path / "x.nbib"
    path.write_text("PMID- 1\nTI  - A title\nthis is not medline\n")
    parsed = files.read_file(path)
    assert parsed.records[0].title == "A title"
    assert parsed.warnings == (f"{path}:3: not a MEDLINE line, ignored: 'this is not medline'",)


def test_csv_without_title_column_is_refused_in_one_line(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,when\na,2020\nb,2021\n")
    with pytest.raises(DataError, match=r"x.csv"):
        files.read_file(path)


def test_unknown_type_lists_the_valid_ones():
    with pytest.raises(UnknownNameError, match="ris, nbib, bibtex, csv, tsv, wos, endnote_xml"):
        files.read_file(DATA / "sample.csv", fmt="marc")


def test_format_is_sniffed_without_an_extension(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text((DATA / "sample.nbib").read_text())
    assert files.read_file(path).format == "nbib"


def test_import_reports_counts_format_and_encoding(tmp_path):
    with Store(tmp_path / "lib.sqlite") as store:
        report = files.import_file(store, DATA / "sample.bib", source="scopus")
        assert (report.records, report.new, report.source, report.skipped) == (2, 2, "scopus", 0)
        assert store.count_by_source() == {"scopus": 2}
        assert store.sources_of(1)[0]["source_id"] == "alvarez2021"
        broken = files.import_file(store, DATA / "broken.bib", source="other")
    assert (broken.records, broken.skipped, broken.new) == (1, 1, 1)
    assert broken.summary().endswith(
        "1 records read, 1 skipped; format BibTeX, encoding utf-8; 1 new, 0 updated, 0 already known"
    )


def test_reimport_is_idempotent(tmp_path):
    with Store(tmp_path / "lib.sqlite") as store:
        files.import_file(store, DATA / "sample.ris")
        again = files.import_file(store, DATA / "sample.ris")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)


def test_records_frame_keeps_csv_ids_and_text():
    frame = files.records_frame(DATA / "sample.csv")
    assert list(frame["ID"]) == ["c1", "c2", "c3", "c4", "c5"]
    assert frame.loc[0, "pages"] == "1297-306"


def test_records_frame_reads_a_ragged_csv_as_import_does(tmp_path):
    # a Scopus-style row with one cell more than the header, and a short row
    path = tmp_path / "ragged.csv"
    path.write_text("Title,Authors,Year\nFirst trial,Smith J.,2020\nSecond trial,Doe A.,2021,extra\nThird\n")
    frame = files.records_frame(path)
    imported = files.read_file(path)
    assert list(frame["title"]) == [r.title for r in imported.records] == ["First trial", "Second trial", "Third"]


def test_records_frame_reads_vendor_column_names_as_import_does(tmp_path):
    path = tmp_path / "citavi.tsv"
    path.write_text(
        "Reference Type\tTitle Primary\tAuthors, Primary\tPub Year\nJournal Article\tA trial\tSmith, J.\t2020\n"
    )
    frame = files.records_frame(path)
    assert list(frame["title"]) == [r.title for r in files.read_file(path).records] == ["A trial"]


def test_gzipped_export_is_read(tmp_path):
    import gzip

    path = tmp_path / "sample.ris.gz"
    path.write_bytes(gzip.compress((DATA / "sample.ris").read_bytes()))
    assert files.read_file(path).source_ids == ("ris-1", "ris-2", "ris-3")


def test_labelled_benchmark_file_imports_whole():
    from conftest import shared_path

    parsed = files.read_file(shared_path("dedup", "special_cases", "records.csv.gz"))
    assert len(parsed.records) == 12 and parsed.source_ids[0] == "id_0000001"
