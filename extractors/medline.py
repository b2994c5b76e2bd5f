"""PubMed's MEDLINE / ``.nbib`` format, read line by line and tolerantly.

Format (NLM, "MEDLINE/PubMed Data Element (Field) Descriptions"): ``TAG - value`` with the tag
left-aligned and padded to four characters, continuation lines indented by six spaces,
records separated by a blank line.  Accepted as exporters write it: leading blank lines, CRLF,
old and new tag sets (``AU``/``FAU``, ``AID``/``LID``, ``JT``/``TA``), records without ``AB``,
a ``PMID-`` starting a new record without a blank line before it.  A line that is neither a
tag nor a continuation is reported with its line number and skipped; the record is kept.
"""

from __future__ import annotations

import re

from hairmeta.extractors.exportrecord import ParsedFile, RawEntry, build_records

_TAG = re.compile(r"^([A-Z][A-Z0-9]{0,3})\s*- ?(.*)$")
_DOI_LINK = re.compile(r"(?i)^https?://(?:dx\.)?doi\.org/10\.\d{4,9}/\S+$")


def read_medline(text: str, path: str = "<nbib>", encoding: str = "utf-8") -> ParsedFile:
    """Records of MEDLINE text (decoded, ``\\n`` line ends)."""
    entries: list[RawEntry] = []
    warnings: list[str] = []
    tags: dict[str, list[str]] = {}
    start, last = 0, ""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            if tags:
                entries.append(_entry(tags, start))
                tags, last = {}, ""
            continue
        if line[0] == " " and last:
            tags[last][-1] += " " + line.strip()
            continue
        match = _TAG.match(line)
        if match is None:
            warnings.append(f"{path}:{number}: not a MEDLINE line, ignored: {line.strip()[:40]!r}")
            continue
        tag, value = match.group(1), match.group(2).strip()
        if tag == "PMID" and "PMID" in tags:
            entries.append(_entry(tags, start))
            tags = {}
        if not tags:
            start = number
        tags.setdefault(tag, []).append(value)
        last = tag
    if tags:
        entries.append(_entry(tags, start))
    return build_records(entries, path, "nbib", encoding, warnings)


def _first(tags: dict[str, list[str]], *names: str) -> str:
    for name in names:
        values = tags.get(name)
        if values and values[0]:
            return values[0]
    return ""


def _doi(tags: dict[str, list[str]]) -> str:
    """``AID``/``LID`` marked ``[doi]`` (NLM), else one written as a DOI link (ERIC's nbib:
    ``AID - http://dx.doi.org/10.1000/123``)."""
    values = tags.get("AID", []) + tags.get("LID", [])
    for value in values:
        if "[doi]" in value:
            return value.replace("[doi]", "").strip()
    for value in values:
        if _DOI_LINK.match(value.strip()):
            return value.strip()
    return ""


def _entry(tags: dict[str, list[str]], line: int) -> RawEntry:
    authors = tags.get("FAU") or tags.get("AU") or []
    fields = {
        "title": _first(tags, "TI", "BTI"),
        "abstract": " ".join(tags.get("AB", [])),
        "journal": _first(tags, "JT", "TA", "SO"),
        "journal_abbrev": _first(tags, "TA"),
        "year": _first(tags, "DP", "DEP", "EDAT"),
        "volume": _first(tags, "VI"),
        "issue": _first(tags, "IP"),
        "pages": _first(tags, "PG"),
        "doi": _doi(tags),
        "pmid": _first(tags, "PMID"),
        "publication_types": "; ".join(tags.get("PT", [])),
    }
    ident = fields["pmid"] or _first(tags, "AN", "OID")
    extra = {
        "languages": tuple(tags.get("LA", [])),
        "mesh_terms": tuple(tags.get("MH", [])),
        "pmcid": _first(tags, "PMC"),
    }
    return RawEntry(line=line, fields=fields, authors=list(authors), source_id=ident, extra=extra)
