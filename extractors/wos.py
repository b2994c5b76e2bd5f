"""Web of Science plain text (the tagged ``FN``/``VR``/``PT J`` ... ``ER``/``EF`` format).

Also written by Zoological Record, BIOSIS, MEDLINE-on-WoS and other Clarivate databases.
Grammar (Clarivate, "Web of Science Core Collection Field Tags"): a two-character tag, one
space and the value; continuation lines are indented by three spaces (for ``AU``/``AF``/``CR``
each continuation is one more item, for ``TI``/``AB``/``SO`` the text goes on); ``PT`` opens a
record and ``ER`` closes it; ``FN``/``VR`` head the file and ``EF`` ends it.  Files without the
``FN`` header (pasted or re-saved records) are read the same way.
"""

from __future__ import annotations

from hairmeta.extractors.exportrecord import ParsedFile, RawEntry, build_records
from hairmeta.extractors.tabular import WOS_TAGS

_LIST_TAGS = frozenset({"AU", "AF", "CR", "C1", "C3", "RI", "OI", "DE", "ID", "EM", "FU", "BE", "CA", "GP"})


def read_wos(text: str, path: str = "<wos>", encoding: str = "utf-8") -> ParsedFile:
    """Records of Web of Science plain text (decoded, ``\\n`` line ends)."""
    entries: list[RawEntry] = []
    warnings: list[str] = []
    tags: dict[str, list[str]] | None = None
    start, last = 0, ""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if line[0] == " ":
            if tags is not None and last:
                value = line.strip()
                if last in _LIST_TAGS:
                    tags[last].append(value)
                else:
                    tags[last][-1] += " " + value
            continue
        tag, value = line[:2], line[3:].strip()
        if tag == "PT":
            if tags is not None:
                warnings.append(f"{path}:{start}: record not closed with ER before the next PT (line {number}); kept")
                entries.append(_entry(tags, start))
            tags, start, last = {"PT": [value]}, number, "PT"
        elif tag == "ER":
            if tags is not None:
                entries.append(_entry(tags, start))
            tags, last = None, ""
        elif tags is None:
            continue  # FN, VR, EF and anything else between records
        else:
            tags.setdefault(tag, []).append(value)
            last = tag
    if tags is not None:
        warnings.append(f"{path}:{start}: last record not closed with ER; kept")
        entries.append(_entry(tags, start))
    return build_records(entries, path, "wos", encoding, warnings)


def _entry(tags: dict[str, list[str]], line: int) -> RawEntry:
    fields = {}
    for tag, name in WOS_TAGS.items():
        values = tags.get(tag)
        if values and name not in fields:
            fields[name] = " ".join(values) if tag in ("TI", "AB", "SO") else values[0]
    if not fields.get("start") and fields.get("article_number"):
        fields["pages"] = fields["article_number"]
    authors = [a for a in tags.get("AU", []) if a] or [a for a in tags.get("AF", []) if a]
    return RawEntry(line=line, fields=fields, authors=authors, source_id=fields.get("id", ""))
