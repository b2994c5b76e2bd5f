"""PRISMA 2020 flow counts from the record library, and the flow diagram as SVG.

Boxes follow the PRISMA 2020 flow diagram for new systematic reviews (databases and registers
only): Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement. BMJ 2021;372:n71,
Figure 1.  How each count is read from the library:

- identified, per source: distinct records per source (``record_sources``);
- duplicates removed: Σ(per source) − records stored (merged on PMID/DOI while importing), plus
  the records merged away by fuzzy de-duplication (clusters of ``evidence.dedup.cluster_map``);
  a decision on any member of a duplicate cluster counts once, for the cluster;
- screened: records stored − fuzzy duplicates;
- excluded at screening: latest ``title_abstract`` decision = exclude (with reasons);
- reports sought: records screened in (latest title/abstract decision include or maybe);
- assessed for eligibility: reports with a ``full_text`` decision; excluded with reasons;
- included: latest ``full_text`` decision = include.
Records still awaiting a decision are counted as such, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import pandas as pd

from evidence.screening import latest_decisions
from evidence.store import Store


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

    @property
    def identified_total(self) -> int:
        """Records identified over all sources (a record found by two sources counts twice)."""
        return sum(self.identified.values())

    def to_dict(self) -> dict:
        """Plain data (JSON)."""
        return {"identified": dict(self.identified), "identified_total": self.identified_total,
                "duplicates_removed": self.duplicates_removed, "screened": self.screened,
                "awaiting_screening": self.awaiting_screening,
                "excluded_screening": self.excluded_screening,
                "excluded_screening_reasons": dict(self.excluded_screening_reasons),
                "reports_sought": self.reports_sought,
                "awaiting_full_text": self.awaiting_full_text, "assessed": self.assessed,
                "excluded_full_text": self.excluded_full_text,
                "excluded_full_text_reasons": dict(self.excluded_full_text_reasons),
                "included": self.included, "notes": list(self.notes)}

    def rows(self) -> list[dict]:
        """One row per box (``box``, ``count``, ``detail``) for tables and CSV."""
        out = [{"box": f"identified: {s}", "count": n, "detail": ""}
               for s, n in self.identified.items()]
        reasons = lambda d: "; ".join(f"{k}: {v}" for k, v in d.items())  # noqa: E731
        out += [
            {"box": "identified (total)", "count": self.identified_total, "detail": ""},
            {"box": "duplicates removed", "count": self.duplicates_removed, "detail": ""},
            {"box": "records screened", "count": self.screened,
             "detail": f"{self.awaiting_screening} awaiting a decision"},
            {"box": "records excluded", "count": self.excluded_screening,
             "detail": reasons(self.excluded_screening_reasons)},
            {"box": "reports sought for retrieval", "count": self.reports_sought, "detail": ""},
            {"box": "reports assessed for eligibility", "count": self.assessed,
             "detail": f"{self.awaiting_full_text} awaiting full-text assessment"},
            {"box": "reports excluded", "count": self.excluded_full_text,
             "detail": reasons(self.excluded_full_text_reasons)},
            {"box": "studies included", "count": self.included, "detail": ""},
        ]
        return out


def _clusters(store: Store) -> tuple[dict[int, int] | None, str | None]:
    """Record id → cluster id from fuzzy de-duplication, or (None, note) when unavailable."""
    try:
        from evidence.dedup import cluster_map
    except ImportError:
        return None, "fuzzy de-duplication module not available: only PMID/DOI merges counted"
    return cluster_map(store), None


def per_cluster(decisions: pd.DataFrame, clusters: dict[int, int] | None) -> pd.DataFrame:
    """The latest decision per duplicate cluster (a decision on any member counts for it)."""
    if clusters is None or decisions.empty:
        return decisions
    keyed = decisions.assign(record_id=decisions["record_id"].map(
        lambda r: clusters.get(r, r)))
    return keyed.sort_values("id").groupby("record_id", as_index=False).tail(1)


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
    ft = ft[ft["record_id"].isin(passed)]
    assessed = int((ft["decision"] != "maybe").sum())
    return PrismaFlow(
        identified=identified, duplicates_removed=sum(identified.values()) - stored + fuzzy,
        screened=screened, awaiting_screening=max(screened - len(ta), 0),
        excluded_screening=int((ta["decision"] == "exclude").sum()),
        excluded_screening_reasons=_reasons(ta), reports_sought=sought,
        awaiting_full_text=sought - assessed, assessed=assessed,
        excluded_full_text=int((ft["decision"] == "exclude").sum()),
        excluded_full_text_reasons=_reasons(ft),
        included=int((ft["decision"] == "include").sum()), notes=tuple(n for n in [note] if n))


# ------------------------------------------------------------------------------ the diagram

BOX_W, BOX_H, GAP = 300, 64, 34


def _box(x: int, y: int, lines: list[str], h: int, w: int = BOX_W) -> str:
    text = "".join(f'<tspan x="{x + 10}" dy="{0 if i == 0 else 15}">{escape(line)}</tspan>'
                   for i, line in enumerate(lines))
    return (f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#fff" stroke="#333"/>'
            f'<text x="{x + 10}" y="{y + 20}" font-family="sans-serif" font-size="12">{text}</text>')


def _arrow(x1: int, y1: int, x2: int, y2: int) -> str:
    return (f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#333" '
            f'marker-end="url(#arrow)"/>')


def flow_svg(flow: PrismaFlow) -> str:
    """The PRISMA 2020 flow diagram (identification → screening → included) as standalone SVG."""
    left, right = 20, 20 + BOX_W + 60
    ids = [f"{s}: n = {n}" for s, n in flow.identified.items()] or ["no sources"]
    steps = [
        (["Records identified", *ids], [f"Duplicates removed: n = {flow.duplicates_removed}"]),
        ([f"Records screened: n = {flow.screened}",
          f"(awaiting a decision: {flow.awaiting_screening})"],
         [f"Records excluded: n = {flow.excluded_screening}",
          *[f"{k}: {v}" for k, v in flow.excluded_screening_reasons.items()]]),
        ([f"Reports sought for retrieval: n = {flow.reports_sought}"], []),
        ([f"Reports assessed for eligibility: n = {flow.assessed}",
          f"(awaiting assessment: {flow.awaiting_full_text})"],
         [f"Reports excluded: n = {flow.excluded_full_text}",
          *[f"{k}: {v}" for k, v in flow.excluded_full_text_reasons.items()]]),
        ([f"Studies included in review: n = {flow.included}"], []),
    ]
    parts, y = [], 20
    for main, side in steps:
        h = max(BOX_H, 20 + 15 * max(len(main), len(side)))
        parts.append(_box(left, y, main, h))
        if side:
            parts.append(_box(right, y, side, h))
            parts.append(_arrow(left + BOX_W, y + h // 2, right, y + h // 2))
        if main is not steps[-1][0]:
            parts.append(_arrow(left + BOX_W // 2, y + h, left + BOX_W // 2, y + h + GAP))
        y += h + GAP
    width, height = right + BOX_W + 20, y
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="prisma" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="PRISMA 2020 flow diagram"><defs><marker id="arrow" markerWidth="8" '
            f'markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" '
            f'fill="#333"/></marker></defs>{"".join(parts)}</svg>')


def library_flow(path) -> PrismaFlow:
    """The flow of the library at ``path``; an absent library is not created (all zero, noted)."""
    from pathlib import Path
    path = Path(path)
    if not path.exists():
        return PrismaFlow({}, 0, 0, 0, 0, {}, 0, 0, 0, 0, {}, 0,
                          notes=(f"no record library at {path}",))
    with Store(path) as store:
        return prisma_flow(store)


def write_flow(flow: PrismaFlow, path) -> None:
    """Write the flow as ``.svg`` (diagram) or ``.json`` (counts) chosen by the file suffix."""
    from pathlib import Path

    from evidence.errors import DataError, UnknownNameError
    from evidence.render import dumps_json
    path = Path(path)
    writers = {".svg": flow_svg, ".json": lambda f: dumps_json(f.to_dict())}
    if path.suffix.lower() not in writers:
        raise UnknownNameError("PRISMA output type", path.suffix or path.name, tuple(writers))
    try:
        path.write_text(writers[path.suffix.lower()](flow) + "\n", encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot write: {exc.strerror}", file=str(path)) from exc
