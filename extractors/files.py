"""Readers for the files reviewers export: RIS, PubMed MEDLINE (``.nbib``), BibTeX and CSV.

Each reader parses and validates the WHOLE file before anything is stored, and turns it into
:class:`~hairmeta.evidence.library.records.Record` objects plus the file's own identifier for each record
(RIS ``ID``/``AN``, the BibTeX key, the CSV ``ID`` column, the PMID).  A problem raises
:class:`~evidence.errors.DataError` naming the file, the line and the field; :func:`import_file`
then stores nothing.  Formats:

* RIS (Embase/Ovid, Scopus, Web of Science, Cochrane CENTRAL): ``TY  - `` … ``ER  - `` blocks.
* MEDLINE/NBIB (PubMed "Save > PubMed format"): read with Biopython's ``Bio.Medline``.
* BibTeX: read with bibtexparser 2.
* CSV: common column names (:data:`hairmeta.evidence.library.dedup.COLUMN_ALIASES`), including the
  BibTeX-style columns of the labelled de-duplication sets (``ID, author, title, year…``).
"""

from __future__ import annotations

import csv
import io
import re
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.library import normalize as nz
from hairmeta.evidence.library.dedup.frame import COLUMN_ALIASES, records_to_frame, standardize_columns
from hairmeta.evidence.library.records import Author, Record, strip_markup

FORMATS = ("ris", "nbib", "bibtex", "csv")
_EXTENSIONS = {
    ".ris": "ris",
    ".nbib": "nbib",
    ".medline": "nbib",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".csv": "csv",
    ".tsv": "csv",
}
_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_MEDLINE_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *- (.*)$")


@dataclass(frozen=True)
class ParsedFile:
    """A whole file read and validated: its records and each record's id in the file."""

    path: str
    format: str
    records: tuple[Record, ...]
    source_ids: tuple[str, ...]
    warnings: tuple[str, ...] = ()


# ----------------------------------------------------------------------------- shared helpers


def _authors(names: list[tuple[str, str]]) -> tuple[Author, ...]:
    out = []
    for surname, given in names:
        if not given and len(surname.split()) > 2:  # "PRP Study Group": a collective
            out.append(Author(collective_name=surname))
            continue
        initials = nz.initials_of(given)
        fore = given if not re.fullmatch(r"[A-Z.\s\-]+", given) else ""
        out.append(Author(last_name=surname, fore_name=fore.strip(), initials=initials))
    return tuple(out)


def _year(value: str, path: str, line: int, field: str) -> int | None:
    if not value.strip():
        return None
    year = nz.normalize_year(value)
    if year is None:
        raise DataError(f"no four-digit year in {value.strip()!r}", file=path, row=line, field=field)
    return year


def _title(value: str) -> tuple[str, bool]:
    """Title without translation brackets or ``[Chinese]``-style notes; True if translated."""
    text = strip_markup(value)
    translated = text.startswith("[") or bool(nz.strip_translation(text) != text.strip())
    return nz.strip_translation(text), translated


def _pages(start: str, end: str = "") -> str:
    start, end = start.strip(), end.strip()
    return f"{start}-{end}" if start and end and end != start else start


#: Problems that do not stop an import (a malformed DOI in one record of an export): collected
#: by :func:`read_file` for the record that has them, which is kept without the bad value.
_WARNINGS: ContextVar[list[str] | None] = ContextVar("hairmeta_import_warnings", default=None)


def _warn(message: str) -> None:
    collected = _WARNINGS.get()
    if collected is not None:
        collected.append(message)


def make_record(fields: dict[str, str], path: str, line: int, authors: tuple[Author, ...] | None = None) -> Record:
    """A Record from canonical field names (``title, author, year, journal, volume, number,
    pages, doi, pmid, abstract, publication_types``); ``line`` locates errors."""
    title, translated = _title(fields.get("title", ""))
    if authors is None:
        authors = _authors(nz.parse_author_names(fields.get("author", "")))
    raw_doi = fields.get("doi", "")
    doi = nz.normalize_doi(raw_doi)
    if raw_doi.strip() and not doi and "10." in raw_doi:
        _warn(f"{path}:{line}:doi: not a DOI, record kept without it: {raw_doi.strip()!r}")
    pmid = fields.get("pmid", "").strip()
    if pmid and not pmid.isdigit():
        raise DataError(f"a PMID is a number, got {pmid!r}", file=path, row=line, field="pmid")
    ptypes = tuple(p.strip() for p in fields.get("publication_types", "").split(";") if p.strip())
    return Record(
        pmid=pmid,
        doi=doi,
        title=title,
        title_translated=translated,
        abstract=strip_markup(fields.get("abstract", "")),
        authors=authors,
        journal=strip_markup(fields.get("journal", "")),
        year=_year(fields.get("year", ""), path, line, "year"),
        volume=fields.get("volume", "").strip(),
        issue=fields.get("number", "").strip(),
        pages=fields.get("pages", "").strip(),
        publication_types=ptypes,
        url=fields.get("url", "").strip(),
    )


