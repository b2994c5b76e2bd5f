"""De-duplication of the record library: decisions written to the ``matches`` table, clusters read
back from it, people's review decisions and undo.  Nothing is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

import pandas as pd

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.library.dedup.match import METHOD, DedupResult, _Clusters, find_duplicates
from hairmeta.evidence.library.records import Record


@dataclass(frozen=True)
class DedupReport:
    """Outcome of :func:`dedup_library` (counts of rows written in this run, and totals)."""

    records: int
    candidate_pairs: int
    merged: int
    queued: int
    distinct: int
    refused: int
    clusters: int
    duplicates_removed: int
    related: int = 0  # pairs linked as related reports of one study (never merged)

    def as_dict(self) -> dict:
        """Plain dict for rendering."""
        return dict(self.__dict__)


def _pair_rows(result: DedupResult, now: str) -> list[tuple]:
    """``matches`` rows for the pairs worth recording (merges, reviews, near-miss distincts)."""
    refused = {tuple(sorted(p)) for p in result.refused}
    rows = []
    for row in result.pairs.itertuples(index=False):
        a, b = sorted((int(row.id_a), int(row.id_b)))
        decision, status, reason = row.decision, "active", row.reason
        if decision == "merge" and (a, b) in refused:
            decision, reason = "review", f"merge refused ({reason}): it would join records another rule keeps apart"
        if decision == "review":
            status = "pending"
        elif decision == "related":
            status = "active"
        elif decision == "distinct" and not (row.title >= 90 or row.doi == 1 or row.pmid == 1):
            continue  # plainly different works: not worth a row
        rows.append((a, b, float(row.score), decision, status, METHOD, reason, now))
    return rows


def dedup_library(store) -> DedupReport:
    """De-duplicate the whole library: record decisions in ``matches``, delete nothing.

    Sure pairs become active ``merge`` rows; uncertain ones ``review`` rows (status
    ``pending``) for :func:`decide`; near misses a ``distinct`` row saying why.  Pairs that
    already have a row (from an earlier run or a person) are left as they are, so a rerun only
    adds what is new and never overrides a person's decision.
    """
    from datetime import datetime

    ids, records = [], []
    for record_id, record in store.iter_records():
        ids.append(record_id)
        records.append(record)
    result = find_duplicates(records, ids)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    rows = _pair_rows(result, now) if len(result.pairs) else []
    with store.transaction() as conn:
        known = {
            (a, b) for a, b in conn.execute("SELECT min(record_a, record_b), max(record_a, record_b) FROM matches")
        }
        fresh = [r for r in rows if (r[0], r[1]) not in known]
        conn.executemany(
            "INSERT INTO matches(record_a, record_b, score, decision, status,"
            " method, reason, created_at) VALUES (?,?,?,?,?,?,?,?)",
            fresh,
        )
    counts = {d: sum(1 for r in fresh if r[3] == d) for d in ("merge", "review", "distinct", "related")}
    clusters = cluster_map(store)
    sizes = pd.Series(list(clusters.values())).value_counts() if clusters else pd.Series([])
    return DedupReport(
        len(ids),
        len(result.pairs),
        counts["merge"],
        counts["review"],
        counts["distinct"],
        len(result.refused),
        int((sizes > 1).sum()),
        duplicates_removed(store),
        counts["related"],
    )


def _active_rows(store, decision: str, by_person: bool) -> list[tuple[int, int]]:
    who = "decided_by IS NOT NULL" if by_person else "decided_by IS NULL"
    return [
        (a, b)
        for a, b in store.conn.execute(
            f"SELECT record_a, record_b FROM matches WHERE decision = ? AND status = 'active' AND {who} ORDER BY id",
            (decision,),
        )
    ]


def cluster_map(store) -> dict[int, int]:
    """Library record id -> cluster id (the smallest record id of its cluster), every record.

    Clusters are the union-find closure of the active ``merge`` rows.  People's decisions
    come first (their merges, kept apart only by their own ``distinct`` rows); then the
    machine's merges, each refused if it would join two records that any active ``distinct``
    row keeps apart.
    """
    record_ids = [r[0] for r in store.conn.execute("SELECT id FROM records ORDER BY id")]
    position = {rid: i for i, rid in enumerate(record_ids)}

    def located(rows):
        return [(position[a], position[b]) for a, b in rows if a in position and b in position]

    clusters = _Clusters(len(record_ids))
    for by_person in (True, False):
        for i, j in located(_active_rows(store, "distinct", by_person)):
            clusters.forbid(i, j)
        for i, j in located(_active_rows(store, "merge", by_person)):
            clusters.union(i, j)
    labels = clusters.labels()
    return {rid: record_ids[labels[i]] for i, rid in enumerate(record_ids)}


def related_map(store) -> dict[int, int]:
    """Library record id -> study id: duplicate clusters (:func:`cluster_map`) joined by active
    ``related`` rows (a meeting abstract and its full article: two reports of one study).

    The study id is the smallest record id of the joined group; a record with no related
    report is its own cluster's study.
    """
    clusters = cluster_map(store)
    ids = sorted(set(clusters.values()))
    position = {cid: i for i, cid in enumerate(ids)}
    studies = _Clusters(len(ids))
    rows = store.conn.execute("SELECT record_a, record_b FROM matches WHERE decision = 'related' AND status = 'active'")
    for a, b in rows:
        if a in clusters and b in clusters:
            studies.union(position[clusters[a]], position[clusters[b]])
    labels = studies.labels()
    return {rid: ids[labels[position[cid]]] for rid, cid in clusters.items()}


def explain(store, record_id: int) -> dict:
    """Why a record stands where it does: its cluster, its study (related reports), and every
    recorded decision involving it with the rule and the fields that agreed or differed."""
    if store.conn.execute("SELECT 1 FROM records WHERE id = ?", (record_id,)).fetchone() is None:
        raise DataError(f"no record with id {record_id}", field="--explain")
    clusters, studies = cluster_map(store), related_map(store)
    cluster = clusters[record_id]
    rows = store.conn.execute(
        "SELECT id, record_a, record_b, decision, status, score, reason, method, decided_by FROM matches"
        " WHERE record_a = ? OR record_b = ? ORDER BY id",
        (record_id, record_id),
    ).fetchall()
    decisions = [
        {
            "match_id": match_id,
            "other": b if a == record_id else a,
            "decision": decision,
            "status": status,
            "score": score,
            "reason": reason,
            "by": decided_by or method,
        }
        for match_id, a, b, decision, status, score, reason, method, decided_by in rows
    ]
    return {
        "record": record_id,
        "cluster": cluster,
        "cluster_members": sorted(r for r, c in clusters.items() if c == cluster),
        "study": studies[record_id],
        "related_reports": sorted(r for r, s in studies.items() if s == studies[record_id] and clusters[r] != cluster),
        "decisions": decisions,
    }


def duplicates_removed(store) -> int:
    """Records that merged into another (records minus clusters), for PRISMA counts."""
    clusters = cluster_map(store)
    return len(clusters) - len(set(clusters.values()))


def undo_merge(store, match_id: int | None = None, cluster: int | None = None) -> int:
    """Undo one merge (by ``matches`` id) or every merge of a cluster; returns rows undone.

    The rows stay in ``matches`` with status ``undone`` (an audit trail), and the pair is not
    proposed again by later runs.
    """
    if (match_id is None) == (cluster is None):
        raise DataError("give exactly one of a match id or a cluster id", field="undo")
    with store.transaction() as conn:
        if match_id is not None:
            changed = conn.execute(
                "UPDATE matches SET status = 'undone' WHERE id = ? AND decision = 'merge' AND status = 'active'",
                (match_id,),
            )
            target = f"match {match_id}"
        else:
            members = [rid for rid, cid in cluster_map(store).items() if cid == cluster]
            marks = ",".join("?" * len(members))
            changed = (
                conn.execute(
                    f"UPDATE matches SET status = 'undone' WHERE decision = 'merge' AND status ="
                    f" 'active' AND record_a IN ({marks})",
                    members,
                )
                if len(members) > 1
                else None
            )
            target = f"cluster {cluster}"
        count = changed.rowcount if changed is not None else 0
    if count == 0:
        raise DataError(f"no active merge for {target}", field="undo")
    return count


SIDE_FIELDS = ("title", "authors", "year", "journal", "volume", "pages", "doi", "pmid")


def _side(record: Record) -> dict:
    return {
        "title": record.title,
        "authors": "; ".join(a.display() for a in record.authors),
        "year": record.year,
        "journal": record.journal,
        "volume": record.volume,
        "pages": record.pages,
        "doi": record.doi,
        "pmid": record.pmid,
    }


def review_queue(store) -> list[dict]:
    """Pending ``review`` pairs with both records' fields side by side.

    Each item: ``match_id, score, reason, record_a, record_b`` and ``a_<field>``/``b_<field>``
    for title, authors, year, journal, volume, pages, doi, pmid.
    """
    rows = store.conn.execute(
        "SELECT id, record_a, record_b, score, reason FROM matches WHERE decision = 'review'"
        " AND status = 'pending' ORDER BY score DESC, id"
    ).fetchall()
    queue = []
    for match_id, a, b, score, reason in rows:
        item = {"match_id": match_id, "score": score, "reason": reason, "record_a": a, "record_b": b}
        for prefix, record_id in (("a", a), ("b", b)):
            item.update({f"{prefix}_{k}": v for k, v in _side(store.get_record(record_id)).items()})
        queue.append(item)
    return queue


DECISIONS = ("merge", "distinct")


def decide(store, match_id: int, decision: str, reviewer: str) -> None:
    """Record a person's decision on a pending review pair (``merge`` or ``distinct``)."""

    if decision not in DECISIONS:
        raise UnknownNameError("decision", decision, DECISIONS)
    if not reviewer.strip():
        raise DataError("say who decided (a reviewer name)", field="reviewer")
    with store.transaction() as conn:
        changed = conn.execute(
            "UPDATE matches SET decision = ?, status = 'active', decided_by = ? WHERE id = ?"
            " AND decision = 'review' AND status = 'pending'",
            (decision, reviewer, match_id),
        )
        if changed.rowcount == 0:
            raise DataError(f"match {match_id} is not a pending review pair", field="match_id")
