"""Read any export a reviewer brings: the dispatcher over the per-format readers.

:func:`read_file` decodes the bytes (:mod:`hairmeta.extractors.sniff`: BOM, UTF-8, UTF-16,
Windows-1252 fallback; CRLF/CR line ends), recognises the format from the content (the file
name is not trusted; ``fmt`` overrides) and hands the text to one reader:

* RIS (:mod:`~hairmeta.extractors.ris`): Ovid, embase.com, Cochrane CENTRAL, Scopus, Web of
  Science, EBSCO, ProQuest, EndNote, Zotero, Mendeley, Citavi, Rayyan;
* MEDLINE/``.nbib`` (:mod:`~hairmeta.extractors.medline`): PubMed;
* BibTeX (:mod:`~hairmeta.extractors.bibtex`);
* CSV and tab-delimited (:mod:`~hairmeta.extractors.tabular`), Web of Science tab-delimited;
* Web of Science plain text (:mod:`~hairmeta.extractors.wos`);
* EndNote XML (:mod:`~hairmeta.extractors.endnote_xml`).

A record that cannot be read is skipped with one ``file:line: why`` warning and the rest of the
file is imported; only a file that is empty, binary or no known format is refused as a whole
(:class:`~hairmeta.evidence.errors.DataError`, one line).
"""

from __future__ import annotations

import gc
import gzip
from dataclasses import dataclass
from pathlib import Path

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.library.dedup.frame import records_to_frame, standardize_columns
from hairmeta.extractors import sniff
from hairmeta.extractors.bibtex import read_bibtex
from hairmeta.extractors.endnote_xml import read_endnote_xml
from hairmeta.extractors.exportrecord import ParsedFile
from hairmeta.extractors.medline import read_medline
from hairmeta.extractors.ris import read_ris
from hairmeta.extractors.tabular import read_table
from hairmeta.extractors.wos import read_wos

__all__ = ["FORMATS", "ImportReport", "ParsedFile", "import_file", "read_file", "read_text", "records_frame"]

FORMATS = sniff.FORMATS
_ALIASES = {
    "medline": "nbib",
    "pubmed": "nbib",
    "bib": "bibtex",
    "tab": "tsv",
    "txt": "tsv",
    "isi": "wos",
    "ciw": "wos",
    "webofscience": "wos",
    "endnote": "endnote_xml",
    "xml": "endnote_xml",
}
_READERS = {
    "ris": read_ris,
    "nbib": read_medline,
    "bibtex": read_bibtex,
    "csv": lambda text, path, encoding: read_table(text, path, encoding, ","),
    "tsv": lambda text, path, encoding: read_table(text, path, encoding, "\t"),
    "wos": read_wos,
    "endnote_xml": read_endnote_xml,
}
_NAMES = {
    "ris": "RIS",
    "nbib": "MEDLINE",
    "bibtex": "BibTeX",
    "csv": "CSV",
    "tsv": "tab-delimited",
    "wos": "Web of Science plain text",
    "endnote_xml": "EndNote XML",
}


def format_name(fmt: str) -> str:
    """Human name of a format key (``nbib`` -> ``MEDLINE``)."""
    return _NAMES.get(fmt, fmt)


def _raw_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
        return gzip.decompress(raw) if path.suffix.lower() == ".gz" else raw
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f"cannot read: {getattr(exc, 'strerror', None) or exc}", file=str(path)) from exc


def _format(fmt: str | None) -> str | None:
    if fmt is None:
        return None
    key = fmt.strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    if key not in _READERS:
        raise UnknownNameError("file format", fmt, FORMATS)
    return key


def read_text(text: str, path: str = "<text>", fmt: str | None = None, encoding: str = "utf-8") -> ParsedFile:
    """Read decoded text (``\\n`` line ends) of a known or sniffed format."""
    key = _format(fmt) or sniff.detect_format(text)
    if key is None:
        raise DataError(
            "not a known export format (RIS, MEDLINE/nbib, BibTeX, CSV, tab-delimited, "
            "Web of Science plain text, EndNote XML)",
            file=path,
            row=1,
        )
    collecting = gc.isenabled()
    gc.disable()  # a reader allocates many small acyclic objects; collections would only cost time
    try:
        return _READERS[key](text, path, encoding)
    finally:
        if collecting:
            gc.enable()


