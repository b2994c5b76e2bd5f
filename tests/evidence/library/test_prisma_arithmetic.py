"""PRISMA boxes add up: every record received is identified, every merge (on import or by
de-duplication) is a duplicate removed, and every box's arithmetic holds (issue 12)."""

from __future__ import annotations

import json

import pytest

from hairmeta.evidence.cli import app
from hairmeta.evidence.errors import DataError
from hairmeta.evidence.library.prisma import prisma_flow
from hairmeta.evidence.library.records import Record
from hairmeta.evidence.library.screening import latest_decisions, record_decision
from hairmeta.evidence.library.store import Store


def assert_adds_up(flow) -> None:
    for statement, left, right in flow.arithmetic():
        assert left == right, f"{statement}: {left} != {right}"


def _merge(store, a, b):
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO matches (record_a, record_b, score, decision, status) VALUES (?, ?, 0.97, 'merge', 'active')",
            (a, b),
        )


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "lib.sqlite") as s:
        yield s


def test_records_merged_on_import_are_identified_and_removed_as_duplicates(store):
    # one export with 6 rows: rows a/b and c/d carry the same DOI (merged while importing)
    rows = [
        Record(doi="10.1000/one", title="PRP one", year=2020),
        Record(doi="10.1000/one", title="PRP one", year=2020),
        Record(doi="10.1000/two", title="Exosome two", year=2021),
        Record(doi="10.1000/two", title="Exosome two", year=2021),
        Record(doi="10.1000/three", title="Minoxidil three", year=2022),
        Record(doi="10.1000/four", title="PRP four", year=2023),
    ]
    store.upsert_records(rows, source="file:embase.ris", source_ids=[f"row{i}" for i in range(6)])
    # a second source re-finds two of them; re-importing the same export counts nothing new
    store.upsert_records(rows[:1] + rows[4:5], source="pubmed", source_ids=["11", "15"])
    store.upsert_records(rows, source="file:embase.ris", source_ids=[f"row{i}" for i in range(6)])
    flow = prisma_flow(store)
    assert flow.identified == {"file:embase.ris": 6, "pubmed": 2}
    assert flow.identified_total == 8  # every record received from every source
    assert store.count_records() == 4
    assert flow.duplicates_removed == 4  # 2 merged within the export + 2 found by both sources
    assert flow.screened == 4
    assert_adds_up(flow)


def test_every_box_adds_up_through_a_whole_review(store):
    store.upsert_records([Record(pmid=str(i), title=f"T{i}") for i in range(1, 11)], source="pubmed")
    store.upsert_records([Record(pmid=str(i), title=f"T{i}") for i in range(8, 14)], source="europepmc")
    r = {rec.pmid: rid for rid, rec in store.iter_records()}
    _merge(store, r["1"], r["12"])  # fuzzy de-duplication: two more duplicates removed
    _merge(store, r["2"], r["13"])
    for pmid in ("1", "2", "3", "4", "5"):
        record_decision(store, r[pmid], "include")
    record_decision(store, r["6"], "maybe")
    record_decision(store, r["7"], "exclude", "animal study")
    record_decision(store, r["8"], "exclude", "review article")
    record_decision(store, r["9"], "exclude", "animal study")
    record_decision(store, r["1"], "include", stage="full_text")
    record_decision(store, r["12"], "include", stage="full_text")  # the same cluster: counts once
    record_decision(store, r["2"], "include", stage="full_text")
    record_decision(store, r["3"], "exclude", "no outcome data", stage="full_text")
    record_decision(store, r["4"], "maybe", stage="full_text")
    flow = prisma_flow(store)
    assert flow.identified_total == 16
    assert flow.duplicates_removed == 3 + 2  # 3 by PMID on import, 2 fuzzy
    assert flow.screened == 11
    assert (flow.excluded_screening, flow.reports_sought, flow.awaiting_screening) == (3, 6, 2)
    assert flow.excluded_screening_reasons == {"animal study": 2, "review article": 1}
    assert (flow.assessed, flow.awaiting_full_text) == (3, 3)
    assert (flow.excluded_full_text, flow.included) == (1, 2)
    assert_adds_up(flow)
    # a reader listing the latest decisions per record finds the same full-text counts
    listed = latest_decisions(store, "full_text")
    assert set(listed["decision"]) == {"include", "exclude", "maybe"}


