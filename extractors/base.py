"""What every source's ``search_into`` returns, so ``hairmeta search --source …`` can report it."""

from __future__ import annotations

from dataclasses import dataclass, field

SOURCE_MODULES = {
    "pubmed": "hairmeta.extractors.pubmed",
    "europepmc": "hairmeta.extractors.europepmc",
    "crossref": "hairmeta.extractors.crossref",
    "ctgov": "hairmeta.extractors.clinicaltrials",
}


@dataclass(frozen=True)
class SearchReport:
    """Outcome of one search run stored into the library.

    ``failed`` names each batch or page that still failed after retries (the rest was kept and
    the next run resumes); ``known`` counts records already in the library unchanged.
    """

    source: str
    term: str
    found: int = 0
    new: int = 0
    updated: int = 0
    known: int = 0
    failed: tuple[str, ...] = field(default_factory=tuple)

    def summary_line(self) -> str:
        """``pubmed: 120 found; 100 new, 5 updated, 15 already known`` (+ failures)."""
        line = f"{self.source}: {self.found} found; {self.new} new, {self.updated} updated, {self.known} already known"
        if self.failed:
            line += f"; {len(self.failed)} batch(es) failed: {'; '.join(self.failed)} (rerun to resume)"
        return line