def _require_content(record: Record, path: str, line: int) -> None:
    """A record without title, PMID or DOI is kept, with a warning: exports do carry such
    records (shared/dedup/haematology's last row has only an issue date), a review must count
    every record it identified, and refusing the whole file would leave the user stuck."""
    if not (record.title or record.pmid or record.doi):
        _warn(f"{path}:{line}:title: no title, PMID or DOI; kept as it is (check it by hand)")


# ----------------------------------------------------------------------------- RIS

_RIS_FIELDS = {
    "TI": "title",
    "T1": "title",
    "CT": "title",
    "BT": "title",
    "T2": "journal",
    "JO": "journal",
    "JF": "journal",
    "JA": "journal",
    "J2": "journal_abbrev",
    "PY": "year",
    "Y1": "year",
    "DA": "date",
    "VL": "volume",
    "IS": "number",
    "SP": "start",
    "EP": "end",
    "DO": "doi",
    "AB": "abstract",
    "N2": "abstract",
    "UR": "url",
    "ID": "id",
    "AN": "an",
    "M3": "kind",
}
_RIS_AUTHORS = ("AU", "A1", "A2")


def parse_ris(text: str, path: str = "<ris>") -> ParsedFile:
    """Parse RIS text; every record must open with ``TY`` and close with ``ER``."""
    records, ids, current, start, last_tag = [], [], None, 0, None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n").lstrip("\ufeff")
        if not line.strip():
            continue
        match = _RIS_LINE.match(line)
        if match is None:
            if current is None or last_tag is None:
                raise DataError(f"not a RIS line: {line[:40]!r}", file=path, row=number)
            current[last_tag][-1] += " " + line.strip()  # continuation of the previous tag
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if current is not None:
                raise DataError("record not closed with ER before the next TY", file=path, row=number, field="ER")
            current, start, last_tag = {"TY": [value]}, number, "TY"
        elif current is None:
            raise DataError(f"{tag} outside a record (expected TY first)", file=path, row=number, field=tag)
        elif tag == "ER":
            record, ident = _ris_record(current, path, start)
            records.append(record)
            ids.append(ident or f"line{start}")
            current, last_tag = None, None
        else:
            current.setdefault(tag, []).append(value)
            last_tag = tag
    if current is not None:
        raise DataError("last record not closed with ER", file=path, row=start, field="ER")
    return ParsedFile(path, "ris", tuple(records), tuple(ids))


def _ris_record(tags: dict[str, list[str]], path: str, line: int) -> tuple[Record, str]:
    fields: dict[str, str] = {}
    for tag, values in tags.items():
        name = _RIS_FIELDS.get(tag)
        if name and name not in fields:
            fields[name] = values[0]
    fields.setdefault("journal", fields.get("journal_abbrev", ""))
    if not fields.get("year") and fields.get("date"):
        fields["year"] = fields["date"]
    fields["pages"] = _pages(fields.get("start", ""), fields.get("end", ""))
    names = [nz.surname_given(a) for tag in _RIS_AUTHORS for a in tags.get(tag, [])]
    if tags.get("TY", [""])[0].upper() in ("PRE", "PREPRINT") or fields.get("kind") == "Preprint":
        fields["publication_types"] = "Preprint"
    pmid = next((v for v in tags.get("AN", []) + tags.get("ID", []) if v.isdigit()), "")
    fields["pmid"] = pmid if tags.get("DB", [""])[0].lower().startswith(("pubmed", "medline")) else ""
    record = make_record(fields, path, line, authors=_authors(names) if names else None)
    _require_content(record, path, line)
    return record, fields.get("id") or fields.get("an") or ""


