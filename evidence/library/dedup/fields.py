"""Record-level facts the decision rules need beyond :mod:`hairmeta.evidence.library.normalize`:
generic (recurring) titles, meeting abstracts, proceedings venues, issue numbers, author-name
tokens and DOI alias forms.

Each function is pure and takes one raw or normalised value, so :mod:`.match` applies it once
per distinct value.  The patterns describe *classes* of bibliographic records (a title made only
of front-matter words; a venue that names a meeting), not examples from any labelled set.
"""

from __future__ import annotations

import re
from functools import cache

from rapidfuzz.distance import Levenshtein

from hairmeta.evidence.library import normalize as nz

# Words that make up the recurring titles journals print in every issue (front and back
# matter, notices, correspondence, meeting material).  A title is *generic* when every word
# of it is one of these (after dropping stop words, numbers and the journal's own name words);
# such a title says nothing about which work a record is.
_GENERIC_WORDS = frozenset(
    """
    editor editors editorial editorials comment comments commentary commentaries introduction
    introductions introductory preface foreword forward prologue epilogue afterword letter
    letters correspondence reply replies response responses rejoinder rebuttal issue issues
    book books review reviews reviewed received erratum errata corrigendum corrigenda correction
    corrections addendum abstract abstracts poster posters session sessions oral presentation
    presentations proceedings program programme meeting meetings conference congress symposium
    workshop news note notes notice notices announcement announcements calendar events
    contents content table index indexes acknowledgement acknowledgment acknowledgements
    acknowledgments reviewer reviewers referees obituary obituaries memoriam tribute message
    president presidents chair chairs guest column columns highlights summary summaries overview
    discussion discussions debate opinion perspective perspectives viewpoint miscellaneous
    untitled title available masthead front back matter cover supplement supplementary report
    reports month year welcome thanks retraction retracted withdrawn expression concern
    concerns update updates author authors invited keynote plenary panel free communications
    selected papers paper short brief communication communications case cases series answer
    answers question questions quiz image images clinical challenge corner world around
    readers reader our from inside
    """.split()
)
_GENERIC_STOP = frozenset(
    "a an the of to in on for and this that these with by at from its our your their s de la le".split()
)


_PLACEHOLDER_TITLE = re.compile(
    r"(?:untitled|no title(?: available| given)?|(?:title )?not available|n a|none|unknown|title)"
)


@cache
def is_placeholder_title(title: str) -> bool:
    """True for a normalised title that says no title was recorded: PubMed's ``[Not
    Available].``, ``Untitled``, ``No title available``.  Such a record has no title to compare.
    """
    return bool(_PLACEHOLDER_TITLE.fullmatch(title))


@cache
def is_generic_title(title: str) -> bool:
    """True for a normalised title made only of recurring front-matter words.

    ``"editor s comments"``, ``"editorial introduction"``, ``"letter to the editor"``,
    ``"in this issue"``, ``"book reviews"``, ``"abstracts"``, ``"poster session 2"`` are
    generic; ``"editorial policy for randomised trials of prp"`` is not.  An empty title is
    generic too (it identifies nothing).
    """
    words = [w for w in title.split() if w not in _GENERIC_STOP and not w.isdigit()]
    words = [w for w in words if not _is_roman(w)]
    return not words or (len(words) <= 6 and all(w in _GENERIC_WORDS for w in words))


def _is_roman(word: str) -> bool:
    return bool(re.fullmatch(r"[ivxlc]{1,6}", word))


# A meeting abstract is announced by its venue (Embase: "Journal X. Conference: ...", Web of
# Science: "Meeting Abstract"), its title, a supplement issue or volume, or S-prefixed pages.
_MEETING_VENUE = re.compile(
    r"\b(?:conference|congress|meeting|symposium|abstracts?|annual scientific|poster"
    r"|colloquium|summit|workshop)\b",
    re.IGNORECASE,
)
_MEETING_TITLE = re.compile(r"^\s*(?:conference|meeting abstract|abstract|poster)\s*[:\-]", re.IGNORECASE)
_SUPPLEMENT = re.compile(r"\bsupp?l?(?:ement)?\b\.?|^s\d", re.IGNORECASE)
_S_PAGE = re.compile(r"^\s*S\d", re.IGNORECASE)


