"""``hairmeta import``: stores every readable record, warns file:line:field for the rest, and
refuses a file of no known format in one line."""

import json

from testpaths import TEST_DATA

from hairmeta.cli import app
from hairmeta.evidence.library.store import Store

DATA = TEST_DATA / "files"


def test_import_csv_then_json_report(runner, db_file):
    result = runner.invoke(app, ["import", str(DATA / "sample.csv"), "--source", "embase", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["records"], report["source"], report["format"]) == (5, "embase", "csv")
    assert "5 records read" in result.stderr
    with Store(db_file) as store:
        assert store.count_by_source() == {"embase": store.count_records()}


def test_import_each_format(runner, db_file):
    for name in ("sample.ris", "sample.nbib", "sample.bib"):
        result = runner.invoke(app, ["import", str(DATA / name), "--format", "csv"])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("file,format,source,records,new,updated,unchanged")


def test_bad_value_is_a_located_warning_and_the_rest_is_stored(runner, db_file):
    runner.invoke(app, ["import", str(DATA / "sample.bib")])
    result = runner.invoke(app, ["import", str(DATA / "bad_year.csv")])
    assert result.exit_code == 0, result.output
    assert "bad_year.csv:3:year: no four-digit year in 'twenty'; kept without a year" in result.stderr
    assert "2 records read, 0 skipped; format CSV, encoding utf-8; 2 new" in result.stderr
    with Store(db_file) as store:
        assert store.count_records() == 4


def test_file_of_no_known_format_is_one_line_error(runner, db_file, tmp_path):
    prose = tmp_path / "notes.txt"
    prose.write_text("Dear reviewer,\nplease find attached\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(prose)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().endswith(
        "notes.txt:1: not a known export format (RIS, MEDLINE/nbib, BibTeX, CSV, "
        "tab-delimited, Web of Science plain text, EndNote XML)"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_file_and_unknown_type(runner, db_file):
    missing = runner.invoke(app, ["import", str(DATA / "nope.ris")])
    assert missing.exit_code == 1 and "nope.ris" in missing.stderr
    unknown = runner.invoke(app, ["import", str(DATA / "sample.csv"), "--type", "marc"])
    assert unknown.exit_code == 1 and "valid: ris, nbib, bibtex, csv, tsv, wos, endnote_xml" in unknown.stderr


def test_malformed_doi_keeps_the_record_and_warns(runner, db_file, tmp_path):
    # as in shared/dedup/diabetes line 193: 'http://dx.doi.org/10.231/JIM…' (prefix too short)
    export = tmp_path / "export.csv"
    export.write_text(
        "ID,title,author,year,journal,doi\n"
        'r1,A trial of PRP,"Smith, J.",2020,J Hair,10.1000/ok.1\n'
        'r2,Another trial,"Jones, K.",2021,J Hair,http://dx.doi.org/10.231/JIM.0b01\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", str(export)])
    assert result.exit_code == 0, result.output
    assert "2 records read" in result.stderr
    assert "export.csv:3:doi: not a DOI, record kept without it: 'http://dx.doi.org/10.231/JIM.0b01'" in result.stderr
    with Store(db_file) as store:
        dois = sorted(record.doi for _, record in store.iter_records())
    assert dois == ["", "10.1000/ok.1"]


def test_record_without_title_is_kept_with_a_warning(runner, db_file, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(
        "ID,title,author,year,journal,number\n"
        'r1,A trial of PRP,"Smith, J.",2020,J Hair,\n'
        'r2,,"Jones, K.",2021,J Hair,\n'
        "r3,,,,,20/04/2012\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", str(export)])
    assert result.exit_code == 0, result.output
    assert "export.csv:3:title: no title, PMID or DOI; kept as it is" in result.stderr
    assert "export.csv:4:title: no title, PMID or DOI; kept as it is" in result.stderr
    with Store(db_file) as store:
        assert store.count_records() == 3


def test_utf16_export_imports_with_the_summary_line(runner, db_file, tmp_path):
    export = tmp_path / "savedrecs.txt"
    export.write_bytes((DATA / "sample.ris").read_text(encoding="utf-8").encode("utf-16"))
    result = runner.invoke(app, ["import", str(export)])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().endswith(
        "3 records read, 0 skipped; format RIS, encoding utf-16; 3 new, 0 updated, 0 already known"
    )