def test_a_full_text_decision_needs_the_record_screened_in(store):
    store.upsert_records([Record(pmid=str(i), title=f"T{i}") for i in (1, 2, 3)], source="pubmed")
    r = {rec.pmid: rid for rid, rec in store.iter_records()}
    with pytest.raises(DataError, match="no title/abstract decision"):
        record_decision(store, r["1"], "include", stage="full_text")
    record_decision(store, r["2"], "exclude", "not hair loss")
    with pytest.raises(DataError, match="excluded at title/abstract"):
        record_decision(store, r["2"], "include", stage="full_text")
    record_decision(store, r["3"], "maybe")
    record_decision(store, r["3"], "include", stage="full_text")
    with pytest.raises(DataError, match="already has a full-text decision"):
        record_decision(store, r["3"], "exclude", "changed my mind")
    flow = prisma_flow(store)
    assert flow.included == 1 and flow.excluded_screening == 1 and flow.awaiting_screening == 1
    assert_adds_up(flow)


def test_a_merged_cluster_is_screened_as_one_record(store):
    store.upsert_records([Record(pmid=str(i), title=f"T{i}") for i in (1, 2)], source="pubmed")
    r = {rec.pmid: rid for rid, rec in store.iter_records()}
    _merge(store, r["1"], r["2"])
    record_decision(store, r["1"], "include")
    record_decision(store, r["2"], "include", stage="full_text")  # screened in through its cluster
    flow = prisma_flow(store)
    assert (flow.screened, flow.included, flow.duplicates_removed) == (1, 1, 1)
    assert_adds_up(flow)


def test_an_old_out_of_order_decision_is_named_not_hidden(store):
    store.upsert_records([Record(pmid="1", title="T1")], source="pubmed")
    with store.transaction() as conn:  # stored by an older hairmeta, before the rule
        conn.execute(
            "INSERT INTO screening (record_id, stage, decision, reason, reviewer, decided_at)"
            " VALUES (1, 'full_text', 'include', '', '', '2024-01-01')"
        )
    flow = prisma_flow(store)
    assert flow.included == 0
    assert any("not screened in" in note and "records 1" in note for note in flow.notes)
    assert_adds_up(flow)


def test_cli_import_then_prisma_adds_up(runner, tmp_path):
    export = tmp_path / "dup.csv"
    export.write_text(
        "ID,title,year,doi,journal,author\n"
        'r1,PRP for hair A,2020,10.1000/aaa1,J Hair,"Smith, J"\n'
        'r2,PRP for hair A,2020,10.1000/aaa1,J Hair,"Smith, J"\n'
        'r3,Exosomes for hair,2021,10.1000/bbb2,J Hair,"Lee, K"\n',
        encoding="utf-8",
    )
    db = tmp_path / "lib.db"
    assert runner.invoke(app, ["import", str(export), "--db", str(db)]).exit_code == 0
    result = runner.invoke(app, ["prisma", "--db", str(db), "-f", "json"])
    flow = json.loads(result.stdout)
    assert flow["identified_total"] == 3 and flow["duplicates_removed"] == 1 and flow["screened"] == 2
    refused = runner.invoke(app, ["screen", "--db", str(db), "--record", "1", "--include", "--stage", "full_text"])
    assert refused.exit_code == 1 and "no title/abstract decision" in refused.stderr


def test_a_row_repeated_in_one_export_is_identified_twice_and_reimport_adds_nothing(store):
    row = Record(pmid="7", title="PRP seven")
    store.upsert_records([row, row], source="pubmed-export", source_ids=["7", "7"])
    store.upsert_records([row, row], source="pubmed-export", source_ids=["7", "7"])  # the same file again
    flow = prisma_flow(store)
    assert flow.identified == {"pubmed-export": 2} and flow.duplicates_removed == 1 and flow.screened == 1
    assert_adds_up(flow)