def is_meeting_abstract(raw_title: str, raw_journal: str, volume: str, issue: str, pages: str, entrytype: str) -> bool:
    """True when a record is (very likely) a conference or meeting abstract.

    Signals, any one suffices: the venue names a meeting (``conference``, ``congress``,
    ``meeting``, ``symposium``, ``abstracts``…); the title opens ``Conference:`` or ``Meeting
    Abstract:``; the volume or issue is a supplement (``Suppl``, ``S2``) *and* the pages are
    S-prefixed.  A BibTeX ``inproceedings`` entry is a proceedings paper, not an abstract, and
    is judged on its own (see :func:`venues_agree`).
    """
    if entrytype.strip().lower() in ("inproceedings", "conference", "proceedings"):
        return False
    if _MEETING_VENUE.search(raw_journal or "") or _MEETING_TITLE.search(raw_title or ""):
        return True
    supplement = bool(_SUPPLEMENT.search(volume or "") or _SUPPLEMENT.search(issue or ""))
    return supplement and bool(_S_PAGE.match(pages or ""))


@cache
def names_supplement(field: str) -> bool:
    """True when a volume or issue field names a supplement (``Suppl``, ``S2``): an item whose
    DOI may be the supplement's, shared by every abstract in it."""
    return bool(_SUPPLEMENT.search(field or ""))


_ENTRY_KINDS = {
    "article": "article",
    "journal article": "article",
    "jour": "article",
    "inproceedings": "proceedings",
    "conference": "proceedings",
    "proceedings": "proceedings",
    "conference paper": "proceedings",
    "cpaper": "proceedings",
    "conf": "proceedings",
    "book": "book",
    "inbook": "book",
    "incollection": "book",
    "book section": "book",
    "chap": "book",
}


@cache
def entry_kind(raw: str) -> str:
    """``article``, ``proceedings``, ``book`` or ``""`` from a BibTeX/RIS entry type.

    A conference paper and a journal article with one title are two publications (often the
    journal version extends the paper), however alike their titles.
    """
    return _ENTRY_KINDS.get((raw or "").strip().lower(), "")


_ROMAN_PAGES = re.compile(r"^\s*([ivxlc]{1,8})\s*(?:[-\u2010-\u2015]+\s*[ivxlc]{1,8})?\s*$", re.IGNORECASE)


@cache
def roman_first_page(raw: str) -> str:
    """The first page of front matter numbered in roman numerals (``"xiii-xv"`` -> ``"xiii"``),
    marked ``r`` so it never equals an arabic page; ``""`` otherwise."""
    match = _ROMAN_PAGES.match(raw or "")
    return "r" + match.group(1).lower() if match else ""


_CUT_SUPPLEMENT = re.compile(r"\s*0*(\w+)\)\s*")


@cache
def volume_token(raw: str) -> str:
    """The comparable volume: the leading number (``"88 Suppl 1"`` -> ``"88"``), or, for a
    value that is only the tail of ``"59(SUPPL. 1)"`` cut by an export (``"1)"``), that
    supplement number in parentheses (``"(1)"``), which says nothing about the volume."""
    match = _CUT_SUPPLEMENT.fullmatch(raw or "")
    if match and "(" not in raw:
        return f"({match.group(1).lower()})"
    return nz.normalize_volume(raw)


