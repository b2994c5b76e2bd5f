"""BibTeX as exporters write it, read entry by entry so one bad entry costs only itself.

Grammar (Patashnik, "BibTeXing", 1988): ``@type{key, name = value, ...}`` where a value is a
``{braced}`` or ``"quoted"`` string, a number or a macro name, joined by ``#``.  Accepted as
Scopus, Web of Science, Zotero, Mendeley and JabRef write it: upper-case types (``@ARTICLE``,
``@CONFERENCE``), the same citation key on different works (Scopus; the key is only a source
id, never identity), keys with a leading space (``@article{ WOS:000...``), a BOM, double
braces, raw newlines inside values, field names with spaces or parentheses
(``funding_text 1``, ``Usage-Count-(Last-180-days)``) and very long values.  Each entry's
text runs to the next line that opens an entry, so an unbalanced brace is reported for that
entry (``file:line: record skipped``) and the next entry is read normally.
"""

from __future__ import annotations

import re

from hairmeta.extractors.exportrecord import ParsedFile, RawEntry, build_records

_ENTRY = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(]", re.M)
_SKIP_TYPES = frozenset({"string", "comment", "preamble"})
_SPACE = re.compile(r"\s+")
_LATEX_ACCENT = re.compile(r"\\[`'^\"~=.uvHcdbrk]\s*\{?([A-Za-z])\}?")
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\s*")


class _Unreadable(ValueError):
    """An entry whose braces or quotes never close."""


def read_bibtex(text: str, path: str = "<bibtex>", encoding: str = "utf-8") -> ParsedFile:
    """Records of BibTeX text (decoded, ``\\n`` line ends)."""
    starts = [m for m in _ENTRY.finditer(text)]
    entries: list[RawEntry] = []
    line, offset = 1, 0
    for index, match in enumerate(starts):
        line += text.count("\n", offset, match.start())
        offset = match.start()
        kind = match.group(1).lower()
        if kind in _SKIP_TYPES:
            continue
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        body = text[match.end() : end]
        entry_line = line + text.count("\n", match.start(), match.start() + len(match.group(0)) - 1)
        try:
            key, fields = _parse_body(body, match.group(0)[-1])
        except _Unreadable as exc:
            opening = match.group(0).strip() + body.split("\n", 1)[0][:40]
            entries.append(RawEntry(line=entry_line, problem=f"cannot read BibTeX entry {opening!r} ({exc})"))
            continue
        entries.append(_entry(kind, key, fields, entry_line))
    return build_records(entries, path, "bibtex", encoding)


def _parse_body(body: str, opener: str) -> tuple[str, dict[str, str]]:
    closer = "}" if opener == "{" else ")"
    comma = body.find(",")
    stop = body.find(closer)
    if comma == -1 or (stop != -1 and stop < comma):
        return body[: stop if stop != -1 else len(body)].strip(), {}
    key = body[:comma].strip()
    fields: dict[str, str] = {}
    pos, size = comma + 1, len(body)
    while True:
        while pos < size and body[pos] in " \t\n,":
            pos += 1
        if pos >= size:
            raise _Unreadable(f"no closing '{closer}'")
        if body[pos] == closer:
            return key, fields
        equals = body.find("=", pos)
        if equals == -1:
            raise _Unreadable("a field without '='")
        name = _SPACE.sub(" ", body[pos:equals]).strip().lower()
        value, pos = _value(body, equals + 1, closer)
        if name and name not in fields:
            fields[name] = value


def _value(body: str, pos: int, closer: str) -> tuple[str, int]:
    parts: list[str] = []
    size = len(body)
    while True:
        while pos < size and body[pos] in " \t\n":
            pos += 1
        if pos >= size:
            raise _Unreadable("value runs to the end of the entry")
        char = body[pos]
        if char == "{":
            end = _matching_brace(body, pos)
            parts.append(body[pos + 1 : end])
            pos = end + 1
        elif char == '"':
            end = _closing_quote(body, pos)
            parts.append(body[pos + 1 : end])
            pos = end + 1
        else:
            match = re.compile(r"[^,#\s" + re.escape(closer) + r"]+").match(body, pos)
            if match is None:
                raise _Unreadable(f"unexpected {char!r}")
            parts.append(match.group(0))
            pos = match.end()
        while pos < size and body[pos] in " \t\n":
            pos += 1
        if pos < size and body[pos] == "#":
            pos += 1
            continue
        return "".join(parts), pos


def _matching_brace(body: str, pos: int) -> int:
    depth = 0
    for index in range(pos, len(body)):
        char = body[index]
        if char == "{" and body[index - 1] != "\\":
            depth += 1
        elif char == "}" and body[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return index
    raise _Unreadable("a '{' is never closed")


def _closing_quote(body: str, pos: int) -> int:
    depth = 0
    for index in range(pos + 1, len(body)):
        char = body[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0 and body[index - 1] != "\\":
            return index
    raise _Unreadable("a '\"' is never closed")


def clean(value: str) -> str:
    """Value text without braces, simple LaTeX accents/commands and runs of white space."""
    if "\\" in value:
        value = _LATEX_ACCENT.sub(r"\1", value).replace("\\&", "&").replace("\\%", "%").replace("\\_", "_")
        value = _LATEX_COMMAND.sub("", value)
    return _SPACE.sub(" ", value.replace("{", "").replace("}", "")).strip()


def _authors(raw: str) -> list[str]:
    names = []
    for part in re.split(r"\s+and\s+", raw.strip()):
        part = part.strip()
        if not part:
            continue
        if part.startswith("{") and part.endswith("}") and part.count("{") == 1:
            names.append(clean(part))  # a protected group name
            continue
        text = clean(part)
        if "," not in text and len(text.split()) in (2, 3) and not re.search(r"[A-Z]{2,}$", text):
            words = text.split()
            text = f"{words[-1]}, {' '.join(words[:-1])}"
        names.append(text)
    return names


def _entry(kind: str, key: str, raw: dict[str, str], line: int) -> RawEntry:
    get = raw.get
    fields = {
        "title": clean(get("title", "")),
        "journal": clean(get("journal") or get("journaltitle") or get("booktitle") or get("source", "")),
        "journal_abbrev": clean(get("abbrev_source_title") or get("journal-iso") or get("iso-source-abbreviation", "")),
        "year": clean(get("year") or get("date", "")),
        "volume": clean(get("volume", "")),
        "issue": clean(get("number") or get("issue", "")),
        "pages": clean(get("pages") or get("art_number") or get("article-number", "")),
        "doi": clean(get("doi", "")),
        "pmid": clean(get("pmid") or get("pubmed-id") or get("pubmed_id", "")),
        "abstract": clean(get("abstract", "")),
        "url": clean(get("url", "")),
    }
    if kind in ("unpublished",) and "preprint" in get("note", "").lower():
        fields["publication_types"] = "Preprint"
    return RawEntry(line=line, fields=fields, authors=_authors(get("author", "")), source_id=key)
