"""De-duplication rules and library mode (hairmeta.evidence.library.dedup).

Oracles: the decision rules as stated in the module (hand-made record pairs), the labelled
benchmark sets of ../shared/dedup scored with their own score.py (removal convention), and
the SQLite library itself (no mocks).
"""

import sys

import pandas as pd
import pytest
from conftest import shared_path

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.library.dedup.library import (
    cluster_map,
    decide,
    dedup_library,
    duplicates_removed,
    review_queue,
    undo_merge,
)
from hairmeta.evidence.library.dedup.match import find_duplicates
from hairmeta.evidence.library.records import Author, Record
from hairmeta.evidence.library.store import Store

BASE = {
    "author": "Alvarez, M. J. and Chen, L. and Okafor, N.",
    "year": "2021",
    "title": "Platelet-rich plasma injections for androgenetic alopecia: a randomised trial",
    "journal": "J Ex Dermatol",
    "volume": "12",
    "number": "3",
    "pages": "1297-1306",
    "doi": "",
    "abstract": "",
}


def frame(*changes: dict) -> pd.DataFrame:
    """Records that start from BASE, one per ``changes`` dict (IDs r0, r1, …)."""
    return pd.DataFrame([{**BASE, "ID": f"r{i}", **c} for i, c in enumerate(changes)])


def pair_decision(result) -> str:
    assert len(result.pairs) == 1, result.pairs
    return result.pairs["decision"].iloc[0]


def same_cluster(result, a="r0", b="r1") -> bool:
    labels = dict(zip(result.ids, result.labels))
    return labels[a] == labels[b]


# ----------------------------------------------------------------------------- merges


def test_exact_copy_merges():
    result = find_duplicates(frame({}, {}))
    assert pair_decision(result) == "merge" and same_cluster(result)


def test_abbreviated_page_range_is_the_same_range():
    result = find_duplicates(frame({}, {"pages": "1297-306"}))
    assert same_cluster(result)


def test_first_page_typo_with_the_same_last_page_is_not_a_conflict():
    result = find_duplicates(frame({"pages": "2141-2147"}, {"pages": "2142-2147"}))
    assert same_cluster(result)
    result = find_duplicates(frame({"pages": "2141-2147"}, {"pages": "2151-2157", "volume": "13"}))
    assert not same_cluster(result)


def test_translated_title_with_truncated_author_list_at_the_same_page_merges():
    result = find_duplicates(
        frame(
            {"title": "From the experimental study of a beta stimulant to its antidepressant activity in man"},
            {
                "title": "[Study of a beta-adrenergic stimulant and its antidepressant activity in man]",
                "author": "Alvarez, M. J. and Chen, L. and Okafor, N. and Smith, A. and Jones, B.",
            },
        )
    )
    assert same_cluster(result)
    assert "translated or reworded" in result.pairs["reason"].iloc[0]


def test_bare_page_one_is_a_placeholder_not_a_conflict():
    result = find_duplicates(frame({"doi": "10.5555/x"}, {"doi": "10.5555/x", "pages": "1"}))
    assert same_cluster(result)


def test_chinese_suffix_and_translation_brackets_merge():
    result = find_duplicates(frame({}, {"title": "[" + BASE["title"] + "]. [Chinese]"}))
    assert same_cluster(result)


def test_mojibake_and_html_entities_merge():
    mojibake = BASE["title"].replace("randomised", "randomisèd").encode("utf-8").decode("latin-1")
    result = find_duplicates(
        frame(
            {"title": BASE["title"].replace("randomised", "randomisèd")},
            {"title": mojibake},
            {"title": BASE["title"].replace("-", "&#8208;")},
        )
    )
    assert same_cluster(result, "r0", "r1") and same_cluster(result, "r0", "r2")


def test_author_formats_merge():
    result = find_duplicates(
        frame({}, {"author": "AlvarezM.J.ChenL.OkaforN."}, {"author": "Alvarez MJ, Chen L, Okafor N"})
    )
    assert len(set(result.labels)) == 1