def title_holds(x: str, y: str) -> bool:
    """True when one title key holds the other whole: at its start (a subtitle added; the
    shorter at least 30 characters) or at its end (a heading or a translation put in front:
    "Case records of the Massachusetts General Hospital. Case 17-2012. …").  A heading is no
    longer than the title it heads, so the shorter must then be at least 40 characters and
    half the longer: a short topic ("paroxysmal nocturnal hemoglobinuria") ends many titles.
    """
    short, long_ = (x, y) if len(x) <= len(y) else (y, x)
    if len(short) < 30:
        return False
    if long_.startswith(short):
        return True
    return long_.endswith(short) and len(short) >= 40 and 2 * len(short) >= len(long_)


_VENUE_STOP = frozenset(
    "of on the and for in at proceedings proceeding proc procs annual intl conf vol volume part pp".split()
)


@cache
def venue_words(raw: str) -> tuple[str, ...]:
    """A venue's content words, folded, without years, ordinals and stop words."""
    text = re.sub(r"[^0-9a-z]+", " ", nz.fold(nz.fix_text(raw)))
    return tuple(w for w in text.split() if w not in _VENUE_STOP and not re.fullmatch(r"\d+(?:st|nd|rd|th)?", w))


def _spells(acronym: str, words: tuple[str, ...]) -> bool:
    """True when ``acronym`` is made of a non-empty prefix of every word in turn:
    ``"amcis"`` spells ``americas conference information systems``; ``"hicss"`` spells
    ``hawaii international conference system sciences``."""
    if not words:
        return not acronym
    head, rest = words[0], words[1:]
    for length in range(min(len(head), len(acronym) - len(rest)), 0, -1):
        if head[:length] == acronym[:length] and _spells(acronym[length:], rest):
            return True
    return False


def _acronym_agrees(short: tuple[str, ...], long_: tuple[str, ...]) -> bool:
    """One venue is (or contains) an acronym of the other's full name."""
    if len(long_) < 2 or len(long_) > 10:
        return False
    return any(2 <= len(w) <= 8 and w.isalpha() and _spells(w, long_) for w in short)


def venues_agree(a_raw: str, b_raw: str, a_norm: str, b_norm: str) -> float:
    """1 when two venues can name the same journal or meeting, 0 when they cannot, NaN when a
    side has none.

    Journals agree by abbreviation (:func:`~hairmeta.evidence.library.normalize.journals_compatible`);
    proceedings also agree when their content words (:func:`venue_words`) abbreviate one
    another or one is an acronym of the other (``AMCIS 2017 Proceedings``/``Americas
    Conference on Information Systems``).
    """
    if not a_norm or not b_norm:
        return float("nan")
    if nz.journals_compatible(a_norm, b_norm):
        return 1.0
    wa, wb = venue_words(a_raw), venue_words(b_raw)
    if wa and wb and nz.journals_compatible(" ".join(wa), " ".join(wb)):
        return 1.0
    if _acronym_agrees(wa, wb) or _acronym_agrees(wb, wa):
        return 1.0
    return 0.0


_ISSUE_NUMBERS = re.compile(r"\d+")
ISSUE_MAX = 60  # weekly journals reach 52 issues a volume; larger "issues" are other numbers


@cache
def issue_numbers(raw: str) -> str:
    """Issue numbers as a sorted space-separated set, ``""`` when the issue is not a plain
    number or range (supplements, parts, ``var.pagings`` and the like never conflict).

    ``"3"`` -> ``"3"``; ``"3-4"`` -> ``"3 4"``; ``"01-Feb"`` (a spreadsheet date) -> ``"1 2"``;
    ``"Suppl 1"`` -> ``""``; ``"3 Pt 2"`` -> ``""``; ``"1112"`` (above :data:`ISSUE_MAX`) -> ``""``.
    """
    text = nz.undo_spreadsheet_date(raw.strip()) if raw else ""
    if not text or not re.fullmatch(r"\d{1,4}(?:\s*[-/]\s*\d{1,4})?", text):
        return ""
    values = [int(v) for v in _ISSUE_NUMBERS.findall(text)]
    if max(values) > ISSUE_MAX:
        return ""  # accession or record numbers land in issue fields; not comparable
    if len(values) == 2 and values[1] > values[0] and values[1] - values[0] <= 12:
        values = list(range(values[0], values[1] + 1))
    return " ".join(str(v) for v in sorted(set(values)))