# ----------------------------------------------------------------------------- MEDLINE / NBIB


def parse_nbib(text: str, path: str = "<nbib>") -> ParsedFile:
    """Parse PubMed's MEDLINE format (Biopython ``Bio.Medline``) with line-numbered checks."""
    from Bio import Medline

    starts = _medline_starts(text, path)
    parsed = list(Medline.parse(io.StringIO(text)))
    if len(parsed) != len(starts):
        raise DataError(
            f"found {len(starts)} record starts but parsed {len(parsed)} records",
            file=path,
            row=starts[-1] if starts else 1,
        )
    records, ids = [], []
    for line, entry in zip(starts, parsed):
        record = _medline_record(entry, path, line)
        _require_content(record, path, line)
        records.append(record)
        ids.append(record.pmid or f"line{line}")
    return ParsedFile(path, "nbib", tuple(records), tuple(ids))


def _medline_starts(text: str, path: str) -> list[int]:
    """First line of every record; a line that is neither a tag nor a continuation fails."""
    starts, in_record = [], False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.lstrip("\ufeff")
        if not line.strip():
            in_record = False
            continue
        if line.startswith("      ") and in_record:
            continue
        if not _MEDLINE_LINE.match(line):
            raise DataError(f"not a MEDLINE line: {line[:40]!r}", file=path, row=number)
        if not in_record:
            starts.append(number)
            in_record = True
    return starts


def _medline_record(entry: dict, path: str, line: int) -> Record:
    doi = next((v for v in entry.get("AID", []) + [entry.get("LID", "")] if "[doi]" in v), "")
    names = [_split_medline_name(a) for a in entry.get("FAU", entry.get("AU", []))]
    fields = {
        "title": entry.get("TI", ""),
        "abstract": entry.get("AB", ""),
        "journal": entry.get("JT", entry.get("TA", "")),
        "year": entry.get("DP", ""),
        "volume": entry.get("VI", ""),
        "number": entry.get("IP", ""),
        "pages": entry.get("PG", ""),
        "doi": doi.replace("[doi]", ""),
        "pmid": entry.get("PMID", ""),
        "publication_types": "; ".join(entry.get("PT", [])),
    }
    record = make_record(fields, path, line, authors=_authors(names))
    return record.with_changes(
        iso_abbreviation=entry.get("TA", ""),
        languages=tuple(entry.get("LA", [])),
        mesh_terms=tuple(entry.get("MH", [])),
        pmcid=entry.get("PMC", ""),
    )


def _split_medline_name(name: str) -> tuple[str, str]:
    """``"Smith, John A"`` (FAU) or ``"Smith JA"`` (AU) -> (surname, given)."""
    return nz.surname_given(name)


# ----------------------------------------------------------------------------- BibTeX


def parse_bibtex(text: str, path: str = "<bibtex>") -> ParsedFile:
    """Parse BibTeX with bibtexparser 2; a block it cannot read is a DataError at its line."""
    import logging

    import bibtexparser

    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # its warnings would repeat our one-line error
    try:
        library = bibtexparser.parse_string(text)
    finally:
        logger.setLevel(level)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        line = (getattr(block, "start_line", 0) or 0) + 1
        error = getattr(block, "error", None)
        detail = (str(error).strip().splitlines() or [type(error).__name__])[0][:80]
        opening = (block.raw or "").strip().splitlines()[0][:40] if block.raw else ""
        raise DataError(f"cannot parse BibTeX entry {opening!r} ({detail})", file=path, row=line)
    records, ids = [], []
    for entry in library.entries:
        line = (entry.start_line or 0) + 1
        fields = {k.lower(): _unbrace(str(f.value)) for k, f in entry.fields_dict.items()}
        fields.setdefault("journal", fields.get("booktitle", ""))
        fields.setdefault("number", fields.get("issue", ""))
        fields["pages"] = fields.get("pages", "").replace("--", "-")
        record = make_record(fields, path, line)
        _require_content(record, path, line)
        records.append(record)
        ids.append(entry.key)
    return ParsedFile(path, "bibtex", tuple(records), tuple(ids))


def _unbrace(value: str) -> str:
    return re.sub(r"\s+", " ", value.replace("{", "").replace("}", "")).strip()


# ----------------------------------------------------------------------------- CSV


