"""CSV and tab-delimited exports: Scopus, embase.com, Cochrane CENTRAL, PubMed, EBSCO, Zotero,
Citavi, Web of Science tab-delimited, Excel CSV, and the BibTeX-style columns of the labelled
de-duplication sets.

Accepted as the databases write them: preamble rows before the header (embase.com writes the
search query, a line of dashes and a blank line first; the header is the first row naming at
least two known columns); ragged rows (extra empty cells, or one cell more than the header as
in a Scopus layout; missing trailing cells); quoted cells with embedded newlines (CSV); no
quoting at all and a trailing tab on every row (Web of Science tab-delimited, read with its
two-letter column tags ``PT AU TI SO PY VL IS BP EP DI PM UT AB``).  Scopus old and new layouts
(``Authors``/``Author full names``, ``Source title``, ``Art. No.``, ``Page start``/``Page end``,
``Link``, ``PubMed ID``) and embase.com's ``Source`` citation string
(``Journal (2014) 3:3 (152-160)``) are mapped onto the canonical fields.
"""

from __future__ import annotations

import csv
import re
import sys

from hairmeta.evidence.library.dedup.frame import COLUMN_ALIASES
from hairmeta.extractors.exportrecord import ParsedFile, RawEntry, build_records

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

#: Web of Science field tags (Clarivate, "Web of Science Core Collection Field Tags").
WOS_TAGS = {
    "TI": "title",
    "SO": "journal",
    "J9": "journal_abbrev",
    "PY": "year",
    "VL": "volume",
    "IS": "issue",
    "BP": "start",
    "EP": "end",
    "AR": "article_number",
    "DI": "doi",
    "PM": "pmid",
    "AB": "abstract",
    "UT": "id",
    "DL": "url",
    "DT": "publication_types",
}

#: Header names (lower case) of the exporters' CSV/TSV layouts -> canonical field.
COLUMNS = {
    "title": "title",
    "article title": "title",
    "document title": "title",
    "title primary": "title",
    "item title": "title",  # Springer Link
    "authors": "author",
    "author": "author",
    "author names": "author",
    "author(s)": "author",
    "authors, primary": "author",
    "author full names": "author_full",
    "year": "year",
    "publication year": "year",
    "pub year": "year",
    "publication date": "date",
    "date": "date",
    "source title": "journal",
    "journal": "journal",
    "journal title": "journal",
    "journal/book": "journal",
    "publication title": "journal",
    "publication": "journal",
    "periodical full": "journal",
    "secondary title": "journal",
    "source": "source",
    "abbreviated source title": "journal_abbrev",
    "journal abbreviation": "journal_abbrev",
    "periodical abbrev": "journal_abbrev",
    "volume": "volume",
    "journal volume": "volume",  # Springer Link
    "issue": "issue",
    "journal issue": "issue",
    "number": "issue",
    "pages": "pages",
    "other pages": "pages",
    "page start": "start",
    "start page": "start",  # IEEE Xplore
    "first page": "start",
    "page end": "end",
    "end page": "end",
    "last page": "end",
    "art. no.": "article_number",
    "doi": "doi",
    "item doi": "doi",
    "pmid": "pmid",
    "pubmed id": "pmid",
    "medline pmid": "pmid",
    "abstract": "abstract",
    "abstract note": "abstract",
    "link": "url",
    "url": "url",
    "citation": "citation",
    "document type": "publication_types",
    "publication type": "publication_types",
    "content type": "publication_types",
    "central id": "id",
    "eid": "id",
    "key": "id",
    "id": "id",
    "accession number": "id",
    "pui": "id",
    "reference id": "id",
}
_KNOWN = set(COLUMNS) | {k.lower() for k in COLUMN_ALIASES}
_PUBMED_CITATION = re.compile(r";(?P<volume>[^():;]+)(?:\((?P<issue>[^)]*)\))?(?::(?P<pages>[^.;\s]+))?")
_EMBASE_SOURCE = re.compile(
    r"^(?P<journal>.*?)\s*\((?P<year>\d{4})\)\s*(?:(?P<volume>[A-Za-z0-9-]+)(?::(?P<issue>[A-Za-z0-9-]+))?)?"
    r"\s*(?:\((?P<pages>[^)]*)\))?"
)


