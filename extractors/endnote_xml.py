"""EndNote XML (``<xml><records><record>``), read with a real XML parser (the standard library's
``xml.etree.ElementTree``; the file is local user data, and expat does not fetch external
entities).

Layout (EndNote's ``RSXML.dtd``): each ``<record>`` holds ``<contributors><authors><author>``,
``<titles><title>``/``<secondary-title>``, ``<periodical><full-title>``, ``<dates><year>``,
``<volume>``, ``<number>``, ``<pages>``, ``<electronic-resource-num>`` (DOI),
``<accession-num>``, ``<abstract>`` and ``<urls>``; values are wrapped in ``<style>`` elements
(possibly several per value), and multi-value fields may be separated by carriage-return
entities (``&#xD;``).  A whole file may be one line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hairmeta.extractors.exportrecord import ParsedFile, RawEntry, build_records

_SPACE = re.compile(r"\s+")


def read_endnote_xml(text: str, path: str = "<xml>", encoding: str = "utf-8") -> ParsedFile:
    """Records of an EndNote XML export (decoded text)."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text.lstrip("\ufeff"))
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 1
        return ParsedFile(path, "endnote_xml", (), (), (f"{path}:{line}: not well-formed XML ({exc})",), 1, encoding)
    lines = _record_lines(text)
    entries = [_entry(record, lines[i] if i < len(lines) else 1) for i, record in enumerate(root.iter("record"))]
    return build_records(entries, path, "endnote_xml", encoding)


def _record_lines(text: str) -> list[int]:
    return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<record>", text)]


def _text(element: ET.Element | None) -> str:
    if element is None:
        return ""
    return _SPACE.sub(" ", "".join(element.itertext())).strip()


def _values(element: ET.Element | None) -> list[str]:
    if element is None:
        return []
    raw = "".join(element.itertext())
    return [_SPACE.sub(" ", v).strip() for v in re.split(r"[\r\n]+(?=\S)", raw) if v.strip()]


def _entry(record: ET.Element, line: int) -> RawEntry:
    authors = [_text(a) for a in record.findall("./contributors/authors/author")]
    find = record.find
    journal = _text(find("./periodical/full-title")) or _text(find("./titles/secondary-title"))
    abbrev = _text(find("./periodical/abbr-1")) or _text(find("./alt-periodical/abbr-1"))
    year = _text(find("./dates/year")) or _text(find("./dates/pub-dates/date"))
    accession = _text(find("accession-num"))
    urls = [_text(u) for u in record.findall("./urls/related-urls/url")]
    database = _text(find("remote-database-name")) + " " + _text(find("remote-database-provider"))
    fields = {
        "title": _text(find("./titles/title")),
        "journal": journal,
        "journal_abbrev": abbrev,
        "year": year,
        "volume": _text(find("volume")),
        "issue": _text(find("number")),
        "pages": _text(find("pages")),
        "doi": _text(find("electronic-resource-num")),
        "abstract": _text(find("abstract")),
        "url": urls[0] if urls else "",
    }
    if accession.isdigit() and (re.search(r"(?i)pubmed|medline|nlm", database) or any("pubmed" in u for u in urls)):
        fields["pmid"] = accession
    ident = _text(find("rec-number")) or accession
    return RawEntry(line=line, fields=fields, authors=[a for a in authors if a], source_id=ident)
