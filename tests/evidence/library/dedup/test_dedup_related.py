"""Related reports in the record library (issue 11): a meeting abstract and its full article
are linked as ``related`` in ``matches`` -- never merged -- shown by ``explain``, and PRISMA
counts them as two reports of one study.

Oracle: the PRISMA 2020 flow diagram's "studies included" / "reports of included studies"
boxes (Page et al. BMJ 2021;372:n71, Figure 1) and the issue's rule for the class.
"""

import pytest

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.library.dedup.library import cluster_map, dedup_library, explain, related_map
from hairmeta.evidence.library.prisma import prisma_flow
from hairmeta.evidence.library.records import Author, Record
from hairmeta.evidence.library.screening import record_decision
from hairmeta.evidence.library.store import Store

TITLE = "Autologous fat-derived exosomes for cicatricial alopecia: a pilot trial"
AUTHORS = (Author(last_name="Varga", initials="IK"), Author(last_name="Nakamura", initials="S"))


@pytest.fixture
def library(tmp_path):
    records = [
        Record(
            title=TITLE,
            year=2022,
            journal="Journal of Investigative Dermatology. Conference: 80th Annual Meeting",
            volume="142",
            issue="8 Suppl",
            pages="S120",
            authors=AUTHORS,
        ),
        Record(
            title=TITLE,
            year=2023,
            journal="Dermatologic Surgery",
            volume="49",
            issue="2",
            pages="144-151",
            authors=AUTHORS,
            doi="10.5555/ds.2023.144",
        ),
        Record(
            title="Minoxidil foam in frontal fibrosing alopecia",
            year=2023,
            journal="Dermatologic Surgery",
            volume="49",
            issue="3",
            pages="301-305",
            authors=(Author(last_name="Okafor", initials="N"),),
        ),
    ]
    with Store(tmp_path / "lib.sqlite") as store:
        store.upsert_records(records, source="embase")
        yield store


def _ids(store):
    """Record ids by role: 2022 (the abstract), 2023 (the article), "other" (another study)."""
    out = {}
    for rid, title, year in store.conn.execute("SELECT id, title, year FROM records"):
        out[year if title == TITLE else "other"] = rid
    return out


def test_meeting_abstract_and_article_are_related_not_merged(library):
    report = dedup_library(library)
    assert report.related == 1 and report.merged == 0 and report.duplicates_removed == 0
    rows = library.conn.execute("SELECT decision, status, reason FROM matches").fetchall()
    assert [(d, s) for d, s, _ in rows] == [("related", "active")]
    assert "meeting abstract" in rows[0][2] and "agree:" in rows[0][2]
    ids = _ids(library)
    clusters, studies = cluster_map(library), related_map(library)
    assert clusters[ids[2022]] != clusters[ids[2023]]
    assert studies[ids[2022]] == studies[ids[2023]]
    assert studies[ids["other"]] != studies[ids[2023]]


def test_explain_shows_the_rule_and_fields(library):
    dedup_library(library)
    ids = _ids(library)
    why = explain(library, ids[2023])
    assert why["related_reports"] == [ids[2022]] and why["cluster_members"] == [ids[2023]]
    (decision,) = why["decisions"]
    assert decision["decision"] == "related" and decision["other"] == ids[2022]
    assert "title 100%" in decision["reason"]
    with pytest.raises(DataError):
        explain(library, 99999)


def test_prisma_counts_related_reports_as_one_study(library):
    dedup_library(library)
    for rid, *_ in library.conn.execute("SELECT id FROM records").fetchall():
        record_decision(library, rid, "include", stage="title_abstract")
        record_decision(library, rid, "include", stage="full_text")
    flow = prisma_flow(library)
    assert flow.screened == 3 and flow.duplicates_removed == 0
    assert flow.included == 2 and flow.included_reports == 3
    boxes = {row["box"]: row["count"] for row in flow.rows()}
    assert boxes["studies included"] == 2 and boxes["reports of included studies"] == 3
