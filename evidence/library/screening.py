"""Screening decisions on library records: include / exclude / maybe, with reasons, in SQLite.

Every decision is appended to the library's ``screening`` table (never overwritten), so the
history of a record's screening is kept; the *latest* decision per record and stage counts.

The stages follow each other (PRISMA 2020: only records screened in are sought and assessed), so
two decisions are refused rather than stored and then left out of the flow:

* a ``full_text`` decision on a record whose title/abstract decision is missing or ``exclude``;
* a ``title_abstract`` exclusion of a record that already has a ``full_text`` decision
  (exclude it at full text instead).

A duplicate cluster counts as one record (its latest decision, on any member, as in PRISMA).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Iterator

import pandas as pd

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.library.dedup.library import cluster_map
from hairmeta.evidence.library.records import Record
from hairmeta.evidence.library.store import Store

STAGES = ("title_abstract", "full_text")
DECISIONS = ("include", "exclude", "maybe")


@dataclass(frozen=True)
class Decision:
    """One stored screening decision."""

    id: int
    record_id: int
    stage: str
    decision: str
    reason: str
    reviewer: str
    decided_at: str


def _check(stage: str, decision: str, reason: str | None) -> None:
    if stage not in STAGES:
        raise UnknownNameError("screening stage", stage, STAGES)
    if decision not in DECISIONS:
        raise UnknownNameError("screening decision", decision, DECISIONS)
    if decision == "exclude" and not (reason or "").strip():
        raise DataError("an exclusion needs a reason (--reason TEXT)", field="reason")


def record_decision(
    store: Store,
    record_id: int,
    decision: str,
    reason: str | None = None,
    *,
    stage: str = "title_abstract",
    reviewer: str | None = None,
    decided_at: str | None = None,
) -> Decision:
    """Store one decision for ``record_id`` at ``stage``; an exclusion must give its reason.

    Raises ``UnknownNameError`` for an unknown stage or decision, ``DataError`` for an exclusion
    without a reason or a decision out of stage order (see the module docstring) and
    ``StoreError`` when the record is not in the library.
    """
    _check(stage, decision, reason)
    store.get_record(record_id)  # StoreError if absent
    _check_order(store, record_id, stage, decision)
    when = decided_at or datetime.now(UTC).isoformat(timespec="seconds")
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO screening (record_id, stage, decision, reason, reviewer, decided_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (record_id, stage, decision, (reason or "").strip(), reviewer or "", when),
        )
    return Decision(cur.lastrowid, record_id, stage, decision, (reason or "").strip(), reviewer or "", when)


def cluster_decision(store: Store, record_id: int, stage: str) -> dict | None:
    """The latest decision at ``stage`` on ``record_id`` or any record of its duplicate cluster."""
    merged = store.conn.execute(
        "SELECT 1 FROM matches WHERE decision = 'merge' AND status = 'active' AND ? IN (record_a, record_b) LIMIT 1",
        (record_id,),
    ).fetchone()
    members = [record_id]
    if merged is not None:  # only then is the (whole-library) cluster map needed
        clusters = cluster_map(store)
        cluster = clusters.get(record_id, record_id)
        members = [r for r, c in clusters.items() if c == cluster] or [record_id]
    marks = ",".join("?" * len(members))
    row = store.conn.execute(
        f"SELECT record_id, decision, reason FROM screening WHERE stage = ? AND record_id IN ({marks})"
        " ORDER BY id DESC LIMIT 1",
        (stage, *members),
    ).fetchone()
    return dict(row) if row is not None else None


def _check_order(store: Store, record_id: int, stage: str, decision: str) -> None:
    """Refuse a decision the PRISMA flow could not count (see the module docstring)."""
    if stage == "full_text":
        screened = cluster_decision(store, record_id, "title_abstract")
        if screened is None:
            raise DataError(
                f"record {record_id} has no title/abstract decision; screen it at title_abstract"
                " (include or maybe) before a full-text decision",
                field="--stage",
            )
        if screened["decision"] == "exclude":
            raise DataError(
                f"record {record_id} was excluded at title/abstract ({screened['reason']}); include it"
                " there first if its full text is to be assessed",
                field="--stage",
            )
    elif decision == "exclude" and store.conn.execute("SELECT 1 FROM screening WHERE stage = 'full_text'").fetchone():
        assessed = cluster_decision(store, record_id, "full_text")
        if assessed is not None:
            raise DataError(
                f"record {record_id} already has a full-text decision ({assessed['decision']});"
                " exclude it at full text (--stage full_text) instead",
                field="--stage",
            )


def latest_decisions(store: Store, stage: str | None = None) -> pd.DataFrame:
    """The latest decision per record and stage (columns as :class:`Decision`)."""
    if stage is not None and stage not in STAGES:
        raise UnknownNameError("screening stage", stage, STAGES)
    sql = (
        "SELECT s.id, s.record_id, s.stage, s.decision, s.reason, s.reviewer, s.decided_at"
        " FROM screening s JOIN (SELECT max(id) AS id FROM screening GROUP BY record_id, stage)"
        " m ON m.id = s.id"
    )
    params: tuple = ()
    if stage is not None:
        sql += " WHERE s.stage = ?"
        params = (stage,)
    rows = [dict(r) for r in store.conn.execute(sql + " ORDER BY s.record_id, s.stage", params)]
    return pd.DataFrame(rows, columns=["id", "record_id", "stage", "decision", "reason", "reviewer", "decided_at"])


def unscreened(store: Store, stage: str = "title_abstract") -> Iterator[tuple[int, Record]]:
    """Records without a decision at ``stage``, in id order.

    At ``full_text`` only records included (or marked maybe) at title/abstract are offered.
    """
    if stage not in STAGES:
        raise UnknownNameError("screening stage", stage, STAGES)
    decided = set(latest_decisions(store, stage)["record_id"])
    eligible = None
    if stage == "full_text":
        ta = latest_decisions(store, "title_abstract")
        eligible = set(ta.loc[ta["decision"] != "exclude", "record_id"])
    for record_id, record in store.iter_records():
        if record_id in decided or (eligible is not None and record_id not in eligible):
            continue
        yield record_id, record


CHOICES = {"i": "include", "e": "exclude", "m": "maybe", "s": "skip", "q": "quit"}


def record_panel(record_id: int, record: Record):
    """A rich panel showing one record for screening: title, authors, year, journal, abstract."""
    from rich.panel import Panel
    from rich.text import Text

    authors = ", ".join(a.display() for a in record.authors[:6])
    authors += " et al." if len(record.authors) > 6 else ""
    body = Text()
    body.append(record.title or "(no title)", style="bold")
    body.append(
        f"\n{authors}\n{record.journal} {record.year or ''}  PMID {record.pmid or '—'}  DOI {record.doi or '—'}\n\n",
        style="dim",
    )
    body.append(record.abstract or "(no abstract)")
    return Panel(body, title=f"record {record_id}")


#: The answer keys as printed: a Text, so rich does not read ``[i]`` as an italic tag.
PROMPT = "[i]nclude [e]xclude [m]aybe [s]kip [q]uit"


def ask_reviewer(console, stream=None) -> str:
    """The reviewer's name, asked once per session (re-asked while empty)."""
    from rich.prompt import Prompt
    from rich.text import Text

    name = ""
    while not name.strip():
        name = Prompt.ask(Text("Your name (stored with each decision)"), console=console, stream=stream)
    return name.strip()