def issues_agree(a: str, b: str) -> float:
    """1 when two issue sets share a number, 0 when they are disjoint, NaN when a side is empty."""
    if not a or not b:
        return float("nan")
    return 1.0 if set(a.split()) & set(b.split()) else 0.0


_NAME_TOKEN = re.compile(r"[a-z]{2,}")


@cache
def author_tokens(raw: str) -> frozenset[str]:
    """Every name word of an author list, folded (surnames *and* written-out given names).

    Given name and surname swapped (``"Andrea, C."`` / ``"Carignani, Andrea"``) or written in
    another order still share tokens, where the surname-plus-initial key of
    :func:`~hairmeta.evidence.library.normalize.author_key` does not.  Initials are dropped.
    """
    names = nz.parse_author_names(raw)
    tokens: set[str] = set()
    for surname, given in names:
        for part in (surname, given):
            tokens.update(_NAME_TOKEN.findall(nz.fold(part)))
    return frozenset(tokens - {"and", "et", "al", "von", "van", "der", "de", "la", "del", "da", "di"})


_SWAP_STOP = _GENERIC_STOP | frozenset(
    "and or but not nor than versus vs via into onto upon over under after before during between among "
    "within without about against per is are was were be been being has have had do does did can may "
    "as it he she we they his her who whom which what when where how why".split()
)


def swapped_words(a: str, b: str) -> bool:
    """True when each of two normalised titles has a content word the other does not explain:
    a *substitution*, not a truncation, a spelling or a joined word.

    ``"eculizumab in adult patients …"`` vs ``"eculizumab in adolescent patients …"`` (one
    trial per age group, titles 96 % alike) swap a word, and so do ``male``/``female``.  A
    leftover word is explained by the other title's leftovers when it is another spelling
    (``haemolytic``/``hemolytic``) or one edit away (``randomised``/``randomized``), when it
    has the same letters in another order (``aminals``/``animals``), when it is two words
    written as one (``cell lung``/``celllung``), or when both are last words and one begins
    the other (a title cut off mid-word).  Words with digits (``abeta42``, ``ss42and``) are left to
    :func:`~hairmeta.evidence.library.normalize.title_numbers`; words of one or two letters
    and stop words never count.
    """
    words_a, words_b = a.split(), b.split()
    left, right = _content_words(words_a), _content_words(words_b)
    only_left, only_right = left - right, right - left
    last_a, last_b = (words_a[-1] if words_a else ""), (words_b[-1] if words_b else "")
    vocabulary = frozenset(words_a) | frozenset(words_b)
    return _unexplained(only_left, only_right, last_a, last_b, vocabulary) and _unexplained(
        only_right, only_left, last_b, last_a, vocabulary
    )


def _content_words(words: list[str]) -> set[str]:
    return {w for w in words if len(w) > 2 and w not in _SWAP_STOP and not any(c.isdigit() for c in w)}


_SPELLING = (
    (re.compile(r"ae|oe"), "e"),  # haemolytic, oedema, foetal
    (re.compile(r"our"), "or"),  # tumour, behaviour
    (re.compile(r"ph"), "f"),  # sulphate
    (re.compile(r"tre$"), "ter"),  # centre
    (re.compile(r"(?<=m)me$|(?<=g)ue$"), ""),  # programme, catalogue
)


@cache
def _spelling_key(word: str) -> str:
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word


# Word openings that reverse a word's meaning when one replaces the other.
_OPPOSITES = (
    ("hyper", "hypo"),
    ("intra", "extra"),
    ("inter", "intra"),
    ("pre", "post"),
    ("ante", "post"),
    ("over", "under"),
    ("sub", "supra"),
    ("in", "de"),
    ("in", "ex"),
    ("ma", "pa"),
    ("uni", "bi"),
    ("mono", "poly"),
    ("homo", "hetero"),
)


