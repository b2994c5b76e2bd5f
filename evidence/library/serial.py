"""Records as the library stores them: JSON (the full record), the indexed columns, and the rules
by which a newly fetched record updates a stored one or is kept apart from it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from hairmeta.evidence.library.records import Author, Link, Record


def record_to_json(record: Record) -> str:
    """The full record as compact, key-sorted JSON (stable, so equal records compare equal).

    Same content as ``Record.to_dict`` but built directly (``dataclasses.asdict`` deep-copies
    and was the slowest step of storing a batch).
    """
    plain = {
        **vars(record),
        "authors": [vars(a) for a in record.authors],
        "links": [vars(link) for link in record.links],
    }
    return json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def record_from_json(text: str) -> Record:
    """Inverse of :func:`record_to_json`; unknown keys (from a newer writer) are ignored."""
    raw = json.loads(text)
    known = set(Record.__dataclass_fields__)
    data = {k: v for k, v in raw.items() if k in known}
    data["authors"] = tuple(Author(**a) for a in data.get("authors", ()))
    data["links"] = tuple(Link(**link) for link in data.get("links", ()))
    data["source_ids"] = tuple(tuple(p) for p in data.get("source_ids", ()))
    for name in ("publication_types", "mesh_terms", "languages"):
        data[name] = tuple(data.get(name, ()))
    return Record(**data)


def merge_records(old: Record, new: Record) -> Record:
    """The stored form of ``new`` arriving for an existing ``old`` record.

    The incoming record wins field by field where it has a value, unless ``old`` carries a PMID
    and ``new`` does not (a PubMed record is not overwritten by a hand entry or a DOI-only
    source); either way empty fields are filled from the other record and ``source_ids`` united.
    """
    primary, secondary = (old, new) if (old.pmid and not new.pmid) else (new, old)
    changes = {}
    for name in Record.__dataclass_fields__:
        value = getattr(primary, name)
        if value in ("", None, ()) and getattr(secondary, name) not in ("", None, ()):
            changes[name] = getattr(secondary, name)
    ids = tuple(dict.fromkeys(primary.source_ids + secondary.source_ids))
    if ids != primary.source_ids:
        changes["source_ids"] = ids
    return primary.with_changes(**changes) if changes else primary


def stored_columns(record: Record) -> dict:
    """The ``records`` table's columns for ``record``: identity key, identifiers, the indexed
    citation fields and ``data``, the full record as :func:`record_to_json`."""
    first = record.authors[0].display() if record.authors else ""
    return {
        "key": record.key(),
        "pmid": record.pmid or None,
        "doi": record.doi or None,
        "pmcid": record.pmcid or None,
        "title": record.title,
        "year": record.year,
        "journal": record.journal,
        "first_author": first,
        "data": record_to_json(record),
    }


class StoredRecords(Sequence[Record]):
    """Records held as their library columns (:func:`stored_columns`), each decoded from its JSON
    only when read.

    A PubMed parse worker sends a batch back in this form: half the bytes of Records and their
    columns together, and :meth:`~hairmeta.evidence.library.store.Store.upsert_records` takes the
    columns as they are, decoding no record for a batch that is all new.
    """

    __slots__ = ("columns",)

    def __init__(self, columns: list[dict]) -> None:
        self.columns = columns

    @classmethod
    def of(cls, records: Iterable[Record]) -> StoredRecords:
        """``records`` with their columns computed now."""
        return cls([stored_columns(record) for record in records])

    def __len__(self) -> int:
        return len(self.columns)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return StoredRecords(self.columns[index])
        return record_from_json(self.columns[index]["data"])

    def __reduce__(self):
        return (StoredRecords, (self.columns,))


def _first_page(pages: str) -> str:
    return pages.split("-")[0].strip().lstrip("0").lower() if pages else ""


def _plain_title(title: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in title.casefold()).split())


def citation_conflict(a: Record, b: Record, *, titles: bool = True) -> bool:
    """True when two records that share a DOI are plainly different works.

    Exports carry DOIs shared by many records (a journal supplement's DOI, a truncated
    ``10.1016/s0022``): shared/dedup/cardiac has 42 such groups.  Two records conflict when both
    give a first page and the pages differ, or both give a title and the titles are not
    nearly the same text (rapidfuzz ratio < 85 after folding case and punctuation; not
    checked with ``titles=False``, used when either record is PubMed's own).  A
    translated title of the same work also "conflicts": it is then kept apart here and left to
    ``hairmeta.evidence.library.dedup``, which decides with every field and can be undone.
    """
    from rapidfuzz import fuzz

    pa, pb = _first_page(a.pages), _first_page(b.pages)
    if pa and pb and pa != pb:
        return True
    ta, tb = _plain_title(a.title), _plain_title(b.title)
    return titles and bool(ta and tb) and fuzz.ratio(ta, tb) < 85


def _conflicts(stored: Record, record: Record) -> bool:
    return citation_conflict(stored, record, titles=not (record.pmid or stored.pmid))


def _free_key(conn: sqlite3.Connection, record: Record) -> str:
    """``record.key()``, or, when another work holds that DOI key, the key plus a content hash."""
    key = record.key()
    if conn.execute("SELECT 1 FROM records WHERE key = ?", (key,)).fetchone() is None:
        return key
    return f"{key}|{record.with_changes(doi='', pmid='').key()}"