def test_same_doi_merges_despite_small_title_differences():
    doi = "10.5555/example.1"
    result = find_duplicates(
        frame({"doi": doi}, {"doi": "https://doi.org/" + doi.upper(), "title": BASE["title"] + " (RCT)"})
    )
    assert same_cluster(result)


# ----------------------------------------------------------------------------- refusals


def test_erratum_is_not_merged_with_its_article():
    result = find_duplicates(frame({}, {"title": "Erratum: " + BASE["title"]}))
    assert pair_decision(result) == "distinct" and not same_cluster(result)


@pytest.mark.parametrize("prefix", ["Correction to: ", "Corrigendum to ", "Retraction: ", "Reply to: ", "Comment on: "])
def test_notices_are_distinct_from_the_article(prefix):
    result = find_duplicates(frame({}, {"title": prefix + BASE["title"]}))
    assert not same_cluster(result)


def test_publication_type_marks_an_erratum_even_with_the_same_title():
    result = find_duplicates(frame({}, {"publication_types": "Published Erratum"}))
    assert pair_decision(result) == "distinct"


def test_pubmed_comment_type_alone_does_not_split_an_article_from_its_copy():
    result = find_duplicates(frame({"publication_types": "Journal Article; Comment"}, {}))
    assert same_cluster(result)


def test_preprint_is_linked_for_review_not_merged():
    result = find_duplicates(
        frame({}, {"journal": "medRxiv", "doi": "10.1101/2020.01.01.1", "volume": "", "pages": ""})
    )
    assert pair_decision(result) == "review" and not same_cluster(result)
    assert "preprint" in result.pairs["reason"].iloc[0]


def test_conflicting_dois_refuse_a_merge():
    result = find_duplicates(frame({"doi": "10.5555/a"}, {"doi": "10.5555/b", "pages": "1400-10"}))
    assert pair_decision(result) == "distinct" and not same_cluster(result)
    result = find_duplicates(frame({"doi": "10.5555/a"}, {"doi": "10.5555/b", "author": "Okafor, N."}))
    assert pair_decision(result) == "distinct"  # the author list differs too


def test_different_dois_on_an_identical_citation_merge_as_an_alias():
    # e.g. Springer's re-registered 10.1007/bf00796216 vs 10.1007/s003950050052 (cardiac set)
    result = find_duplicates(frame({"doi": "10.5555/bf001"}, {"doi": "10.6666/s0039"}))
    assert pair_decision(result) == "merge" and "alias" in result.pairs["reason"].iloc[0]


def test_conflicting_pmids_refuse_a_merge():
    result = find_duplicates(frame({"pmid": "111"}, {"pmid": "222"}))
    assert pair_decision(result) == "distinct"


def test_part_one_and_part_two_are_different_works():
    result = find_duplicates(
        frame(
            {"title": BASE["title"] + ": part I", "pages": "1-10"},
            {"title": BASE["title"] + ": part II", "pages": "11-20"},
        )
    )
    assert not same_cluster(result)


def test_different_years_and_pages_are_different_works():
    result = find_duplicates(frame({}, {"year": "2015", "pages": "40-49"}))
    assert not same_cluster(result)


def test_transitive_merge_cannot_join_conflicting_identifiers():
    # r1 (no DOI) looks like both r0 and r2, whose DOIs differ: one of the merges is refused.
    result = find_duplicates(
        frame({"doi": "10.5555/a"}, {"pages": "1297"}, {"doi": "10.6666/b", "author": "Alvarez, M. J."})
    )
    labels = dict(zip(result.ids, result.labels))
    assert labels["r0"] != labels["r2"]
    assert result.refused


def test_ids_must_be_unique():
    with pytest.raises(DataError, match="unique"):
        find_duplicates(pd.DataFrame([{**BASE, "ID": "x"}, {**BASE, "ID": "x"}]))


def test_records_and_frames_give_the_same_clusters():
    records = [
        Record(
            title=BASE["title"],
            year=2021,
            journal="J Ex Dermatol",
            volume="12",
            pages=p,
            authors=(Author(last_name="Alvarez", initials="MJ"),),
        )
        for p in ("1297-1306", "1297-306")
    ]
    result = find_duplicates(records, ids=[10, 11])
    assert result.clusters() == [[10, 11]]


