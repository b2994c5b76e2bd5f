"""Normalisation of bibliographic fields for de-duplication.

Every function takes one raw value (a string from a file, a database or a ``Record``) and
returns a comparable form.  They are pure and cheap; ``hairmeta.evidence.library.dedup`` applies them once per
distinct value.  The problems handled are the ones seen in real exports (see
``../shared/dedup/README.md``): mojibake (UTF-8 read as latin-1), HTML entities and inline
tags, translated titles in square brackets and ``[Chinese]``-style language suffixes, page
ranges written ``1297-306``, author lists in BibTeX (``Last, F. and Last, F.``), RIS/MEDLINE
(``Last FM``) and run-together ASySD (``FeldmanG.M.ButlerD.E.``) forms, DOIs buried in URLs
or ``[pii]``/``[doi]`` lists, and journal fields carrying volume and date tails.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache
from urllib.parse import unquote

import ftfy

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACE = re.compile(r"\s+")
_LANGUAGES = (
    "afrikaans|arabic|bulgarian|catalan|chinese|croatian|czech|danish|dutch|english|estonian|"
    "finnish|french|german|greek|hebrew|hungarian|icelandic|italian|japanese|korean|latvian|"
    "lithuanian|norwegian|persian|polish|portuguese|romanian|russian|serbian|slovak|slovenian|"
    "spanish|swedish|thai|turkish|ukrainian|vietnamese"
)
_LANG_SUFFIX = re.compile(
    r"\s*[\[(](?:(?:article|text|abstract|summary)\s+in\s+)?(?:" + _LANGUAGES + r")"
    r"(?:\s*(?:,|and|with)\s*[a-z ]*)?[\])]\s*\.?\s*$",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"^\[(.*)\]\s*\.?$", re.DOTALL)
_DOI = re.compile(r"10\.\d{4,9}/[^\s;,\"<>\[\]]+", re.IGNORECASE)
_PAGES = re.compile(r"^\s*([A-Za-z]{0,3})(\d+)\s*(?:[-\u2010-\u2015]+\s*([A-Za-z]{0,3})(\d+))?")
_JOURNAL_TAIL = re.compile(r"\.\s*\d.*$|\s*\(pp\s.*$|\s*;.*$")
_JOURNAL_STOP = frozenset({"the", "of", "and", "for", "in", "on", "de", "la", "le", "der", "und"})
_MEDLINE_NAME = re.compile(r".+\s[A-Z]{1,4}")
_ASYSD_AUTHOR = re.compile(r"([^.]+?)\s?((?:[A-Z][a-z]?\.\s?-?\s?)+)")


def fix_text(text: object) -> str:
    """Repair mojibake (via ftfy, only when non-ASCII is present), unescape HTML, drop tags.

    >>> fix_text("K\u00c3\u00b6nig &amp; <i>S\u00f8n</i>")
    'König & Søn'
    """
    if not isinstance(text, str) or not text:
        return ""
    if "<" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = ftfy.fix_text(text)
    return _SPACE.sub(" ", text).strip()


def fold(text: str) -> str:
    """Case-folded ASCII: accents stripped (NFKD), everything else kept."""
    text = text.casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def strip_translation(title: str) -> str:
    """Remove a whole-title translation bracket and trailing language notes.

    ``"[Study of X]."`` -> ``"Study of X"``; ``"Study of X [Chinese]"`` -> ``"Study of X"``;
    ``"Study of X [Article in German]"`` -> ``"Study of X"``.
    """
    title = title.strip()
    if "[" not in title and "(" not in title:
        return title
    previous = None
    while previous != title:
        previous = title
        title = _LANG_SUFFIX.sub("", title).strip()
        match = _BRACKETED.match(title)
        if match and "[" not in match.group(1):
            title = match.group(1).strip()
    return title


_TITLE_NOTE = re.compile(
    r"\.?\s*\[(?:erratum appears|comment (?:in|on)|retraction (?:in|of)|retracted|update (?:in|of)"
    r"|corrected and republished|republished|published erratum|see comment|summary for patients)"
    r".*$",
    re.IGNORECASE | re.DOTALL,
)
_SPELLING_NOTE = re.compile(
    r"\s*\[(?:correction of [^\]]*|review|\d+ refs?|editorial)\]"
    r"|\s*\((?:provisional|structured) abstract\)|\s*\(multiple letters\)"
    r"|\s*\[\d{1,2}\]\s*$|\.\.\.\s+[A-Z][^.]*\.\s+\d{4}\b.*$",
    re.IGNORECASE,
)
_WOS_CORRECTION = re.compile(r"\s*\(vol\.?\s*\d+\w*,\s*pg\.?\s*\w+,\s*\d{4}\)\s*\.?\s*$", re.IGNORECASE)
# Embase cites the corrected article inside the notice's title: "(Circulation (1992) 87
# (208-215))", "(Critical Care Medicine (2010) (903))", "(PLoS ONE (2014) 9 7 (e103802) DOI: …)".
_EMBASE_CORRECTION = re.compile(
    r"\s*\((?=[^()]*[A-Za-z])[^()]+\s\((?:1[5-9]|20)\d\d\)[^()]*\([^()]*\d[^()]*\)[^()]*\)\s*\.?\s*$"
)


_TRAILING_LANGUAGE = re.compile(
    r"(?<=[.?!])\s+(?:" + _LANGUAGES + r")(?:\s+(?:" + _LANGUAGES + r"))*\s*\.?$", re.IGNORECASE
)


def strip_vernacular(title: str) -> str:
    """Drop an appended original-language title: ``"Title. Polish\nTytul"`` -> ``"Title."``.

    Some databases append ``. <Language>`` and the vernacular title on a new line, a trailing
    ``. Japanese``, ``<ORIGINAL> TITRE ORIGINAL`` or ``[English title] TO: título original``.
    """
    if "\n" in title:
        title = title.split("\n", 1)[0]
    if "<ORIGINAL>" in title:  # Ovid: "English title <ORIGINAL> ORIGINAL TITLE"
        title = title.split("<ORIGINAL>", 1)[0]
    if "] TO:" in title:  # "[English title] TO: titulo original"
        title = title.split(" TO:", 1)[0]
    return _TRAILING_LANGUAGE.sub("", title) if " " in title else title


def strip_title_notes(title: str) -> str:
    """Remove database annotations that are not part of the title.

    MEDLINE/Ovid append ``[Erratum appears in …]``, ``[Comment in …]``; spelling fixes appear
    as ``[correction of …]``; a correction notice cites the corrected article after its title,
    Web of Science as ``(vol 142, pg 310, 2003)``, Embase as ``(Circulation (1992) 87
    (208-215))`` (see :func:`is_correction_notice`).
    """
    if "[" in title or ")" in title or "..." in title:
        title = _SPELLING_NOTE.sub("", _TITLE_NOTE.sub("", title))
    if "(vol" in title.lower():
        title = _WOS_CORRECTION.sub("", title)
    return _EMBASE_CORRECTION.sub("", title) if title.rstrip(" .").endswith(")") else title


def is_correction_notice(raw: object) -> bool:
    """True for a correction notice's title citing the corrected article after it: Web of
    Science's ``(vol 142, pg 310, 2003)`` or Embase's ``(Journal (2009) 360 (542-544))``."""
    if not isinstance(raw, str):
        return False
    text = raw.rstrip(" .")
    return bool(_WOS_CORRECTION.search(text) or (text.endswith(")") and _EMBASE_CORRECTION.search(text)))


@cache
def normalize_title(raw: object) -> str:
    """Comparable title: repaired, untranslated, folded, punctuation to single spaces.

    >>> normalize_title("[Effect of PRP on alopecia]. [Chinese]")
    'effect of prp on alopecia'
    """
    text = strip_vernacular(raw) if isinstance(raw, str) else raw
    title = strip_translation(strip_title_notes(fix_text(text)))
    if title.startswith(("#NAME?", "#VALUE!", "#REF!")):
        return ""  # a spreadsheet formula error, not a title
    return _NON_ALNUM.sub(" ", fold(title)).strip()


def normalize_doi(raw: object) -> str:
    """The first DOI found in a field (URL, ``doi:``, ``[pii];…[doi]`` lists), lower-cased.

    >>> normalize_doi("http://dx.doi.org/10.1016/0167-5273%2890%2990084-I")
    '10.1016/0167-5273(90)90084-i'
    """
    if not isinstance(raw, str) or "10." not in raw:
        return ""
    match = _DOI.search(unquote(raw) if "%" in raw else raw)
    if not match:
        return ""
    return match.group(0).rstrip(".);:,").lower()


def expand_pages(raw: object) -> str:
    """Page range with the abbreviated last page written out: ``1297-306`` -> ``1297-1306``.

    A single page stays single; leading zeros go (``06`` -> ``6``); a range whose last page
    is a month name (spreadsheet damage such as ``06-Oct``) keeps only the first page.
    """
    if not isinstance(raw, str):
        return ""
    if "-" in raw and not raw[:1].isdigit() or raw[-1:].isalpha():
        raw = undo_spreadsheet_date(raw)
    match = _PAGES.match(raw)
    if not match:
        return ""
    prefix, first, suffix_prefix, last = match.groups()
    first = first.lstrip("0") or "0"
    if not last:
        return f"{prefix}{first}".lower()
    last = last.lstrip("0") or "0"
    if len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    if int(last) < int(first):
        return f"{prefix}{first}".lower()
    return f"{prefix}{first}-{suffix_prefix or prefix}{last}".lower()


_MONTHS = {
    m: i
    for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}
_SPREADSHEET_DATE = re.compile(r"^\s*(?:(\d{1,4})-([A-Za-z]{3})|([A-Za-z]{3})-(\d{1,4}))\s*$")


def undo_spreadsheet_date(raw: str) -> str:
    """Pages a spreadsheet turned into dates: ``"Oct-13"`` -> ``"10-13"``, ``"03-Apr"`` -> ``"3-4"``."""
    match = _SPREADSHEET_DATE.match(raw)
    if not match:
        return raw
    day, month, month_first, number = match.groups()
    if month_first:
        value = _MONTHS.get(month_first.lower())
        return f"{value}-{number}" if value else raw
    value = _MONTHS.get(month.lower())
    return f"{int(day)}-{value}" if value else raw


_JOURNAL_CITATION = re.compile(r"\.(\d+)[^(.]*(?:\(([^)]*)\))?\s*(?:\(\))?\s*\(pp ([^);]*)")
_JOURNAL_PAGES = re.compile(r"\(pp ([^);]*)")


def journal_citation(raw: object) -> tuple[str, str]:
    """Volume and pages from an Embase-style journal field.

    ``"Eur J Pharmacol.608 (1-3) ()(pp 32-41) 2009."`` -> ``("608", "32-41")``.
    """
    if not isinstance(raw, str) or "(pp " not in raw:
        return "", ""
    match = _JOURNAL_CITATION.search(raw)
    if match:
        return match.group(1), match.group(3).strip()
    match = _JOURNAL_PAGES.search(raw)
    return ("", match.group(1).strip()) if match else ("", "")


def first_page(raw: object) -> str:
    """The first page alone (``"e1234"``, ``"1297"``), ``""`` when there is none."""
    return expand_pages(raw).split("-")[0]


def normalize_volume(raw: object) -> str:
    """Leading volume number: ``"88 Suppl 1"`` -> ``"88"``; ``""`` if none."""
    if not isinstance(raw, str):
        return ""
    match = re.match(r"\s*0*(\d+)", raw)
    return match.group(1) if match else ""


def normalize_year(raw: object) -> int | None:
    """A four-digit year found in the value (``"2019 Mar"`` -> 2019), else None."""
    if isinstance(raw, int):
        return raw
    if not isinstance(raw, str):
        return None
    match = re.search(r"(1[6-9]|20)\d\d", raw)
    return int(match.group(0)) if match else None


def normalize_journal(raw: object) -> str:
    """Journal name folded to words, with volume/date tails and stop words removed.

    ``"European Journal of Pharmacology.608 (1-3) ()(pp 32-41) 2009."`` ->
    ``"european journal pharmacology"``; ``"Eur.J.Pharmacol."`` -> ``"eur j pharmacol"``.
    """
    text = _JOURNAL_TAIL.sub("", fix_text(raw))
    words = _NON_ALNUM.sub(" ", fold(text)).split()
    return " ".join(w for w in words if w not in _JOURNAL_STOP)


def journals_compatible(a: str, b: str) -> bool:
    """True when one normalised journal name can be an abbreviation of the other.

    Each word of the shorter form must be a prefix of a word of the longer one, in order
    (``"j thorac cardiovasc surg"`` vs ``"journal thoracic cardiovascular surgery"``).
    """
    if not a or not b:
        return True
    if a == b:
        return True
    short, long_ = sorted((a.split(), b.split()), key=lambda words: len("".join(words)))
    if not long_[0].startswith(short[0]):
        return False
    if len("".join(short)) >= 8 and _abbreviates("".join(short), "".join(long_)):
        return True  # "neuropsychopharmacol" vs "neuro psychopharmacology"
    position = 0
    for word in short:
        while position < len(long_) and not _abbreviates(word, long_[position]):
            position += 1
        if position == len(long_):
            return False
        position += 1
    return True


def _abbreviates(short: str, word: str) -> bool:
    """``"j"``/``"journal"``, ``"tierheilkd"``/``"tierheilkunde"``: same first letter and the
    abbreviation's letters appear in order in the word."""
    if word.startswith(short):
        return True
    if not short or short[0] != word[0] or len(short) < 3:
        return False
    letters = iter(word)
    return all(ch in letters for ch in short)


