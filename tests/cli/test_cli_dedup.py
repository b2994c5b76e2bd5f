"""``hairmeta dedup``: file mode (ID,cluster_id), library mode, review, decide and undo."""

import csv
import json

from testpaths import TEST_DATA

from hairmeta.cli import app

DATA = TEST_DATA / "files"


def test_file_mode_writes_one_row_per_input_record(runner, tmp_path):
    output = tmp_path / "clusters.csv"
    result = runner.invoke(
        app, ["dedup", "--input", str(DATA / "sample.csv"), "--output", str(output), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(output.open()))
    assert [r["ID"] for r in rows] == ["c1", "c2", "c3", "c4", "c5"]
    clusters = {r["ID"]: r["cluster_id"] for r in rows}
    assert clusters["c1"] == clusters["c2"] != clusters["c3"]  # erratum kept apart
    assert clusters["c4"] == clusters["c5"]  # [Chinese] / brackets
    assert json.loads(result.stdout)["duplicates_removed"] == 2


def test_file_mode_needs_both_paths(runner):
    result = runner.invoke(app, ["dedup", "--input", str(DATA / "sample.csv")])
    assert result.exit_code == 1 and "--input and --output" in result.stderr


def _library(runner):
    for name in ("sample.ris", "sample.bib"):
        assert runner.invoke(app, ["import", str(DATA / name)]).exit_code == 0
    runner.invoke(
        app,
        [
            "records",
            "add",
            "--title",
            "Exosomes from adipose stem cells for alopecia: a synthetic test record",
            "--year",
            "2023",
            "--journal",
            "medRxiv",
            "--doi",
            "10.1101/2023.01.01.1",
            "--author",
            "Kim, Soo-Jin",
        ],
    )


def test_library_mode_review_decide_and_undo(runner, db_file):
    _library(runner)
    result = runner.invoke(app, ["dedup", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["queued"] == 1 and report["records"] == 5

    table = runner.invoke(app, ["dedup", "--review"])
    assert table.exit_code == 0 and "preprint" in table.stdout and "medRxiv" in table.stdout
    queue = json.loads(runner.invoke(app, ["dedup", "--review", "--format", "json"]).stdout)
    match_id = queue[0]["match_id"]

    bad = runner.invoke(app, ["dedup", "--decide", str(match_id), "--as", "maybe", "--by", "A"])
    assert bad.exit_code == 1 and "valid: merge, distinct" in bad.stderr
    ok = runner.invoke(app, ["dedup", "--decide", str(match_id), "--as", "merge", "--by", "A"])
    assert ok.exit_code == 0, ok.output
    after = json.loads(runner.invoke(app, ["dedup", "--format", "json"]).stdout)
    assert after["duplicates_removed"] == report["duplicates_removed"] + 1

    undo = runner.invoke(app, ["dedup", "--undo", str(match_id)])
    assert undo.exit_code == 0 and "1 merge(s) undone" in undo.stderr
    again = runner.invoke(app, ["dedup", "--undo", str(match_id)])
    assert again.exit_code == 1 and "no active merge" in again.stderr


def test_explain_shows_each_decision_with_its_rule_and_fields(runner, db_file):
    _library(runner)
    assert runner.invoke(app, ["dedup"]).exit_code == 0
    queue = json.loads(runner.invoke(app, ["dedup", "--review", "--format", "json"]).stdout)
    record = queue[0]["record_a"]
    why = json.loads(runner.invoke(app, ["dedup", "--explain", str(record), "--format", "json"]).stdout)
    assert why["record"] == record and why["decisions"]
    assert any("agree:" in d["reason"] for d in why["decisions"])
    table = runner.invoke(app, ["dedup", "--explain", str(record)])
    assert table.exit_code == 0 and "preprint" in table.stdout
    missing = runner.invoke(app, ["dedup", "--explain", "99999"])
    assert missing.exit_code == 1 and "no record with id 99999" in missing.stderr