def test_empty_input():
    assert find_duplicates([]).ids == []


# ----------------------------------------------------------------------------- labelled sets


def _score_set(name: str, with_clusters: bool = False):
    folder = shared_path("dedup", name)
    sys.path.insert(0, str(folder.parent))
    import score

    records, gold = score.load_dataset(name)
    result = find_duplicates(records)
    predicted = dict(zip(result.ids, result.labels))
    scores = score.score_clusters(gold, predicted)
    if not with_clusters:
        return scores
    members: dict = {}
    for ident, label in predicted.items():
        members.setdefault(label, set()).add(ident)
    impure = [frozenset(m) for m in members.values() if len({gold[i] for i in m}) > 1]
    return scores, impure


def test_special_cases_set_all_found_no_false_merge():
    scores = _score_set("special_cases")
    assert scores["removal"]["FP"] == 0 and scores["impure_pred_clusters"] == 0
    assert scores["removal"]["recall"] == 1.0


# Gold splits that are label errors, each argued: haematology's id_0000002 has no title but the
# same six authors, year, journal, volume 7(1), pages 23-35 and abstract as id_0000001 and
# id_0000003 (bib-dedupe's notes call its one haematology false merge such a label error).
LABEL_ERRORS = {"haematology": {frozenset({"id_0000001", "id_0000002", "id_0000003"})}}


@pytest.mark.slow
# haematology: 0.896, bib-dedupe's figure; the records it leaves are ones the issue-11 vetoes keep
# apart (same title in two issues of one volume at non-overlapping pages; errata with their article;
# trial registrations for adults and for adolescents, or plasma-sensitive and -resistant, whose
# titles swap one word and whose registry numbers differ; a letter and its reply).
@pytest.mark.parametrize("name, recall_floor", [("diabetes", 0.99), ("respiratory", 0.97), ("haematology", 0.896)])
def test_labelled_set_no_false_merge_and_recall_floor(name, recall_floor):
    scores, impure = _score_set(name, with_clusters=True)
    assert set(impure) <= LABEL_ERRORS.get(name, set())
    assert scores["removal"]["recall"] >= recall_floor


# ----------------------------------------------------------------------------- library mode


@pytest.fixture
def library(tmp_path):
    records = [
        Record(
            doi="10.5555/a",
            title=BASE["title"],
            year=2021,
            journal="J Ex Dermatol",
            volume="12",
            pages="1297-1306",
            authors=(Author(last_name="Alvarez", initials="MJ"),),
        ),
        Record(
            title=BASE["title"] + ".",
            year=2021,
            journal="Journal of Ex Dermatology",
            volume="12",
            pages="1297-306",
            authors=(Author(last_name="Alvarez", fore_name="Maria J"),),
        ),
        Record(
            title="Erratum: " + BASE["title"],
            year=2021,
            journal="J Ex Dermatol",
            volume="12",
            pages="1400",
            authors=(Author(last_name="Alvarez", initials="MJ"),),
        ),
        Record(
            title=BASE["title"],
            year=2022,
            journal="medRxiv",
            doi="10.1101/2022.1",
            authors=(Author(last_name="Alvarez", initials="MJ"),),
        ),
    ]
    with Store(tmp_path / "lib.sqlite") as store:
        store.upsert_records(records[:2], source="embase")
        store.upsert_records(records[2:], source="medrxiv")
        yield store


def test_library_dedup_writes_decisions_and_deletes_nothing(library):
    report = dedup_library(library)
    assert library.count_records() == 4
    assert (report.merged, report.clusters, report.duplicates_removed) == (1, 1, 1)
    assert cluster_map(library) == {1: 1, 2: 1, 3: 3, 4: 4}
    assert duplicates_removed(library) == 1
    rows = library.conn.execute("SELECT decision, status FROM matches ORDER BY id").fetchall()
    assert ("merge", "active") in [tuple(r) for r in rows]