def read_file(path: str | Path, fmt: str | None = None) -> ParsedFile:
    """Read a whole export file; records that cannot be read are skipped with a warning."""
    path = Path(path)
    raw = _raw_bytes(path)
    if not raw.strip():
        raise DataError("empty file: nothing to import", file=str(path))
    if sniff.looks_binary(raw):
        raise DataError("binary file, not a text export (RIS, MEDLINE, BibTeX, CSV, ...)", file=str(path))
    text, encoding = sniff.decode(raw)
    parsed = read_text(text, str(path), fmt, encoding)
    if not parsed.records:
        if parsed.warnings:
            raise DataError(
                f"no record could be read ({format_name(parsed.format)}); first problem: {parsed.warnings[0]}"
            )
        raise DataError(f"no records found ({format_name(parsed.format)})", file=str(path), row=1)
    return parsed


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
    skipped: int = 0
    encoding: str = "utf-8"

    def summary(self) -> str:
        """The one line every import ends with."""
        fallback = " (fallback: not UTF-8)" if self.encoding == "cp1252" else ""
        return (
            f"{self.file}: {self.records} records read, {self.skipped} skipped; format "
            f"{format_name(self.format)}, encoding {self.encoding}{fallback}; {self.new} new, "
            f"{self.updated} updated, {self.unchanged} already known"
        )


def import_file(
    store, path: str | Path, source: str | None = None, fmt: str | None = None, progress=None
) -> ImportReport:
    """Read a whole file, then store its readable records in ONE transaction.

    ``progress(done, total)`` follows the storing (see ``Store.upsert_records``).

    ``source`` names where the file came from (default ``file:<name>``); each record keeps its
    id in the file as its source id.
    """
    parsed = read_file(path, fmt)
    source = source or f"file:{Path(path).name}"
    counts = store.upsert_records(parsed.records, source=source, source_ids=parsed.source_ids, progress=progress)
    return ImportReport(
        str(path),
        parsed.format,
        source,
        len(parsed.records),
        counts.new,
        counts.updated,
        counts.unchanged,
        parsed.warnings,
        parsed.skipped,
        parsed.encoding,
    )


def records_frame(path: str | Path, fmt: str | None = None):
    """A file as the canonical frame :func:`hairmeta.evidence.library.dedup.find_duplicates` takes.

    A rectangular CSV file whose columns carry the frame's names (``title``, ``author``…, as the
    labelled benchmark sets do) is read as it is, keeping their exact text and ``ID``; any other
    file (ragged rows, a preamble, a vendor's own column names, other formats) goes through the
    reader ``hairmeta import`` uses.
    """
    import pandas as pd

    path = Path(path)
    inner = path.with_suffix("") if path.suffix.lower() == ".gz" else path
    frame = None
    if (fmt or {".csv": "csv", ".tsv": "csv"}.get(inner.suffix.lower())) == "csv":
        sep = "\t" if ".tsv" in path.name else ","
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep)
        except OSError as exc:
            raise DataError(f"cannot read CSV: {exc}", file=str(path)) from exc
        except ValueError:  # ragged rows, a preamble, an odd encoding: the import reader copes
            frame = None
    if frame is not None and frame.empty:
        raise DataError("no records", file=str(path), row=1)
    standard = standardize_columns(frame) if frame is not None else None
    if standard is not None and standard["title"].str.strip().any():  # columns named as the frame's
        if not standard["ID"].str.strip().any():
            standard["ID"] = [f"row{i + 2}" for i in range(len(standard))]
        return standard
    parsed = read_file(path, fmt)
    return records_to_frame(parsed.records, parsed.source_ids)