def read_table(text: str, path: str = "<csv>", encoding: str = "utf-8", delimiter: str | None = None) -> ParsedFile:
    """Records of CSV or tab-delimited text (decoded, ``\\n`` line ends)."""
    if delimiter is None:
        delimiter = _delimiter(text)
    fmt = "tsv" if delimiter == "\t" else "csv"
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(text.split("\n") if delimiter == "\t" else _lines(text), delimiter=delimiter, quoting=quoting)
    header, header_line = _header(reader)
    if header is None:
        return ParsedFile(
            path, fmt, (), (), (f"{path}:1: no header row naming a title, author, DOI or PMID column",), 0, encoding
        )
    wos = sum(h in WOS_TAGS or h in ("AU", "AF", "PT") for h in header) >= 5
    names = [_canonical(h, wos) for h in header]
    entries: list[RawEntry] = []
    warnings: list[str] = []
    previous = reader.line_num
    for row in reader:
        line, previous = previous + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]) and len(row) > len(header) + 1:
            warnings.append(f"{path}:{line}: {len(row)} cells, header has {len(header)}; extra cells ignored")
        fields: dict[str, str] = {}
        for name, cell in zip(names, row):
            if name and cell.strip() and name not in fields:
                fields[name] = cell.strip()
        entries.append(_entry(fields, line, wos))
    return build_records(entries, path, fmt, encoding, warnings)


def _lines(text: str):
    for line in text.split("\n"):
        yield line + "\n"


def _delimiter(text: str) -> str:
    for line in text.split("\n", 30)[:30]:
        if line.count("\t") >= 2 and line.count("\t") >= line.count(","):
            return "\t"
        if line.count(",") >= 2:
            return ","
    return ","


def _header(reader) -> tuple[list[str] | None, int]:
    for _ in range(30):
        try:
            row = next(reader)
        except StopIteration:
            return None, 0
        cleaned = [cell.strip().strip('"').strip() for cell in row]
        lowered = [cell.lower() for cell in cleaned]
        if sum(cell in _KNOWN for cell in lowered) >= 2 or sum(c in WOS_TAGS for c in cleaned) >= 4:
            return cleaned, reader.line_num
    return None, 0


def _canonical(header: str, wos: bool) -> str:
    if wos:
        if header in WOS_TAGS:
            return WOS_TAGS[header]
        return {"AU": "author", "AF": "author_full"}.get(header, "")
    lowered = header.lower()
    if lowered in COLUMNS:
        return COLUMNS[lowered]
    alias = COLUMN_ALIASES.get(lowered)
    if alias:
        return {"number": "issue", "ID": "id"}.get(alias, alias)
    return ""


_SURNAME_INITIALS = re.compile(r"^\s*[^,;]+?\s(?:[A-Z]\.?-?){1,4}\s*$")


def _split_authors(text: str, full: bool) -> list[str]:
    if ";" in text:
        parts = text.split(";")
    elif "," in text and all(_SURNAME_INITIALS.match(p) for p in text.split(",")):
        parts = text.split(",")  # embase.com / Scopus old layout: "Liu R., Adler D.G."
    elif full:
        parts = [text]
    else:
        return []
    names = []
    for part in parts:
        part = re.sub(r"\s*\(\d+\)\s*$", "", part).strip()  # Scopus author ids
        part = re.sub(r",\s*null\s*$", "", part)  # Citavi's empty first name
        if part:
            names.append(part)
    return names


def _entry(fields: dict[str, str], line: int, wos: bool) -> RawEntry:
    fields = {k: v.strip('="') if v.startswith('="') else v for k, v in fields.items()}  # Excel ="text" cells
    authors = _split_authors(fields.get("author", ""), False)
    if not authors and fields.get("author_full") and not fields.get("author"):
        authors = _split_authors(fields["author_full"], True)
    if "year" not in fields and "date" in fields:
        fields["year"] = fields["date"]
    source = fields.get("source", "")
    if source and source.lower() not in ("scopus", "embase", "medline"):
        match = _EMBASE_SOURCE.match(source)
        if match:
            for name in ("journal", "year", "volume", "issue", "pages"):
                if match.group(name) and not fields.get(name):
                    fields[name] = match.group(name).strip()
        elif not fields.get("journal"):
            fields["journal"] = source
    citation = _PUBMED_CITATION.search(fields.get("citation", ""))
    if citation:  # PubMed CSV: "Eur J Med Genet. 2020 Feb;63(2):103640. doi: ..."
        for name in ("volume", "issue", "pages"):
            if citation.group(name) and not fields.get(name):
                fields[name] = citation.group(name)
    if not fields.get("start") and not fields.get("pages") and fields.get("article_number"):
        fields["pages"] = fields["article_number"]
    pmid = fields.get("pmid", "")
    if pmid:
        match = re.search(r"\d+", pmid)
        fields["pmid"] = match.group(0) if match else ""
    ident = fields.get("id", "")
    return RawEntry(line=line, fields=fields, authors=authors, source_id=ident)