def test_library_dedup_is_idempotent(library):
    dedup_library(library)
    count = library.conn.execute("SELECT count(*) FROM matches").fetchone()[0]
    again = dedup_library(library)
    assert (again.merged, again.queued) == (0, 0)
    assert library.conn.execute("SELECT count(*) FROM matches").fetchone()[0] == count


def test_undo_by_match_and_by_cluster(library):
    dedup_library(library)
    match_id = library.conn.execute("SELECT id FROM matches WHERE decision='merge'").fetchone()[0]
    assert undo_merge(library, match_id=match_id) == 1
    assert duplicates_removed(library) == 0
    with pytest.raises(DataError, match="no active merge"):
        undo_merge(library, match_id=match_id)
    library.conn.execute("UPDATE matches SET status='active' WHERE id=?", (match_id,))
    assert undo_merge(library, cluster=1) == 1
    assert cluster_map(library)[2] == 2


def test_review_queue_and_a_persons_decision(library):
    dedup_library(library)
    queue = review_queue(library)
    preprint = [q for q in queue if "preprint" in q["reason"]]
    assert preprint and {preprint[0]["record_a"], preprint[0]["record_b"]} & {4}
    assert preprint[0]["a_title"] and preprint[0]["b_journal"] in ("medRxiv", "J Ex Dermatol")
    decide(library, preprint[0]["match_id"], "merge", "reviewer A")
    assert len(review_queue(library)) == len(queue) - 1
    row = library.conn.execute(
        "SELECT decision, status, decided_by FROM matches WHERE id=?", (preprint[0]["match_id"],)
    ).fetchone()
    assert tuple(row) == ("merge", "active", "reviewer A")
    assert duplicates_removed(library) == 2
    with pytest.raises(DataError):
        decide(library, preprint[0]["match_id"], "distinct", "reviewer B")


def test_decide_rejects_unknown_decisions_and_anonymous_reviewers(library):
    dedup_library(library)
    with pytest.raises(UnknownNameError, match="merge, distinct"):
        decide(library, 1, "maybe", "A")
    with pytest.raises(DataError, match="reviewer"):
        decide(library, 1, "merge", " ")


def test_people_decide_first_and_distinct_rows_keep_a_chain_apart(library):
    dedup_library(library)  # the machine merged 1 and 2
    with library.transaction() as conn:  # a reviewer merges 2 with 3 and says 1 is not 3
        conn.execute(
            "INSERT INTO matches(record_a, record_b, score, decision, status, method,"
            " decided_by) VALUES (2, 3, 0.9, 'merge', 'active', 'test', 'A')"
        )
        conn.execute(
            "INSERT INTO matches(record_a, record_b, score, decision, status, method,"
            " decided_by) VALUES (1, 3, 0.9, 'distinct', 'active', 'test', 'A')"
        )
    clusters = cluster_map(library)
    assert clusters[2] == clusters[3] != clusters[1]  # the machine's 1-2 merge yields


@pytest.mark.slow
@pytest.mark.parametrize("name", ["diabetes", "cytology_screening", "special_cases"])
def test_library_import_then_dedup_merges_no_two_gold_works(name, tmp_path):
    """Library mode end to end: the store's own identity rules (PMID, DOI, content hash) and
    dedup_library together must never join records of two gold clusters."""
    from hairmeta.extractors.files import import_file

    folder = shared_path("dedup", name)
    gold = pd.read_csv(folder / "gold.csv.gz", dtype=str)
    work_of = dict(zip(gold["ID"], gold["cluster_id"]))
    with Store(tmp_path / "lib.sqlite") as store:
        import_file(store, folder / "records.csv.gz", source=name)
        dedup_library(store)
        clusters = cluster_map(store)
        with store.transaction() as conn:
            sources = conn.execute("SELECT record_id, source_id FROM record_sources").fetchall()
    works: dict[int, set[str]] = {}
    for record_id, source_id in sources:
        works.setdefault(clusters.get(record_id, record_id), set()).add(work_of[source_id])
    merged_away = sum(len(w) - 1 for w in works.values())
    assert merged_away == 0
    assert len(works) >= len(set(work_of.values()))
