"""dedup --decide / --undo-cluster answer in JSON with --format json; search refuses an empty
date window before asking any server (issue 12)."""

from __future__ import annotations

import json

from testpaths import TEST_DATA

from hairmeta.cli import app
from hairmeta.evidence.library.dedup.library import cluster_map
from hairmeta.evidence.library.store import Store

DATA = TEST_DATA / "files"


def _pending_match(runner) -> tuple[int, int]:
    for name in ("sample.ris", "sample.bib"):
        assert runner.invoke(app, ["import", str(DATA / name)]).exit_code == 0
    added = runner.invoke(
        app,
        ["records", "add", "--title", "Exosomes from adipose stem cells for alopecia: a synthetic test record",
         "--year", "2023", "--journal", "medRxiv", "--doi", "10.1101/2023.01.01.1", "--author", "Kim, Soo-Jin"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["dedup"]).exit_code == 0
    queue = json.loads(runner.invoke(app, ["dedup", "--review", "--format", "json"]).stdout)
    return queue[0]["match_id"], queue[0]["record_a"]


def test_decide_and_undo_cluster_in_json(runner, db_file):
    match_id, record = _pending_match(runner)
    decided = runner.invoke(app, ["dedup", "--decide", str(match_id), "--as", "merge", "--by", "AB", "-f", "json"])
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.stdout) == {"match_id": match_id, "decision": "merge", "by": "AB"}
    with Store(db_file) as store:
        cluster = cluster_map(store)[record]
    undone = runner.invoke(app, ["dedup", "--undo-cluster", str(cluster), "-f", "json"])
    assert undone.exit_code == 0, undone.output
    assert json.loads(undone.stdout) == {"match_id": None, "cluster": cluster, "undone": 1}


def test_table_format_keeps_stdout_empty(runner, db_file):
    match_id, _ = _pending_match(runner)
    decided = runner.invoke(app, ["dedup", "--decide", str(match_id), "--as", "distinct", "--by", "AB"])
    assert decided.exit_code == 0 and decided.stdout == "" and "distinct (by AB)" in decided.stderr


def test_search_since_after_until_is_refused(runner, db_file, monkeypatch):
    monkeypatch.setenv("HAIRMETA_EUTILS_URL", "http://127.0.0.1:9/never-called")
    result = runner.invoke(app, ["search", "prp", "--since", "2020-01-01", "--until", "2019-12-31"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: --since: 2020-01-01 is after --until 2019-12-31: no record can match"