def parse_author_names(raw: object) -> list[tuple[str, str]]:
    """Authors as ``(surname, given names or initials)`` in their original case.

    Handles ``"Last, F. M. and Last, F."`` (BibTeX), ``"Last, F.; Last, F."`` (RIS lists
    joined), ``"Last FM, Last F"`` (MEDLINE) and run-together ``"LastF.M.OtherG."`` /
    ``"Last F. M.Other G."`` (ASySD exports).
    """
    text = fix_text(raw)
    if not text:
        return []
    if " and " in text or ";" in text:
        parts = re.split(r"\s+and\s+|\s*;\s*", text)
        return [surname_given(p) for p in parts if p.strip()]
    if "," not in text and "." in text:
        return [(s.strip(), i.strip()) for s, i in _ASYSD_AUTHOR.findall(text)]
    parts = [p for p in text.split(",") if p.strip()]
    if len(parts) == 2 and not _MEDLINE_NAME.fullmatch(parts[0].strip()):
        return [surname_given(text)]
    return [surname_given(p) for p in parts]


def surname_given(name: str) -> tuple[str, str]:
    """``"Last, First M."`` -> ``("Last", "First M.")``; ``"Last FM"`` -> ``("Last", "FM")``."""
    name = name.strip()
    if "," in name:
        surname, _, given = name.partition(",")
        return surname.strip(), given.strip()
    match = re.match(r"(.+?)\s+([A-Z]{1,4}|(?:[A-Z]\.\s?)+)$", name)
    return (match.group(1).strip(), match.group(2).strip()) if match else (name, "")


