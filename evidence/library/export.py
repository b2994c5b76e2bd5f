"""Write the record library for reference managers and screening tools: RIS, BibTeX or CSV.

``export_library(store, fmt, deduplicated=False)`` returns the text.  With ``deduplicated``
one record stands for each de-duplication cluster (``hairmeta.evidence.library.dedup.cluster_map``): the most
complete member (PMID, then DOI, then most filled fields, then lowest id), with empty fields
filled from the other members; every member's id and every source of the cluster are listed.
Without clusters (de-duplication not run, or not available) each record is its own cluster.

RIS is written with ``rispy`` (no numbering header line), BibTeX with ``bibtexparser`` 2.x,
CSV with the standard library (UTF-8, ``\\n`` line ends, every field quoted when needed).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, fields
from typing import Iterable

from hairmeta.evidence.errors import UnknownNameError
from hairmeta.evidence.library.dedup.library import cluster_map
from hairmeta.evidence.library.formats import ExportFormat
from hairmeta.evidence.library.records import Author, Record

CSV_COLUMNS = [
    "record_id",
    "cluster_id",
    "member_ids",
    "pmid",
    "doi",
    "pmcid",
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "abstract",
    "publication_types",
    "url",
    "source_ids",
    "sources",
]


_NOT_DECOMPOSED = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "œ": "oe"}
)


@dataclass(frozen=True)
class ExportItem:
    """One exported record: its library id, cluster, merged members and sources."""

    record_id: int
    cluster_id: int
    member_ids: tuple[int, ...]
    record: Record
    sources: tuple[tuple[str, str], ...]  # (source, id at that source), first seen first

    def source_names(self) -> list[str]:
        """Distinct source names in order of first appearance."""
        return list(dict.fromkeys(name for name, _ in self.sources))


def export_library(store, fmt: ExportFormat | str, *, deduplicated: bool = False) -> str:
    """The library as ``fmt`` text (``ris``, ``csv`` or ``bibtex``).

    Raises
    ------
    UnknownNameError
        ``fmt`` is not one of the export formats.
    """
    fmt = _format(fmt)
    items = export_items(store, deduplicated=deduplicated)
    return {ExportFormat.ris: to_ris, ExportFormat.csv: to_csv, ExportFormat.bibtex: to_bibtex}[fmt](items)


def _format(fmt: ExportFormat | str) -> ExportFormat:
    try:
        return ExportFormat(getattr(fmt, "value", fmt))
    except ValueError:
        raise UnknownNameError("export format", str(fmt), [f.value for f in ExportFormat]) from None


def library_clusters(store) -> dict[int, int]:
    """``record_id -> cluster_id`` from the de-duplication clusters of the library."""
    return dict(cluster_map(store))


def export_items(store, *, deduplicated: bool = False) -> list[ExportItem]:
    """Every record (or one per cluster) with its sources, in library id order."""
    clusters = library_clusters(store)
    groups: dict[int, list[tuple[int, Record]]] = {}
    for record_id, record in store.iter_records():
        groups.setdefault(clusters.get(record_id, record_id), []).append((record_id, record))
    items: list[ExportItem] = []
    for cluster_id, members in groups.items():
        chunks = [members] if deduplicated else [[m] for m in members]
        items.extend(_item(store, cluster_id, chunk) for chunk in chunks)
    return sorted(items, key=lambda item: item.record_id)


def _item(store, cluster_id: int, members: list[tuple[int, Record]]) -> ExportItem:
    ranked = sorted(members, key=_completeness)
    record_id, record = ranked[0]
    for _, other in ranked[1:]:
        record = fill_gaps(record, other)
    sources = [(s["source"], str(s["source_id"] or "")) for rid, _ in members for s in store.sources_of(rid)]
    return ExportItem(
        record_id, cluster_id, tuple(sorted(rid for rid, _ in members)), record, tuple(dict.fromkeys(sources))
    )


def _completeness(member: tuple[int, Record]) -> tuple:
    record_id, record = member
    filled = sum(bool(getattr(record, f.name)) for f in fields(Record))
    return (not record.pmid, not record.doi, -filled, record_id)


def fill_gaps(record: Record, other: Record) -> Record:
    """``record`` with each empty field taken from ``other`` (non-empty fields are kept)."""
    changes = {
        f.name: getattr(other, f.name)
        for f in fields(Record)
        if f.name != "title_translated" and not getattr(record, f.name) and getattr(other, f.name)
    }
    return record.with_changes(**changes) if changes else record


# ------------------------------------------------------------------------------------ CSV


def to_csv(items: Iterable[ExportItem]) -> str:
    """CSV with :data:`CSV_COLUMNS`; authors ``Last FI; …``, sources ``name:id; …``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow(csv_row(item))
    return buffer.getvalue()


def flat_record(rec: Record) -> dict:
    """A record as flat text fields (authors ``Last FI; …``, lists ``; ``-joined, year or "")."""
    return {
        "pmid": rec.pmid,
        "doi": rec.doi,
        "pmcid": rec.pmcid,
        "title": rec.title,
        "authors": "; ".join(a.display() for a in rec.authors),
        "year": "" if rec.year is None else rec.year,
        "journal": rec.journal,
        "volume": rec.volume,
        "issue": rec.issue,
        "pages": rec.pages,
        "abstract": rec.abstract,
        "publication_types": "; ".join(rec.publication_types),
        "url": rec.url,
        "source_ids": "; ".join(f"{k}:{v}" for k, v in rec.source_ids),
    }


