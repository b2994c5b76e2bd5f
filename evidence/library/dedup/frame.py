"""Records as a de-duplication frame: the columns the matcher reads and the aliases by which files name them."""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from hairmeta.evidence.library.records import Record

# Column aliases accepted in data frames and CSV files (lower-cased) -> canonical name.
COLUMN_ALIASES = {
    "id": "ID",
    "key": "ID",
    "record_id": "ID",
    "recordid": "ID",
    "title": "title",
    "ti": "title",
    "article title": "title",
    "primary_title": "title",
    "author": "author",
    "authors": "author",
    "au": "author",
    "author full names": "author",
    "year": "year",
    "py": "year",
    "publication year": "year",
    "date": "year",
    "journal": "journal",
    "source": "journal",
    "source title": "journal",
    "jo": "journal",
    "journal_name": "journal",
    "secondary_title": "journal",
    "t2": "journal",
    "booktitle": "journal",
    "volume": "volume",
    "vl": "volume",
    "number": "number",
    "issue": "number",
    "is": "number",
    "pages": "pages",
    "page": "pages",
    "pg": "pages",
    "doi": "doi",
    "di": "doi",
    "pmid": "pmid",
    "pubmed id": "pmid",
    "pubmed_id": "pmid",
    "abstract": "abstract",
    "ab": "abstract",
    "entrytype": "ENTRYTYPE",
    "type": "ENTRYTYPE",
    "publication_types": "publication_types",
    "publication type": "publication_types",
}


FIELDS = (
    "ID",
    "title",
    "author",
    "year",
    "journal",
    "volume",
    "number",
    "pages",
    "doi",
    "pmid",
    "abstract",
    "ENTRYTYPE",
    "publication_types",
)


def records_to_frame(records: Sequence[Record], ids: Sequence[object] | None = None) -> pd.DataFrame:
    """Records as a frame with the canonical columns (:data:`FIELDS`)."""
    rows = []
    for position, rec in enumerate(records):
        authors = " and ".join(
            a.collective_name or f"{a.last_name}, {a.initials or a.fore_name}".strip(", ") for a in rec.authors
        )
        rows.append(
            {
                "ID": ids[position] if ids is not None else position,
                "title": rec.title,
                "author": authors,
                "year": str(rec.year or ""),
                "journal": rec.journal or rec.iso_abbreviation,
                "volume": rec.volume,
                "number": rec.issue,
                "pages": rec.pages,
                "doi": rec.doi,
                "pmid": rec.pmid,
                "abstract": rec.abstract,
                "ENTRYTYPE": "",
                "publication_types": "; ".join(rec.publication_types),
            }
        )
    return pd.DataFrame(rows, columns=list(FIELDS))


def standardize_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename known aliases (case-insensitive) to canonical names and add missing columns."""
    renamed = {}
    for column in frame.columns:
        target = COLUMN_ALIASES.get(str(column).strip().lower())
        if target and target not in renamed.values() and target not in frame.columns:
            renamed[column] = target
    out = frame.rename(columns=renamed)
    for column in frame.columns:  # a proceedings paper's venue is its booktitle
        if str(column).strip().lower() == "booktitle" and column not in renamed and "journal" in out.columns:
            journal = out["journal"].fillna("").astype(str)
            out["journal"] = journal.where(journal.str.strip() != "", out[column].fillna("").astype(str))
    for name in FIELDS:
        if name not in out.columns:
            out[name] = ""
    out = out.loc[:, ~out.columns.duplicated()]
    return out[list(FIELDS)].fillna("").astype(str)