_GIVEN_SPLIT = re.compile(r"[\s.\-]+")


def initials_of(given: str) -> str:
    """``"First M."`` -> ``"FM"``; ``"FM"`` -> ``"FM"``; ``"J.-L."`` -> ``"JL"``."""
    given = given.strip()
    if len(given) <= 4 and given.isalpha() and given.isupper():
        return given
    return "".join(w[0].upper() for w in _GIVEN_SPLIT.split(given) if w)


def split_authors(raw: object) -> list[tuple[str, str]]:
    """Authors as folded ``(surname, initials)``: ``"Zuna, R E"`` -> ``("zuna", "re")``."""
    return [(_letters(s), _letters(initials_of(g))) for s, g in parse_author_names(raw)]


_NOT_LETTER = re.compile(r"[^a-z]+")


_ASCII_NON_LETTERS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isalpha()))


def _letters(text: str) -> str:
    if text.isascii():
        return text.lower().translate(_ASCII_NON_LETTERS)
    return _NOT_LETTER.sub("", fold(text))


def author_key(raw: object) -> tuple[str, str]:
    """``(first author's surname, every surname + first initial as one letter string)``.

    ``"Zuna, R. E. and Wang, S. S."``, ``"Zuna RE, Wang SS"`` and ``"ZunaR.E.WangS.S."`` all
    give ``("zuna", "zunarwangs")``.
    """
    names = parse_author_names(raw)
    if not names:
        return "", ""
    parts = [_letters(s) + _letters(g.lstrip(" .-")[:1]) for s, g in names]
    return _letters(names[0][0]), "".join(parts)


_ROMAN = frozenset({"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"})


def title_numbers(title: str) -> str:
    """Numbers and roman numerals of a normalised title, sorted (``"part ii"`` -> ``"2"``).

    Two titles that differ only in these (``Part I`` / ``Part II``, ``phase 2`` / ``phase 3``)
    are different works.  Digits are read from the title without spaces, so ``CRF(1)`` and
    ``CRF<inf>1</inf>`` agree.  ``""`` when the title has none.
    """
    values = [str(int(d)) for d in re.findall(r"\d+", title.replace(" ", ""))]
    values += [str(_roman_value(w)) for w in title.split() if w in _ROMAN]
    return " ".join(sorted(values))


def _roman_value(word: str) -> int:
    digits = {"i": 1, "v": 5, "x": 10}
    total = 0
    for current, following in zip(word, word[1:] + " "):
        value = digits[current]
        total += -value if digits.get(following, 0) > value else value
    return total
