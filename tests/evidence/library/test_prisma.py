"""PRISMA 2020 counts from a real library, checked against counts made by hand."""

import xml.etree.ElementTree as ET

import pytest

from hairmeta.evidence.library.prisma import prisma_flow
from hairmeta.evidence.library.records import Record
from hairmeta.evidence.library.screening import record_decision
from hairmeta.evidence.library.store import Store
from hairmeta.evidence.present.prisma import flow_svg


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "lib.sqlite") as s:
        # PubMed finds 1-4, Europe PMC finds 3-5: records 3 and 4 are duplicates by PMID
        s.upsert_records([Record(pmid=str(i), title=f"T{i}") for i in (1, 2, 3, 4)], source="pubmed")
        s.upsert_records([Record(pmid=str(i), title=f"T{i}") for i in (3, 4, 5)], source="europepmc")
        yield s


def test_counts_by_hand(store):
    r = {rec.pmid: rid for rid, rec in store.iter_records()}
    record_decision(store, r["1"], "include")
    record_decision(store, r["2"], "include")
    record_decision(store, r["3"], "exclude", "animal study")
    record_decision(store, r["4"], "maybe")
    record_decision(store, r["1"], "include", stage="full_text")
    record_decision(store, r["2"], "exclude", "no outcome data", stage="full_text")
    flow = prisma_flow(store)
    assert flow.identified == {"europepmc": 3, "pubmed": 4}
    assert flow.identified_total == 7
    # 7 identified - 5 stored = 2 PMID duplicates (no fuzzy merges in this library)
    assert flow.duplicates_removed == 2
    assert flow.screened == 5
    assert flow.awaiting_screening == 1  # record 5
    assert flow.excluded_screening == 1
    assert flow.excluded_screening_reasons == {"animal study": 1}
    assert flow.reports_sought == 3  # 1, 2 include + 4 maybe
    assert flow.assessed == 2 and flow.awaiting_full_text == 1
    assert flow.excluded_full_text_reasons == {"no outcome data": 1}
    assert flow.included == 1


def test_empty_library_is_all_zero(tmp_path):
    with Store(tmp_path / "empty.sqlite") as s:
        flow = prisma_flow(s)
    assert flow.identified_total == 0 and flow.included == 0 and flow.screened == 0


def test_svg_is_well_formed_and_shows_each_box(store):
    svg = flow_svg(prisma_flow(store))
    root = ET.fromstring(svg)
    text = "".join(root.itertext())
    for phrase in (
        "Records identified",
        "pubmed: n = 4",
        "Duplicates removed: n = 2",
        "Records screened: n = 5",
        "Studies included in review: n = 0",
    ):
        assert phrase in text
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) >= 7


def test_fuzzy_duplicate_counts_once_and_its_decision_counts_for_the_cluster(store):
    r = {rec.pmid: rid for rid, rec in store.iter_records()}
    # de-duplication judged 5 a duplicate of 1 (as hairmeta.evidence.library.dedup records a merge)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO matches (record_a, record_b, score, decision, status) VALUES (?, ?, 0.97, 'merge', 'active')",
            (r["1"], r["5"]),
        )
    record_decision(store, r["1"], "include")
    record_decision(store, r["5"], "exclude", "duplicate report")  # later, on the other member
    flow = prisma_flow(store)
    assert flow.duplicates_removed == 3  # 2 by PMID on import + 1 fuzzy
    assert flow.screened == 4
    assert flow.excluded_screening == 1 and flow.reports_sought == 0  # the cluster's latest
    assert flow.awaiting_screening == 3