def _opposite_prefixes(w: str, v: str) -> bool:
    for p, q in _OPPOSITES:
        for x, y in ((w, v), (v, w)):
            if x.startswith(p) and y.startswith(q) and x[len(p) :] == y[len(q) :] and len(x) - len(p) >= 3:
                return True
    return False


def _alike(w: str, v: str, other_words: frozenset[str] = frozenset()) -> bool:
    """Two words that are one word: a British/American spelling, a plural, a typo (one edit,
    or the same letters in another order), a word cut short, or two words written as one
    (``celllung``/``lung``; ``galphaq`` beside ``g alphaq``).

    Long words (seven letters or more) may be two edits apart, as text read by OCR is
    (``southem``, ``infonnation``).  An added syllable or an opposite prefix makes another word:
    ``male``/``female``, ``resistant``/``nonresistant`` (a prefix of under four letters that is
    not a word of the other title), ``hypertension``/``hypotension``,
    ``increased``/``decreased``, ``maternal``/``paternal`` (:data:`_OPPOSITES`).
    """
    short, long = sorted((w, v), key=len)
    if _opposite_prefixes(w, v):
        return False
    if _spelling_key(w) == _spelling_key(v) or long in (short + "s", short + "es"):
        return True
    if len(short) < 4:
        return False
    typo = 2 if len(short) >= 7 else 1  # OCR: "southem", "infonnation", "refraining" (reframing)
    if Levenshtein.distance(w, v) <= typo or sorted(w) == sorted(v) or long.startswith(short):
        return True
    if short not in long:
        return False
    rest = long.replace(short, "", 1)
    return len(rest) >= 4 or rest in other_words  # written together with a word the other title has


def _unexplained(words: set[str], others: set[str], last: str, other_last: str, vocabulary: frozenset[str]) -> bool:
    """Whether some word in ``words`` has no counterpart among ``others`` (see :func:`swapped_words`);
    ``vocabulary`` holds every word of both titles."""

    def explained(w: str) -> bool:
        if w == last and other_last and (other_last.startswith(w) or w.startswith(other_last)):
            return True
        return any(_alike(w, v, vocabulary) for v in others)

    return any(not explained(w) for w in words)


def token_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Overlap coefficient ``|A ∩ B| / min(|A|, |B|)``; NaN when a side is empty."""
    if not a or not b:
        return float("nan")
    return len(a & b) / min(len(a), len(b))


_DOI_SEPARATORS = re.compile(r"[./]")

_DOI_SUFFIX = re.compile(
    r"(?:\.s\d{3}|[./_-]suppl(?:ement)?(?:[._-]?\w*)?|/suppl_file/.*|/-/dc\w*|\.pdf|\.html?|/abstract|/full|/epdf)$"
)


@cache
def doi_alias(doi: str) -> str:
    """A normalised DOI in its canonical alias form: supplement and landing-page suffixes
    (``.s001``, ``/suppl_file``, ``/abstract``, ``/full``) removed, SICI angle brackets kept,
    and the dots and slashes that separate the parts of the suffix dropped.

    ``%28``/``%29`` escapes are already decoded by
    :func:`~hairmeta.evidence.library.normalize.normalize_doi`.  Publishers have registered
    some DOIs twice, with dots and with slashes between the parts of the suffix
    (``10.1057/palgrave.ejis.3000417`` and ``10.1057/palgrave/ejis/3000417`` open the same
    article), and text read from PDFs loses the dots (``10.1057/ejis200849``), so the
    spellings compare as one DOI here.  Within one registrant's numbering, two DOIs never
    differ by separators alone.
    """
    previous = None
    while previous != doi:
        previous = doi
        doi = _DOI_SUFFIX.sub("", doi)
    prefix, slash, suffix = doi.partition("/")
    return prefix + slash + _DOI_SEPARATORS.sub("", suffix) if slash else doi
