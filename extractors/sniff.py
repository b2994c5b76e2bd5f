"""Which export a file is, from its bytes: encoding, line endings and format.

Encodings tried in order: a UTF-16/UTF-32 byte-order mark, UTF-8 (with or without BOM), then
Windows-1252 (which decodes any byte; the caller reports that the fallback was used).
Line endings: CRLF and bare CR become LF before any reader sees the text.

Formats are recognised from the first meaningful lines, not from the file name, because
exports are routinely saved under the wrong extension (MEDLINE as ``.txt`` or ``.ris``,
RIS as ``.txt``, Web of Science plain text as ``.ris``).
"""

from __future__ import annotations

import codecs
import re

FORMATS = ("ris", "nbib", "bibtex", "csv", "tsv", "wos", "endnote_xml")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_RIS_TAG = re.compile(r"^[A-Z][A-Z0-9]\s{1,2}-(?:\s|$)")
_MEDLINE_TAG = re.compile(r"^(PMID|OWN|STAT|TI|AU|FAU|DP)\s*- ")
_WOS_TAG = re.compile(r"^(FN|VR|PT|AU|TI|SO|UT|AF|DT)\s\S")
_BIB_ENTRY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]")
_WOS_COLUMNS = {"PT", "AU", "TI", "SO", "PY", "UT", "DI", "AF"}


def decode(raw: bytes) -> tuple[str, str]:
    """``(text, encoding)`` with every line ending turned into ``\\n`` and no BOM.

    >>> decode(b"TY  - JOUR\\r\\nER  - \\r\\n")
    ('TY  - JOUR\\nER  - \\n', 'utf-8')
    """
    text, encoding = _decode(raw)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.lstrip("\ufeff"), encoding


def _decode(raw: bytes) -> tuple[str, str]:
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return raw.decode(name, errors="replace"), name
    if len(raw) >= 4 and raw[1] == 0 and raw[3] == 0 and raw[0] != 0:
        return raw.decode("utf-16-le", errors="replace"), "utf-16-le"
    if len(raw) >= 4 and raw[0] == 0 and raw[2] == 0 and raw[1] != 0:
        return raw.decode("utf-16-be", errors="replace"), "utf-16-be"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def looks_binary(raw: bytes) -> bool:
    """True for content no export has: NUL bytes outside UTF-16/32, or mostly control bytes."""
    head = raw[:4096]
    if not head:
        return False
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    if b"\x00" in head:
        odd, even = head[1::2].count(0), head[0::2].count(0)
        return not (odd > len(head) // 3 or even > len(head) // 3)
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > len(head) // 10


def detect_format(text: str) -> str | None:
    """The export format of decoded text, or None when it is none of :data:`FORMATS`."""
    lines = [line for line in _head_lines(text, 200) if line.strip()]
    if not lines:
        return None
    head = lines[0].strip()
    if head.startswith("<?xml") or head.startswith("<xml") or "<records>" in text[:2000]:
        return "endnote_xml" if "<record" in text[:20000] else None
    if _BIB_ENTRY.match(text.lstrip()) or any(_BIB_ENTRY.match(line) for line in lines[:40]):
        if not any(_RIS_TAG.match(line) for line in lines[:40]):
            return "bibtex"
    for line in lines[:60]:
        if line.startswith("TY  -") or re.match(r"^TY\s{1,2}-\s", line):
            return "ris"
        if line.startswith("PMID-") or (line.startswith("OWN - ") and "TI  - " in text[:5000]):
            return "nbib"
        if line.startswith("FN ") or (line.startswith("PT ") and re.search(r"^(AU|TI|UT) ", text[:20000], re.M)):
            return "wos"
    cells = {c.strip().strip('"') for c in head.split("\t")}
    if len(cells & _WOS_COLUMNS) >= 4:
        return "tsv"
    tabular = _tabular(lines)
    if tabular:
        return tabular
    if (
        any(_MEDLINE_TAG.match(line) for line in lines[:20])
        and sum(bool(re.match(r"^[A-Z]{2,4}\s*- ", line)) for line in lines[:20]) >= 3
    ):
        return "nbib"
    if sum(bool(_RIS_TAG.match(line)) for line in lines[:40]) >= 3:
        return "ris"
    return None


def _head_lines(text: str, count: int) -> list[str]:
    """``text.split("\\n", count)[:count]`` without copying the rest of the text (the last piece
    of that split is a copy of everything after line ``count``: 165 MB and about 70 ms for a
    100,000-record RIS file)."""
    end = 0
    for _ in range(count):
        end = text.find("\n", end) + 1
        if not end:
            return text.split("\n")[:count]
    return text[:end].split("\n")[:count]


def _tabular(lines: list[str]) -> str | None:
    """``csv`` or ``tsv`` when some line among the first ones has many consistent separators."""
    for line in lines[:12]:
        tabs, commas = line.count("\t"), line.count(",")
        if tabs >= 2 and tabs >= commas:
            return "tsv"
        if commas >= 2 and re.search(r"(?i)\b(title|author|doi|pmid|year|source)", line):
            return "csv"
    return None
