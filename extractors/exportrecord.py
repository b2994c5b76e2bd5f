"""What every export reader shares: the result type and the one way fields become a Record.

A reader turns a file into :class:`RawEntry` objects (canonical field names, the record's first
line) and hands them to :func:`build_records`, which normalises each one and collects
``file:line: why`` warnings instead of raising, so one bad record never costs the whole file.

Canonical field names: ``title, authors (list of "Last, First" strings), author (one string
with several names), year, journal, journal_abbrev, volume, issue, pages, start, end, doi,
pmid, abstract, url, id, publication_types (list)``.
"""

from __future__ import annotations

import gc
import re
from dataclasses import MISSING, dataclass, field, fields

from hairmeta.evidence.library import normalize as nz
from hairmeta.evidence.library.records import Author, Record, strip_markup


@dataclass(frozen=True)
class ParsedFile:
    """A whole file read: its records, each record's id in the file, and what was skipped.

    ``skipped`` counts records that could not be read (each has one warning); ``encoding``
    names the decoding used (``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252``).
    """

    path: str
    format: str
    records: tuple[Record, ...]
    source_ids: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    skipped: int = 0
    encoding: str = "utf-8"


@dataclass
class RawEntry:
    """One record as a reader found it: canonical fields and the line it starts on."""

    line: int
    fields: dict[str, str] = field(default_factory=dict)
    authors: list[str] = field(default_factory=list)
    source_id: str = ""
    problem: str = ""  # set when the reader already knows the record cannot be read
    extra: dict = field(default_factory=dict)  # other Record fields (languages, mesh_terms…)


@dataclass
class Collected:
    """Records built so far from one file, with warnings and the skipped count."""

    path: str
    records: list[Record] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0

    def warn(self, line: int, why: str, field: str = "") -> None:
        where = f"{self.path}:{line}:{field}" if field else f"{self.path}:{line}"
        self.warnings.append(f"{where}: {why}")

    def skip(self, line: int, why: str) -> None:
        self.skipped += 1
        self.warn(line, f"record skipped: {why}")

    def result(self, fmt: str, encoding: str = "utf-8") -> ParsedFile:
        return ParsedFile(
            self.path, fmt, tuple(self.records), tuple(self.ids), tuple(self.warnings), self.skipped, encoding
        )


_COLLECTIVE_WORDS = re.compile(r"\b(group|consortium|collaborat\w*|investigators|committee|society|team)\b", re.I)
_INITIALS_FIRST = re.compile(r"^((?:[A-Z]\.[\s-]?){1,3})\s*([A-Z][\w'\u2019-]+(?:\s[A-Z][\w'\u2019-]+)?)$")
_AFFILIATION_MARK = re.compile(r"(?:\s*\[[^\]]*\]|\s*\((?:[a-z0-9,\s]{1,12})\)|\^[a-z0-9,]+)$")


def author_from(name: str) -> Author | None:
    """``"Last, First M."``, ``"Last FM"`` or a group name -> :class:`Author`; None if empty.

    Trailing affiliation marks some exporters add (``"Smith J. (a)"``, ``"Smith J [1]"``)
    are dropped first.  The common ``"Last, First"`` form takes a fast path that gives the same
    result as :func:`~hairmeta.evidence.library.normalize.surname_given` and
    :func:`~hairmeta.evidence.library.normalize.initials_of`.
    """
    name = _plain(name)  # stripped
    if name[-1:] in ")]" or "^" in name:
        name = _AFFILIATION_MARK.sub("", name).strip()
    if name[:1] == ";" or name[-1:] == ";":
        name = name.strip(";").strip()
    if not name:
        return None
    if "," in name:
        surname, _, given = name.partition(",")
        return _person(surname.strip(), given.strip())
    if _COLLECTIVE_WORDS.search(name):
        return Author(collective_name=name)
    initials_first = _INITIALS_FIRST.match(name)  # IEEE Xplore: "A. Author-One", "J.-L. Dupont"
    if initials_first:
        return _person(initials_first.group(2), initials_first.group(1).strip())
    surname, given = nz.surname_given(name)
    if given and len(name.split()) > 3 and _particle_surname(surname):  # "van der Berg J"
        return _person(surname, given)
    if len(name.split()) > 3:
        return Author(collective_name=name)
    if not given and _COLLECTIVE_WORDS.search(surname):
        return Author(collective_name=surname)
    return _person(surname, given)


#: Lower-case words that open a surname ("van der Berg", "de la Cruz", "dos Santos").
_SURNAME_PARTICLES = frozenset("van von der den de del della di da du la le ten ter dos das".split())


def _particle_surname(surname: str) -> bool:
    """A surname of particles then one name: ``van der Berg``, ``De La Cruz``; not a run of
    names exported without separators (``Hale S. L.Kloner``, ``Du Y.Ko``)."""
    *particles, last = surname.split()
    return (
        bool(particles)
        and len(particles) <= 3
        and all(w.lower() in _SURNAME_PARTICLES for w in particles)
        and "." not in last  # "Du Y.Ko": two names glued together
    )


