"""RIS as vendors really write it: a fast, tolerant line reader.

Grammar (RIS specification, Research Information Systems 2011; the tag list follows rispy's
``TAG_KEY_MAPPING``): a record opens with ``TY  - <type>`` and closes with ``ER  -``; every
other line is ``<two-character tag><1-2 spaces>-<space><value>``.  Real exports bend it, and
each bend is accepted here:

* text between ``ER`` and the next ``TY`` (Ovid record numbers ``1.``, orphan ``NL  -`` and
  "Link to the Ovid Full Text" lines, Cochrane/Wiley ``Record #3 of 18`` / ``Provider:`` /
  ``Content:`` headers) is ignored;
* ``TY  -  JOUR`` (two spaces after the hyphen) and ``ER  -`` without a trailing space;
* blank lines inside a record, untagged continuation lines (EndNote, Citavi, Rayyan) and
  indented continuation lines: the text continues the previous tag (a new item for list
  tags such as ``AU`` and ``KW``);
* a ``TY`` while a record is still open, or end of file without ``ER``: the open record is
  kept, with a warning.

Field choice: title ``TI``/``T1``; journal ``JF``/``T2``/``JO``/``JA``/``J2``; year the first of
``PY``/``Y1``/``DA``/``Y2`` holding a year (``2019//``, ``2024///``, ``2022/11/05/``); DOI ``DO``
(a ``https://dx.doi.org/`` URL is fine) else a DOI found in ``UR``/``M3``/``N1``; PMID from
``C5`` (embase.com), ``C3  - PUBMED n`` (Cochrane CENTRAL) or a numeric ``AN`` when the
database is PubMed/MEDLINE (``DB``/``DP``).
"""

from __future__ import annotations

import re

from hairmeta.extractors.exportrecord import ParsedFile, RawEntry, build_records

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])\s{1,2}-(?:\s+(.*?))?\s*$")
_LIST_TAGS = frozenset({"AU", "A1", "A2", "A3", "A4", "KW", "UR", "DB", "AD", "N1", "L1", "L2", "L3", "L4", "C3"})
_AUTHOR_TAGS = ("AU", "A1")
_TITLE_TAGS = ("TI", "T1", "CT")
_JOURNAL_TAGS = ("JF", "T2", "JO", "JA", "J1", "J2", "JI", "J9")
_ABBREV_TAGS = ("J2", "JA", "JI", "J9", "J1")
_YEAR_TAGS = ("PY", "Y1", "DA", "Y2")
_PUBMED_DB = re.compile(r"(?i)pubmed|medline|\bnlm\b")
_BLANK = ("",)
_HAS_YEAR = re.compile(r"(1[6-9]|20)\d\d")
_C3_PMID = re.compile(r"PUBMED\s+(\d+)")


def read_ris(text: str, path: str = "<ris>", encoding: str = "utf-8") -> ParsedFile:
    """Records of RIS text (already decoded, ``\\n`` line ends); see the module notes."""
    warnings: list[str] = []
    return build_records(iter_entries(text, path, warnings), path, "ris", encoding, warnings)


def parse_entries(text: str, path: str) -> tuple[list[RawEntry], list[str]]:
    """Raw tag lists per record, each with its first line number, and reader warnings."""
    warnings: list[str] = []
    return list(iter_entries(text, path, warnings)), warnings


def iter_entries(text: str, path: str, warnings: list[str]):
    """Yield one :class:`RawEntry` per record as it closes; reader warnings go to ``warnings``."""
    tags: dict[str, list[str]] | None = None
    start = 0
    last = ""
    match_line = _TAG_LINE.match
    first = 1  # number of the block's first line
    for lines in _line_blocks(text):
        for number, line in enumerate(lines, first):
            if line[2:6] == "  - " and line[0].isupper():
                tag, value = line[:2], line[6:].strip()
            elif line[2:5] == "  -" and line[0].isupper():
                tag, value = line[:2], line[5:].strip()
            elif line and not line[0].isspace() and (m := match_line(line)) is not None:
                tag, value = m.group(1), m.group(2) or ""
            else:
                if tags is not None and last and line.strip():
                    _continue(tags, last, line.strip())
                continue
            if tags is not None and tag != "ER" and tag != "TY":
                bucket = tags.get(tag)
                if bucket is None:
                    tags[tag] = [value]
                else:
                    bucket.append(value)
                last = tag
            elif tag == "TY":
                if tags is not None:
                    warnings.append(
                        f"{path}:{start}: record not closed with ER before the next TY (line {number}); kept"
                    )
                    yield _entry(tags, start)
                tags, start, last = {"TY": [value]}, number, "TY"
            elif tags is not None:  # ER
                yield _entry(tags, start)
                tags, last = None, ""
            # else: vendor text between records (Ovid NL, record numbers, headers)
        first += len(lines)
    if tags is not None:
        warnings.append(f"{path}:{start}: last record not closed with ER; kept")
        yield _entry(tags, start)


