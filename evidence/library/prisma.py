"""PRISMA 2020 flow counts from the record library (the diagram is drawn in ``present.prisma``).

Boxes follow the PRISMA 2020 flow diagram for new systematic reviews (databases and registers
only): Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement. BMJ 2021;372:n71,
Figure 1.  How each count is read from the library:

- identified, per source: every record received from that source (one ``record_sources`` row
  each, so records merged on PMID/DOI while importing still count where they were found);
- duplicates removed: Σ(per source) − records stored (merged on PMID/DOI while importing), plus
  the records merged away by fuzzy de-duplication (clusters of ``hairmeta.evidence.library.dedup.cluster_map``);
  a decision on any member of a duplicate cluster counts once, for the cluster;
- screened: records stored − fuzzy duplicates;
- excluded at screening: latest ``title_abstract`` decision = exclude (with reasons);
- reports sought: records screened in (latest title/abstract decision include or maybe);
- assessed for eligibility: reports with a ``full_text`` decision; excluded with reasons;
- included: latest ``full_text`` decision = include; *studies* join the included reports that
  de-duplication linked as ``related`` (a meeting abstract and its full article are two reports of
  one study), *reports of included studies* count each.
Records still awaiting a decision are counted as such, never hidden.

The boxes add up (:meth:`PrismaFlow.arithmetic` lists each identity): identified = duplicates
removed + screened; screened = excluded + sought + awaiting screening; sought = assessed +
awaiting full text; assessed = excluded at full text + reports of included studies; the reasons
sum to their box.  A full-text decision on a record not screened in is refused when it is made
(:mod:`.screening`); one stored before that rule is left out of the flow and named in a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from hairmeta.evidence.library.dedup.library import cluster_map, related_map
from hairmeta.evidence.library.screening import latest_decisions
from hairmeta.evidence.library.store import Store


@dataclass(frozen=True)
class PrismaFlow:
    """The counts of each PRISMA 2020 box (see the module docstring for how each is read)."""

    identified: dict[str, int]
    duplicates_removed: int
    screened: int
    awaiting_screening: int
    excluded_screening: int
    excluded_screening_reasons: dict[str, int]
    reports_sought: int
    awaiting_full_text: int
    assessed: int
    excluded_full_text: int
    excluded_full_text_reasons: dict[str, int]
    included: int
    notes: tuple[str, ...] = field(default_factory=tuple)
    included_reports: int | None = None  # None: as many reports as studies

    @property
    def identified_total(self) -> int:
        """Records identified over all sources (a record found by two sources counts twice)."""
        return sum(self.identified.values())

    def arithmetic(self) -> list[tuple[str, int, int]]:
        """Each identity the boxes obey, as ``(statement, left, right)``; equal when the flow adds up."""
        reports = self.included if self.included_reports is None else self.included_reports
        return [
            (
                "identified = duplicates removed + screened",
                self.identified_total,
                self.duplicates_removed + self.screened,
            ),
            (
                "screened = excluded + sought + awaiting screening",
                self.screened,
                self.excluded_screening + self.reports_sought + self.awaiting_screening,
            ),
            ("sought = assessed + awaiting full text", self.reports_sought, self.assessed + self.awaiting_full_text),
            ("assessed = excluded at full text + included reports", self.assessed, self.excluded_full_text + reports),
            ("excluded = sum of its reasons", self.excluded_screening, sum(self.excluded_screening_reasons.values())),
            (
                "excluded at full text = sum of its reasons",
                self.excluded_full_text,
                sum(self.excluded_full_text_reasons.values()),
            ),
            ("studies included <= their reports", min(self.included, reports), self.included),
        ]

    def to_dict(self) -> dict:
        """Plain data (JSON)."""
        return {
            "identified": dict(self.identified),
            "identified_total": self.identified_total,
            "duplicates_removed": self.duplicates_removed,
            "screened": self.screened,
            "awaiting_screening": self.awaiting_screening,
            "excluded_screening": self.excluded_screening,
            "excluded_screening_reasons": dict(self.excluded_screening_reasons),
            "reports_sought": self.reports_sought,
            "awaiting_full_text": self.awaiting_full_text,
            "assessed": self.assessed,
            "excluded_full_text": self.excluded_full_text,
            "excluded_full_text_reasons": dict(self.excluded_full_text_reasons),
            "included": self.included,
            "included_reports": self.included if self.included_reports is None else self.included_reports,
            "notes": list(self.notes),
        }

    def rows(self) -> list[dict]:
        """One row per box (``box``, ``count``, ``detail``) for tables and CSV."""
        out = [{"box": f"identified: {s}", "count": n, "detail": ""} for s, n in self.identified.items()]
        reasons = lambda d: "; ".join(f"{k}: {v}" for k, v in d.items())  # noqa: E731
        out += [
            {"box": "identified (total)", "count": self.identified_total, "detail": ""},
            {"box": "duplicates removed", "count": self.duplicates_removed, "detail": ""},
            {
                "box": "records screened",
                "count": self.screened,
                "detail": f"{self.awaiting_screening} awaiting a decision",
            },
            {
                "box": "records excluded",
                "count": self.excluded_screening,
                "detail": reasons(self.excluded_screening_reasons),
            },
            {"box": "reports sought for retrieval", "count": self.reports_sought, "detail": ""},
            {
                "box": "reports assessed for eligibility",
                "count": self.assessed,
                "detail": f"{self.awaiting_full_text} awaiting full-text assessment",
            },
            {
                "box": "reports excluded",
                "count": self.excluded_full_text,
                "detail": reasons(self.excluded_full_text_reasons),
            },
            {"box": "studies included", "count": self.included, "detail": ""},
            {
                "box": "reports of included studies",
                "count": self.included if self.included_reports is None else self.included_reports,
                "detail": "",
            },
        ]
        return out


def _clusters(store: Store) -> tuple[dict[int, int] | None, str | None]:
    """Record id → cluster id from fuzzy de-duplication (no note: the clusters are always known)."""
    return cluster_map(store), None


def per_cluster(decisions: pd.DataFrame, clusters: dict[int, int] | None) -> pd.DataFrame:
    """The latest decision per duplicate cluster (a decision on any member counts for it)."""
    if clusters is None or decisions.empty:
        return decisions
    keyed = decisions.assign(record_id=decisions["record_id"].map(lambda r: clusters.get(r, r)))
    return keyed.sort_values("id").groupby("record_id", as_index=False).tail(1)


def _studies(store: Store, ft: pd.DataFrame) -> int:
    """Included studies: included reports joined by ``related`` links (issue 11)."""
    study = related_map(store)
    included = ft.loc[ft["decision"] == "include", "record_id"]
    return len({study.get(r, r) for r in included})


def _reasons(frame) -> dict[str, int]:
    excluded = frame[frame["decision"] == "exclude"]
    return {str(k): int(v) for k, v in excluded["reason"].value_counts().items()}


def prisma_flow(store: Store) -> PrismaFlow:
    """Count every PRISMA 2020 box from the library (see the module docstring)."""
    identified = store.count_by_source()
    stored = store.count_records()
    clusters, note = _clusters(store)
    fuzzy = 0 if clusters is None else len(clusters) - len(set(clusters.values()))
    screened = stored - fuzzy
    ta = per_cluster(latest_decisions(store, "title_abstract"), clusters)
    ft = per_cluster(latest_decisions(store, "full_text"), clusters)
    sought = int((ta["decision"] != "exclude").sum())
    passed = set(ta.loc[ta["decision"] != "exclude", "record_id"])
    orphans = sorted(int(r) for r in ft.loc[~ft["record_id"].isin(passed), "record_id"])
    if orphans:
        note = (
            f"{len(orphans)} full-text decision(s) on records not screened in at title/abstract are not"
            f" counted (records {', '.join(map(str, orphans[:10]))}{' …' if len(orphans) > 10 else ''})"
        )
    ft = ft[ft["record_id"].isin(passed)]
    assessed = int((ft["decision"] != "maybe").sum())
    return PrismaFlow(
        identified=identified,
        duplicates_removed=sum(identified.values()) - stored + fuzzy,
        screened=screened,
        awaiting_screening=max(screened - len(ta), 0),
        excluded_screening=int((ta["decision"] == "exclude").sum()),
        excluded_screening_reasons=_reasons(ta),
        reports_sought=sought,
        awaiting_full_text=sought - assessed,
        assessed=assessed,
        excluded_full_text=int((ft["decision"] == "exclude").sum()),
        excluded_full_text_reasons=_reasons(ft),
        included=_studies(store, ft),
        notes=tuple(n for n in [note] if n),
        included_reports=int((ft["decision"] == "include").sum()),
    )


def library_flow(path) -> PrismaFlow:
    """The flow of the library at ``path``; an absent library is not created (all zero, noted)."""
    from pathlib import Path

    path = Path(path)
    if not path.exists():
        return PrismaFlow({}, 0, 0, 0, 0, {}, 0, 0, 0, 0, {}, 0, notes=(f"no record library at {path}",))
    with Store(path) as store:
        return prisma_flow(store)