def screen_interactively(
    store: Store, *, stage: str = "title_abstract", reviewer: str | None = None, console=None, stream=None
) -> dict[str, int]:
    """Offer each unscreened record in turn; ask include/exclude/maybe/skip/quit.

    The reviewer's name is asked once (unless given) and stored with every decision.  Each
    record is shown whole: the abstract wrapped to the terminal, never cut.  Exclusions ask for a
    reason (re-asked while empty).  Each decision is stored as soon as it is made, so quitting
    (or Ctrl-C) keeps every decision taken.  ``stream`` replaces stdin for the answers (tests).
    Returns counts per answer.
    """
    from rich.console import Console
    from rich.prompt import Prompt
    from rich.text import Text

    console = console or Console(stderr=True)
    counts = {name: 0 for name in CHOICES.values()}
    records = unscreened(store, stage)
    first = next(records, None)
    if first is None:
        return counts
    reviewer = reviewer or ask_reviewer(console, stream)
    for record_id, record in _chain(first, records):
        console.print(record_panel(record_id, record), soft_wrap=False)  # wrap the abstract
        key = Prompt.ask(Text(PROMPT), choices=list(CHOICES), show_choices=False, console=console, stream=stream)
        answer = CHOICES[key]
        counts[answer] += 1
        if answer == "quit":
            break
        if answer == "skip":
            continue
        reason = ""
        while answer == "exclude" and not reason.strip():
            reason = Prompt.ask(Text("reason for exclusion"), console=console, default="", stream=stream)
        record_decision(store, record_id, answer, reason, stage=stage, reviewer=reviewer)
    return counts


def _chain(first, rest):
    yield first
    yield from rest