def _person(surname: str, given: str) -> Author:
    parts = _GIVEN_PARTS.get(given)
    if parts is None:
        parts = _given_parts(given)
    return Author(surname, parts[1], parts[0])


_INITIALS_ONLY = re.compile(r"[A-Z.\s\-]*")
_GIVEN_PARTS: dict[str, tuple[str, str]] = {}  # given names -> (initials, fore name); a few thousand distinct


def _given_parts(given: str) -> tuple[str, str]:
    """``(initials, fore name)`` of the given-name part, remembered: the same ``"J. M."`` recurs
    thousands of times in one export.  The fore name is empty when ``given`` is initials only."""
    if len(_GIVEN_PARTS) >= 8192:
        _GIVEN_PARTS.clear()
    parts = _GIVEN_PARTS[given] = (_initials(given), "" if _INITIALS_ONLY.fullmatch(given) else given)
    return parts


def _initials(given: str) -> str:
    if len(given) <= 4 and given.isalpha() and given.isupper():
        return given
    return "".join([w[0] for w in given.replace(".", " ").replace("-", " ").split()]).upper()


_DOUBLE_SPACE = re.compile("  ")  # searching a long text for two spaces: 0.4 us for 1,400 characters, ``in`` 1 us


def _plain(text: str) -> str:
    """:func:`strip_markup`, skipped for plain ASCII text that has nothing to strip."""
    if (
        not text.isascii()
        or "<" in text
        or "&" in text
        or "\t" in text
        or "\n" in text
        or ("  " in text if len(text) < 200 else _DOUBLE_SPACE.search(text) is not None)
    ):
        return strip_markup(text)
    return text.strip()


def _authors(entry: RawEntry) -> tuple[Author, ...]:
    names = entry.authors or [f"{s}, {g}" if g else s for s, g in nz.parse_author_names(entry.fields.get("author", ""))]
    if not _only_strip("|".join(names)):
        return tuple([author for author in map(author_from, names) if author is not None])
    out = []
    for name in names:  # what author_from does with a name it only has to strip, inline
        name = name.strip()
        if "," in name:
            surname, _, given = name.partition(",")
            out.append(_person(surname.strip(), given.strip()))
        elif name and (author := author_from(name)) is not None:
            out.append(author)
    return tuple(out)


def _only_strip(names: str) -> bool:
    """True when :func:`author_from` has nothing to do to these names but strip them: ASCII, no
    markup or runs of white space (:func:`_plain`), no affiliation marks, no semicolons.  One
    test for all the names of a record costs what the tests of one name do."""
    return (
        names.isascii()
        and "<" not in names
        and "&" not in names
        and "\t" not in names
        and "\n" not in names
        and "  " not in names
        and "^" not in names
        and ";" not in names
        and ")" not in names
        and "]" not in names
    )


_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})


def _pages(fields: dict[str, str]) -> str:
    pages = fields.get("pages", "")
    if pages:
        pages = pages.strip().translate(_DASHES).replace("--", "-")
    if not pages:
        start, end = fields.get("start", "").strip(), fields.get("end", "").strip()
        if not start.isascii():  # the dashes are not ASCII
            start = start.translate(_DASHES)
        if end == "+":  # Web of Science: end page not known
            end = ""
        pages = f"{start}-{end}" if start and end and end != start else start
    return _page_decorations(pages) if pages and (not pages[0].isdigit() or pages[-1] == "+") else pages


#: What vendors write where a record has no pages (Ovid: ``No-Specified``; Embase: ``(no pagination)``).
_NO_PAGES = frozenset({"no-specified", "not specified", "no pagination", "(no pagination)", "n/a", "n.p.", "np"})
_PAGE_PREFIX = re.compile(r"^(?:pp?\.?\s+|unsp\s+)", re.IGNORECASE)  # "pp 37-64" (TRID), "UNSP 1722034" (WoS)


def _page_decorations(pages: str) -> str:
    """Pages without a vendor's placeholder, ``pp``/``UNSP`` prefix or open end ``-+``."""
    if pages.casefold() in _NO_PAGES:
        return ""
    pages = _PAGE_PREFIX.sub("", pages)
    return pages[:-2] if pages.endswith("-+") else pages.rstrip("+")


def _title(value: str) -> tuple[str, bool]:
    text = _plain(value)  # stripped
    if "[" not in text and "(" not in text:
        return text, False  # nothing strip_translation would remove
    cleaned = nz.strip_translation(text)
    return cleaned, text.startswith("[") or cleaned != text.strip()