def csv_row(item: ExportItem) -> dict:
    """One CSV row (every value a string; empty when not known)."""
    return {
        "record_id": item.record_id,
        "cluster_id": item.cluster_id,
        "member_ids": ";".join(map(str, item.member_ids)),
        **flat_record(item.record),
        "sources": "; ".join(f"{name}:{ident}" if ident else name for name, ident in item.sources),
    }


# ------------------------------------------------------------------------------------ RIS


def ris_type(record: Record) -> str:
    """RIS reference type: ``DBASE`` for trial registrations, ``UNPB`` for preprints, else ``JOUR``."""
    kinds = {t.casefold() for t in record.publication_types}
    if "clinical trial registration" in kinds:
        return "DBASE"
    if "preprint" in kinds or "posted-content" in kinds:
        return "UNPB"
    return "JOUR"


def ris_name(author: Author) -> str:
    """``Last, Fore`` (else ``Last, Initials``) for a person; the collective name otherwise."""
    if author.collective_name:
        return author.collective_name
    first = author.fore_name or author.initials
    return f"{author.last_name}, {first}" if first else author.last_name


def ris_entry(item: ExportItem) -> dict:
    """One rispy reference dict (empty fields left out)."""
    rec = item.record
    start, _, end = rec.pages.partition("-")
    entry = {
        "type_of_reference": ris_type(rec),
        "id": str(item.record_id),
        "title": rec.title,
        "authors": [ris_name(a) for a in rec.authors],
        "year": str(rec.year or ""),
        "secondary_title": rec.journal,
        "alternate_title1": rec.iso_abbreviation,
        "volume": rec.volume,
        "number": rec.issue,
        "start_page": start.strip(),
        "end_page": end.strip(),
        "abstract": rec.abstract,
        "doi": rec.doi,
        "accession_number": rec.pmid,
        "urls": [rec.url] if rec.url else [],
        "keywords": list(rec.mesh_terms),
        "language": "; ".join(rec.languages),
        "notes": [provenance_note(item)],
    }
    return {k: v for k, v in entry.items() if v}


def provenance_note(item: ExportItem) -> str:
    """``hairmeta record 3; cluster 3 (records 3, 9); sources: pubmed:123; crossref:10.…``."""
    members = f" (records {', '.join(map(str, item.member_ids))})" if len(item.member_ids) > 1 else ""
    listed = "; ".join(f"{n}:{i}" if i else n for n, i in item.sources)
    return f"hairmeta record {item.record_id}; cluster {item.cluster_id}{members}; sources: {listed}"


def to_ris(items: Iterable[ExportItem]) -> str:
    """RIS text (``TY`` … ``ER``) via rispy."""
    import rispy

    class _Writer(rispy.RisWriter):
        def set_header(self, count):  # no "1." numbering lines between references
            return ""

    return rispy.dumps([ris_entry(item) for item in items], implementation=_Writer)


# --------------------------------------------------------------------------------- BibTeX


def bibtex_name(author: Author) -> str:
    """``Last, Fore`` for a person; ``{Collective Name}`` (kept whole) otherwise."""
    if author.collective_name:
        return "{" + _unbrace(author.collective_name) + "}"
    first = author.fore_name or ". ".join(author.initials) + ("." if author.initials else "")
    return f"{_unbrace(author.last_name)}, {_unbrace(first)}" if first else _unbrace(author.last_name)


def _unbrace(text: str) -> str:
    """Drop braces, which BibTeX would read as grouping (records hold plain text)."""
    return text.replace("{", "").replace("}", "")


def citation_key(record: Record, taken: set[str]) -> str:
    """``lastnameYEAR`` in ASCII (``hassan2024``), with ``a``, ``b``… appended when taken."""
    first = record.authors[0] if record.authors else None
    name = (first.last_name or first.collective_name) if first else (record.title or "record")
    ascii_name = unicodedata.normalize("NFKD", name.translate(_NOT_DECOMPOSED)).encode("ascii", "ignore").decode()
    base = (re.sub(r"[^a-z]", "", ascii_name.lower().split(" ")[0]) or "record") + str(record.year or "")
    key, n = base, 0
    while key in taken:
        key, n = base + _suffix(n), n + 1
    taken.add(key)
    return key


def _suffix(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def bibtex_fields(item: ExportItem) -> list[tuple[str, str]]:
    """``(name, value)`` pairs for one entry, empty ones left out."""
    rec = item.record
    pairs = [
        ("title", rec.title),
        ("author", " and ".join(bibtex_name(a) for a in rec.authors)),
        ("journal", rec.journal),
        ("year", str(rec.year or "")),
        ("volume", rec.volume),
        ("number", rec.issue),
        ("pages", rec.pages.replace("-", "--")),
        ("doi", rec.doi),
        ("pmid", rec.pmid),
        ("pmcid", rec.pmcid),
        ("url", rec.url),
        ("abstract", rec.abstract),
        ("keywords", ", ".join(rec.mesh_terms)),
        ("note", provenance_note(item)),
    ]
    return [(k, _unbrace(v) if k != "author" else v) for k, v in pairs if v]


def to_bibtex(items: Iterable[ExportItem]) -> str:
    """BibTeX text via bibtexparser 2.x: ``@article`` (``@misc`` for trials and preprints)."""
    import bibtexparser
    from bibtexparser.model import Entry, Field

    library, taken = bibtexparser.Library(), set()
    for item in items:
        kind = "article" if ris_type(item.record) == "JOUR" else "misc"
        key = citation_key(item.record, taken)
        library.add(Entry(kind, key, [Field(k, v) for k, v in bibtex_fields(item)]))
    return bibtexparser.write_string(library)