def _line_blocks(text: str, size: int = 1 << 18):
    """``text.split("\\n")`` a quarter of a megabyte at a time: the lines of a 100 MB export are
    never all held at once (less memory to fault in, and each block's lines are still in the CPU
    cache when they are read; 1 MB blocks measured 2 % slower, 4 MB 5 %)."""
    begin = 0
    while True:
        end = text.find("\n", begin + size)
        if end < 0:
            yield text[begin:].split("\n")
            return
        yield text[begin:end].split("\n")
        begin = end + 1


def _continue(tags: dict[str, list[str]], tag: str, text: str) -> None:
    values = tags[tag]
    if tag in _LIST_TAGS:
        values.append(text)
    else:
        values[-1] = f"{values[-1]} {text}" if values[-1] else text


def _first(tags: dict[str, list[str]], names: tuple[str, ...]) -> str:
    for name in names:
        if name in tags:
            for value in tags[name]:
                if value:
                    return value
    return ""


def _year(tags: dict[str, list[str]]) -> str:
    for name in _YEAR_TAGS:
        if name in tags:
            for value in tags[name]:
                if _HAS_YEAR.search(value):
                    return value
    return _first(tags, _YEAR_TAGS)


def _doi(tags: dict[str, list[str]]) -> str:
    value = _first(tags, ("DO", "DI"))
    if value:
        return value
    for name in ("UR", "M3", "N1", "L2"):
        for candidate in tags.get(name, ()):
            if "10." in candidate and ("doi" in candidate.lower()):
                return candidate
    return ""


def _pmid(tags: dict[str, list[str]]) -> str:
    if "C5" in tags:
        for value in tags["C5"]:
            if value.strip().isdigit():
                return value.strip()
    if "C3" in tags:
        for value in tags["C3"]:
            match = _C3_PMID.search(value)
            if match:
                return match.group(1)
    databases = " ".join(tags.get("DB", []) + tags.get("DP", [])) if "DB" in tags or "DP" in tags else ""
    written_by_us = "N1" in tags and any(n.startswith("hairmeta record ") for n in tags["N1"])  # AN = PMID
    if written_by_us or (databases and _PUBMED_DB.search(databases)):
        for value in tags.get("AN", []):
            if value.strip().isdigit():
                return value.strip()
        for value in tags.get("ID", []):  # Ovid MEDLINE; EndNote writes its record number here
            if value.strip().isdigit() and len(value.strip()) >= 6 and "ovid" in databases.lower():
                return value.strip()
    return ""


def _entry(tags: dict[str, list[str]], line: int) -> RawEntry:
    authors = _authors(tags)
    kind = (tags.get("TY") or [""])[0].upper()
    abstract = tags.get("AB") or tags.get("N2") or ()
    fields = {
        "title": _first(tags, _TITLE_TAGS)
        or (_first(tags, ("BT",)) if kind == "BOOK" else "")
        or _first(tags, ("ST",)),
        "journal": _first(tags, _JOURNAL_TAGS),
        "journal_abbrev": _first(tags, _ABBREV_TAGS),
        "year": _year(tags),
        "volume": tags.get("VL", _BLANK)[0],  # a tag's list is never empty
        "issue": _first(tags, ("IS",)) or _issue_like(_first(tags, ("CP",))),
        "start": tags.get("SP", _BLANK)[0],
        "end": tags.get("EP", _BLANK)[0],
        "doi": _doi(tags),
        "pmid": _pmid(tags),
        "abstract": abstract[0] if len(abstract) == 1 else " ".join(v for v in abstract if v),
        "url": tags.get("UR", _BLANK)[0],
    }
    if kind in ("PRE", "PREPRINT") or ("M3" in tags and _first(tags, ("M3",)).lower() == "preprint"):
        fields["publication_types"] = "Preprint"
    return RawEntry(line, fields, authors, _first(tags, ("ID", "AN", "U2")))


_ISSUE_NUMBER = re.compile(r"(?i)(?:suppl(?:ement)?\.?\s*)?\d+[a-z]?(?:\s*[-/]\s*\d+)?(?:\s*suppl(?:ement)?\.?\s*\d*)?")


def _issue_like(value: str) -> str:
    """A ``CP`` value as the issue when it is an issue number (``4``, ``6/7``, ``Suppl 2``,
    ``3 Suppl 1``); some exporters put the conference or place there (``2nd International
    Conference on …``, ``ICIS 2018``)."""
    return value if _ISSUE_NUMBER.fullmatch(value.strip()) else ""


def _authors(tags: dict[str, list[str]]) -> list[str]:
    """Non-empty ``AU`` then ``A1`` names, else the ``A2`` (editor) names."""
    if "A1" not in tags:
        authors = [a for a in tags.get("AU", ()) if a]
    else:
        authors = [a for name in _AUTHOR_TAGS for a in tags.get(name, ()) if a]
    return authors or [a for a in tags.get("A2", ()) if a]