def _year(text: str) -> int | None:
    """:func:`~hairmeta.evidence.library.normalize.normalize_year` of a non-blank value, with a
    fast path for the common plain ``"2019"``; None for a blank one."""
    if len(text) == 4 and text.isascii() and text.isdigit():
        return int(text) if "1600" <= text <= "2099" else None
    return nz.normalize_year(text) if text.strip() else None


def _plain_init(cls: type) -> bool:
    """True when a dataclass's ``__init__`` only sets each field (to its argument or to a
    plain default): no ``__post_init__``, no default factory, no init-only field."""
    return not hasattr(cls, "__post_init__") and all(f.init and f.default is not MISSING for f in fields(cls))


_RECORD_DEFAULTS = {f.name: f.default for f in fields(Record)}
_PLAIN_RECORD = _plain_init(Record)


_RECORD_FIELDS = frozenset(_RECORD_DEFAULTS)


def _record(**values) -> Record:
    """``Record(**values)``, built without the frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` call per field, 21 of them: 1.4 us a record): the instance gets the
    same attribute dictionary, defaults first, in field order.  Only for a Record class whose
    ``__init__`` does nothing else (no ``__post_init__``, every field a plain default)."""
    if not _PLAIN_RECORD or not values.keys() <= _RECORD_FIELDS:  # an unknown name: Record's own TypeError
        return Record(**values)
    record = object.__new__(Record)
    record.__dict__.update(_RECORD_DEFAULTS, **values)
    return record


def build_record(entry: RawEntry, out: Collected) -> None:
    """Normalise one entry and add it to ``out`` (or skip it with a warning)."""
    if entry.problem:
        out.skip(entry.line, entry.problem)
        return
    f = entry.fields
    title, translated = _title(f.get("title", ""))
    raw_doi = f.get("doi", "")
    doi = nz.normalize_doi(raw_doi)
    if not doi and raw_doi.strip() and "10." in raw_doi:
        out.warn(entry.line, f"not a DOI, record kept without it: {raw_doi.strip()[:60]!r}", "doi")
    pmid = f.get("pmid", "").strip()
    if pmid and not pmid.isdigit():
        match = re.search(r"\b\d{1,9}\b", pmid)
        pmid = match.group(0) if match else ""
    year_text = f.get("year", "")
    year = _year(year_text)
    if year is None and year_text.strip():
        out.warn(entry.line, f"no four-digit year in {year_text.strip()[:30]!r}; kept without a year", "year")
    ptypes = f.get("publication_types", "")
    ptypes = tuple(p.strip() for p in ptypes.split(";") if p.strip()) if ptypes else ()
    record = _record(
        pmid=pmid,
        doi=doi,
        title=title,
        title_translated=translated,
        abstract=_plain(f.get("abstract", "")),
        authors=_authors(entry),
        journal=_plain(f.get("journal", "") or f.get("journal_abbrev", "")),
        iso_abbreviation=f.get("journal_abbrev", "").strip(),
        year=year,
        volume=f.get("volume", "").strip(),
        issue=f.get("issue", "").strip(),
        pages=_pages(f),
        publication_types=ptypes,
        url=f.get("url", "").strip(),
    )
    if entry.extra:
        record = record.with_changes(**entry.extra)
    if not (record.title or record.pmid or record.doi):
        if not any(value.strip() for value in f.values()) and not entry.authors:
            out.skip(entry.line, "no field could be read")
            return
        # exports do carry such records (shared/dedup/haematology's last row has only an issue
        # date) and a review must count every record it identified
        out.warn(entry.line, "no title, PMID or DOI; kept as it is (check it by hand)", "title")
    out.records.append(record)
    out.ids.append(entry.source_id or f"line{entry.line}")


# Records between two collections of the young objects while the automatic collector is off
_COLLECT_EVERY = 200


def build_records(entries, path: str, fmt: str, encoding: str = "utf-8", warnings=()) -> ParsedFile:
    """All entries of one file as a :class:`ParsedFile`.

    ``entries`` may be a generator; when ``warnings`` is a list the reader keeps appending to,
    its warnings and the record warnings stay in file order.

    :func:`hairmeta.extractors.files.read_text` turns the automatic garbage collector off for a
    read (its full collections would scan every record again and again).  The records still have
    to be scanned once before they can settle in the oldest generation; with the collector off
    (by ``read_text`` or by the caller), every ``_COLLECT_EVERY`` records the young generations
    are collected here, while those objects are still in the CPU cache: 0.1 s in all for 100,000
    RIS records (700,000 objects), against 0.44 s for the one pass over all of them that the
    caller's next allocation would trigger, and 0.48 s for the pass that moves them on to the
    oldest generation.
    """
    out = Collected(path, warnings=warnings if isinstance(warnings, list) else list(warnings))
    collect = not gc.isenabled()
    for number, entry in enumerate(entries, 1):
        build_record(entry, out)
        if collect and not number % _COLLECT_EVERY:
            gc.collect(1)
    return out.result(fmt, encoding)