def parse_csv(text: str, path: str = "<csv>") -> ParsedFile:
    """Parse CSV (or TSV) with common column names; line numbers count the header as 1."""

    dialect = "excel-tab" if text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",") else "excel"
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), dialect=dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise DataError("empty file: no header row", file=path, row=1) from None
    columns = [COLUMN_ALIASES.get(h.strip().lower(), h.strip()) for h in header]
    if "title" not in columns and "doi" not in columns and "pmid" not in columns:
        raise DataError(
            "no title, doi or pmid column (found: " + ", ".join(header) + ")", file=path, row=1, field="title"
        )
    records, ids = [], []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(f"{len(row)} cells, header has {len(header)}", file=path, row=line)
        fields: dict[str, str] = {}
        for name, cell in zip(columns, row):
            fields.setdefault(name, cell)
        record = make_record(fields, path, line)
        _require_content(record, path, line)
        records.append(record)
        ids.append(fields.get("ID") or f"row{line}")
    return ParsedFile(path, "csv", tuple(records), tuple(ids))


# ----------------------------------------------------------------------------- entry points

_PARSERS = {"ris": parse_ris, "nbib": parse_nbib, "bibtex": parse_bibtex, "csv": parse_csv}


def detect_format(path: Path, text: str) -> str:
    """Format from the extension, else from the first non-blank line."""
    by_ext = _EXTENSIONS.get(path.suffix.lower())
    if by_ext:
        return by_ext
    head = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if head.startswith("TY  -"):
        return "ris"
    if head.startswith("PMID-"):
        return "nbib"
    if head.startswith("@"):
        return "bibtex"
    return "csv"


def read_file(path: str | Path, fmt: str | None = None) -> ParsedFile:
    """Read and validate a whole export file (nothing is stored)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if path.suffix.lower() == ".gz":
            import gzip

            raw = gzip.decompress(raw)
            path_for_type = path.with_suffix("")
        else:
            path_for_type = path
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read: {getattr(exc, 'strerror', None) or exc}", file=str(path)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    fmt = (fmt or detect_format(path_for_type, text)).lower()
    if fmt not in _PARSERS:
        raise UnknownNameError("file format", fmt, FORMATS)
    collected: list[str] = []
    token = _WARNINGS.set(collected)
    try:
        parsed = _PARSERS[fmt](text, str(path))
    finally:
        _WARNINGS.reset(token)
    if not parsed.records:
        raise DataError(f"no records found ({fmt})", file=str(path), row=1)
    return replace(parsed, warnings=tuple(collected))


@dataclass(frozen=True)
class ImportReport:
    """What ``hairmeta import`` did with one file."""

    file: str
    format: str
    source: str
    records: int
    new: int
    updated: int
    unchanged: int
    warnings: tuple[str, ...] = ()


def import_file(store, path: str | Path, source: str | None = None, fmt: str | None = None) -> ImportReport:
    """Read a whole file, then store all its records in ONE transaction (all or nothing).

    ``source`` names where the file came from (default ``file:<name>``); each record keeps its
    id in the file as its source id.
    """
    parsed = read_file(path, fmt)
    source = source or f"file:{Path(path).name}"
    counts = store.upsert_records(parsed.records, source=source, source_ids=parsed.source_ids)
    return ImportReport(
        str(path),
        parsed.format,
        source,
        len(parsed.records),
        counts.new,
        counts.updated,
        counts.unchanged,
        parsed.warnings,
    )


def records_frame(path: str | Path, fmt: str | None = None):
    """A file as the canonical frame :func:`hairmeta.evidence.library.dedup.find_duplicates` takes.

    CSV files are read as they are (so the benchmark's BibTeX-style columns keep their exact
    text and ``ID``); other formats go through their reader.
    """
    import pandas as pd

    path = Path(path)
    inner = path.with_suffix("") if path.suffix.lower() == ".gz" else path
    if (fmt or _EXTENSIONS.get(inner.suffix.lower())) == "csv":
        sep = "\t" if ".tsv" in path.name else ","
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep)
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot read CSV: {exc}", file=str(path)) from exc
        if frame.empty:
            raise DataError("no records", file=str(path), row=1)
        standard = standardize_columns(frame)
        if not standard["ID"].str.strip().any():
            standard["ID"] = [f"row{i + 2}" for i in range(len(standard))]
        return standard
    parsed = read_file(path, fmt)
    return records_to_frame(parsed.records, parsed.source_ids)
