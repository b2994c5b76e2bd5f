"""De-duplication of bibliographic records: block, score, decide, cluster — never delete.

Pipeline
--------
1. :func:`prepare` normalises every record once (``evidence.normalize``): title, authors,
   year, journal, volume, first page, DOI, PMID, the notice kind (erratum, retraction,
   comment/reply, preprint) and the opening of the abstract.
2. :func:`candidate_pairs` proposes pairs from several blocking keys (DOI, PMID, the whole
   compact title, its first and last 30 characters, the longest title words, first author with
   year and page, year with volume and page), so a pair only needs to agree on one of them to
   be compared; oversized blocks fall back to a sorted-neighbourhood window, so the work stays
   near-linear in the number of records.
3. :func:`score_pairs` measures each pair with rapidfuzz (title, authors, abstract) and exact
   comparisons (year, volume, pages, DOI, PMID, journal compatibility).
4. :func:`decide_pairs` applies ordered rules: conflicting identifiers, a notice (erratum,
   retraction, comment) against its article, and contradicting year/volume/pages are
   ``distinct``; a preprint beside a published version is ``review`` (linked, never merged
   blindly); strong agreement is ``merge``; near misses are ``review``.
5. :func:`cluster_labels` unites ``merge`` pairs (union-find, strongest first) but refuses a
   union that would put two records with a ``distinct`` decision or different identifiers in
   one cluster, so transitivity cannot smuggle a false merge in.

Library mode (:func:`dedup_library`) writes every decision to the ``matches`` table; clusters
are the union-find closure of active ``merge`` rows, so :func:`undo_merge` only flips a status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from evidence import normalize as nz
from evidence.errors import DataError
from evidence.records import Record

METHOD = "hairmeta-dedup-1"

# Column aliases accepted in data frames and CSV files (lower-cased) -> canonical name.
COLUMN_ALIASES = {
    "id": "ID", "key": "ID", "record_id": "ID", "recordid": "ID",
    "title": "title", "ti": "title", "article title": "title", "primary_title": "title",
    "author": "author", "authors": "author", "au": "author", "author full names": "author",
    "year": "year", "py": "year", "publication year": "year", "date": "year",
    "journal": "journal", "source": "journal", "source title": "journal", "jo": "journal",
    "journal_name": "journal", "secondary_title": "journal", "t2": "journal",
    "booktitle": "journal",
    "volume": "volume", "vl": "volume",
    "number": "number", "issue": "number", "is": "number",
    "pages": "pages", "page": "pages", "pg": "pages",
    "doi": "doi", "di": "doi",
    "pmid": "pmid", "pubmed id": "pmid", "pubmed_id": "pmid",
    "abstract": "abstract", "ab": "abstract",
    "entrytype": "ENTRYTYPE", "type": "ENTRYTYPE",
    "publication_types": "publication_types", "publication type": "publication_types",
}
FIELDS = ("ID", "title", "author", "year", "journal", "volume", "number", "pages", "doi",
          "pmid", "abstract", "ENTRYTYPE", "publication_types")

_NOTICE_PATTERNS = {
    "erratum": re.compile(r"^(?:erratum|errata|correction|corrigendum|corrigenda|addendum)\b"
                          r"|\b(?:erratum|corrigendum)\b|^correction to\b|^notice of correction"),
    "retraction": re.compile(r"^(?:retraction|retracted|withdrawn|notice of retraction)\b"
                             r"|\bretraction (?:note|notice)\b|^expression of concern"),
    "comment": re.compile(r"^(?:comment on|commentary on|reply to|response to|in reply\b"
                          r"|re:|letter to the editor regarding|authors? reply)"
                          r"|\bauthors? reply\b|\breply to\b"),
}
_NOTICE_WORDS = re.compile(r"errat|correct|corrig|addend|retract|withdraw|concern|comment|repl"
                           r"|respon|^re:|letter")
_PUBTYPE_KIND = {"erratum": "erratum", "published erratum": "erratum",
                 "retraction notice": "retraction", "retraction of publication": "retraction",
                 "preprint": "preprint"}
# PubMed's "Comment" type marks articles that comment on another; a copy of the same article
# from a source without publication types would never match it, so comments are told apart
# by their titles ("Comment on", "Reply to") instead.
_PREPRINT = re.compile(r"\b(?:medrxiv|biorxiv|arxiv|ssrn|research square|preprints?|"
                       r"chemrxiv|psyarxiv|osf preprints)\b")
_PREPRINT_DOI = ("10.1101/", "10.21203/", "10.2139/", "10.20944/", "10.48550/", "10.31234/")

_CONFERENCE = r"(?i)\b(?:conference|congress|meeting|symposium|abstracts?\b)"

BLOCK_CAP = 40          # larger blocks are scanned with a sorted window instead of all pairs
WINDOW = 8


# ----------------------------------------------------------------------------- preparation

def records_to_frame(records: Sequence[Record], ids: Sequence[object] | None = None) -> pd.DataFrame:
    """Records as a frame with the canonical columns (:data:`FIELDS`)."""
    rows = []
    for position, rec in enumerate(records):
        authors = " and ".join(
            a.collective_name or f"{a.last_name}, {a.initials or a.fore_name}".strip(", ")
            for a in rec.authors)
        rows.append({
            "ID": ids[position] if ids is not None else position, "title": rec.title,
            "author": authors, "year": str(rec.year or ""), "journal": rec.journal
            or rec.iso_abbreviation, "volume": rec.volume, "number": rec.issue,
            "pages": rec.pages, "doi": rec.doi, "pmid": rec.pmid, "abstract": rec.abstract,
            "ENTRYTYPE": "", "publication_types": "; ".join(rec.publication_types)})
    return pd.DataFrame(rows, columns=list(FIELDS))


def standardize_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename known aliases (case-insensitive) to canonical names and add missing columns."""
    renamed = {}
    for column in frame.columns:
        target = COLUMN_ALIASES.get(str(column).strip().lower())
        if target and target not in renamed.values() and target not in frame.columns:
            renamed[column] = target
    out = frame.rename(columns=renamed)
    for name in FIELDS:
        if name not in out.columns:
            out[name] = ""
    out = out.loc[:, ~out.columns.duplicated()]
    return out[list(FIELDS)].fillna("").astype(str)


def _map_unique(series: pd.Series, func) -> pd.Series:
    """Apply ``func`` once per distinct value (exports repeat journals, years, authors)."""
    uniques = list(dict.fromkeys(series.tolist()))
    lookup = dict(zip(uniques, map(func, uniques)))
    return pd.Series([lookup[v] for v in series.tolist()], index=series.index, dtype=object)


@lru_cache(maxsize=None)
def _preprint_journal(journal: str) -> bool:
    return bool(_PREPRINT.search(journal))


def notice_kind(title: str, publication_types: str = "", journal: str = "", doi: str = "") -> str:
    """``erratum``, ``retraction``, ``comment``, ``preprint`` or ``""`` for an ordinary article.

    Publication types (PubMed) win; otherwise the normalised title and journal decide.
    """
    if publication_types:
        for ptype in (p.strip().casefold() for p in publication_types.split(";")):
            kind = _PUBTYPE_KIND.get(ptype)
            if kind:
                return kind
    if _NOTICE_WORDS.search(title):
        for kind, pattern in _NOTICE_PATTERNS.items():
            if pattern.search(title):
                return kind
    if doi.startswith(_PREPRINT_DOI) or (journal and _preprint_journal(journal)):
        return "preprint"
    return ""


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalised comparison columns for every row of a canonical frame."""
    raw = standardize_columns(frame)
    out = pd.DataFrame(index=raw.index)
    out["ID"] = raw["ID"]
    out["title"] = _map_unique(raw["title"], nz.normalize_title)
    out["tkey"] = out["title"].str.replace(" ", "", regex=False)
    authors = _map_unique(raw["author"], nz.author_key)
    out["first_author"] = authors.str[0]
    out["authors"] = authors.str[1]
    out["year"] = _map_unique(raw["year"], nz.normalize_year).astype("float64").fillna(-1)
    out["journal"] = _map_unique(raw["journal"], nz.normalize_journal)
    cited = _map_unique(raw["journal"], nz.journal_citation)
    volume = raw["volume"].where(raw["volume"].str.strip() != "", cited.str[0])
    pages = raw["pages"].where(raw["pages"].str.strip() != "", cited.str[1])
    out["volume"] = _map_unique(volume, nz.normalize_volume)
    page = _map_unique(pages, nz.first_page).str.lstrip("abcdefghijklmnopqrstuvwxyz")
    year_text = out["year"].astype(int).astype(str)
    out["page"] = page.where(page != year_text, "")  # "pages" that are the year: junk
    out["last_page"] = _map_unique(pages, nz.expand_pages).str.partition("-")[2]
    out["doi"] = _map_unique(raw["doi"], nz.normalize_doi)
    out["pmid"] = raw["pmid"].str.extract(r"(\d+)", expand=False).fillna("")
    out["abstract"] = raw["abstract"].str.slice(0, 400)  # compared lazily: _abstract_key
    out["numbers"] = _map_unique(out["title"], nz.title_numbers)
    out["conference"] = raw["journal"].str.contains(_CONFERENCE, regex=True).to_numpy()
    out["kind"] = [notice_kind(t, p, j, d) for t, p, j, d in
                   zip(out["title"].tolist(), raw["publication_types"].tolist(),
                       out["journal"].tolist(), out["doi"].tolist())]
    wos = _map_unique(raw["title"], nz.is_correction_notice).astype(bool)
    out.loc[wos.to_numpy(), "kind"] = "erratum"
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- blocking

def _long_words(title: str) -> str:
    words = sorted(set(title.split()), key=lambda w: (-len(w), w))[:4]
    return " ".join(sorted(words)) if len(words) >= 3 else ""


def blocking_keys(prep: pd.DataFrame) -> dict[str, pd.Series]:
    """Each blocking key per record (``""`` = no key).  Named so candidates say why."""
    year = prep["year"].astype(int).astype(str)
    tkey = prep["tkey"]
    long_title = tkey.str.len() >= 30
    return {
        "doi": prep["doi"],
        "pmid": prep["pmid"],
        "title": tkey.where(tkey.str.len() >= 6, ""),
        "title_head": tkey.str.slice(0, 30).where(long_title, ""),
        "title_tail": tkey.str.slice(-30).where(long_title, ""),
        "title_words": _map_unique(prep["title"], _long_words),
        "author_year_page": (prep["first_author"] + "|" + year + "|" + prep["page"]).where(
            (prep["first_author"] != "") & (prep["page"] != ""), ""),
        "year_volume_page": (year + "|" + prep["volume"] + "|" + prep["page"]).where(
            (prep["volume"] != "") & (prep["page"] != "") & (prep["year"] > 0), ""),
        "author_title_head": (prep["first_author"] + "|" + tkey.str.slice(0, 12)).where(
            (prep["first_author"] != "") & (tkey.str.len() >= 12), ""),
    }


def _block_pairs(key: pd.Series, order: pd.Series) -> np.ndarray:
    """All pairs within each block of equal non-empty keys (sorted window for big blocks)."""
    keyed = pd.DataFrame({"key": key.to_numpy(), "order": order.to_numpy(),
                          "pos": np.arange(len(key))})
    keyed = keyed[(keyed["key"] != "") & keyed["key"].duplicated(keep=False)]
    if keyed.empty:
        return np.empty((0, 2), dtype=np.int64)
    keyed = keyed.sort_values(["key", "order"], kind="stable")
    chunks = []
    for _, positions in keyed.groupby("key", sort=False)["pos"]:
        members = positions.to_numpy()
        if len(members) <= BLOCK_CAP:
            chunks.extend(combinations(members.tolist(), 2))
        else:
            for step in range(1, WINDOW + 1):
                chunks.extend(zip(members[:-step].tolist(), members[step:].tolist()))
    pairs = np.asarray(chunks, dtype=np.int64).reshape(-1, 2)
    return np.sort(pairs, axis=1)


def candidate_pairs(prep: pd.DataFrame) -> pd.DataFrame:
    """Distinct candidate pairs ``a < b`` (positions) with the first blocking key that found them."""
    found = []
    for name, key in blocking_keys(prep).items():
        pairs = _block_pairs(key, prep["tkey"])
        found.append(pd.DataFrame({"a": pairs[:, 0], "b": pairs[:, 1], "block": name}))
    pairs = pd.concat(found, ignore_index=True)
    pairs = pairs[pairs["a"] != pairs["b"]]
    return pairs.drop_duplicates(["a", "b"]).reset_index(drop=True)


# ----------------------------------------------------------------------------- scoring

_NON_ALNUM_LOWER = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=200_000)
def _abstract_key(text: str) -> str:
    """The opening of an abstract, lower-case alphanumerics only (computed for pairs only)."""
    return _NON_ALNUM_LOWER.sub("", text.lower())[:300] if text else ""


def _ratio_or_nan(left: str, right: str) -> float:
    return fuzz.ratio(left, right) if left and right else np.nan


def score_pairs(prep: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Similarity features per candidate pair (0–100 ratios; NaN where a side is missing)."""
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    cols = {name: prep[name].to_numpy() for name in
            ("tkey", "authors", "first_author", "abstract", "year", "volume", "page", "doi",
             "pmid", "journal", "kind", "numbers")}
    out = pairs.copy()
    out["title"] = [_ratio_or_nan(x, y) for x, y in zip(cols["tkey"][a], cols["tkey"][b])]
    out["title_prefix"] = [bool(x and y) and (x.startswith(y) or y.startswith(x))
                           and min(len(x), len(y)) >= 30
                           for x, y in zip(cols["tkey"][a], cols["tkey"][b])]
    out["title_len"] = np.minimum(prep["tkey"].str.len().to_numpy()[a],
                                  prep["tkey"].str.len().to_numpy()[b])
    out["authors"] = [_ratio_or_nan(x, y) for x, y in zip(cols["authors"][a], cols["authors"][b])]
    out["first_author"] = _compare(cols["first_author"], a, b)
    out["authors_prefix"] = [len(x) >= 5 and len(y) >= 5 and (x.startswith(y) or y.startswith(x))
                             for x, y in zip(cols["authors"][a], cols["authors"][b])]
    abstracts = cols["abstract"]
    out["abstract"] = [_ratio_or_nan(_abstract_key(abstracts[i]), _abstract_key(abstracts[j]))
                       for i, j in zip(a.tolist(), b.tolist())]
    ya, yb = cols["year"][a], cols["year"][b]
    out["year_gap"] = np.where((ya > 0) & (yb > 0), np.abs(ya - yb), np.nan)
    for name in ("volume", "page", "doi", "pmid", "kind", "numbers"):
        out[name] = _compare(cols[name], a, b)
    out.loc[_article_number_vs_range(cols["page"], a, b), "page"] = np.nan
    out.loc[_placeholder_page_one(prep, a, b), "page"] = np.nan
    out.loc[_first_page_slip(prep, a, b), "page"] = np.nan
    out["journal"] = [nz.journals_compatible(x, y)
                      for x, y in zip(cols["journal"][a], cols["journal"][b])]
    conference = prep["conference"].to_numpy()
    out["conference_mix"] = conference[a] != conference[b]
    out["conference_any"] = conference[a] | conference[b]
    out["journal_both"] = (cols["journal"][a] != "") & (cols["journal"][b] != "")
    out["kinds"] = [f"{x}/{y}" for x, y in zip(cols["kind"][a], cols["kind"][b])]
    return out


def _article_number_vs_range(pages: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where one side is an article number (``e1002282``) and the other page 1 of it."""
    left, right = pages[a], pages[b]
    one = (left == "1") | (right == "1")
    long_number = np.array([max(len(x), len(y)) >= 5 for x, y in zip(left, right)], dtype=bool)
    return one & long_number


def _placeholder_page_one(prep: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where one side's pages are a bare ``1`` (a common placeholder) and the other's a
    real range: not comparable."""
    page, last = prep["page"].to_numpy(), prep["last_page"].to_numpy()
    bare_a = (page[a] == "1") & (last[a] == "")
    bare_b = (page[b] == "1") & (last[b] == "")
    return (bare_a & (page[b] != "1")) | (bare_b & (page[a] != "1"))


def _first_page_slip(prep: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where the last pages agree and the first pages differ by one or two (a typo such
    as ``2141-2147`` vs ``2142-2147``): neither a conflict nor support."""
    last = prep["last_page"].to_numpy()
    first = pd.to_numeric(prep["page"], errors="coerce").to_numpy()
    same_last = (last[a] == last[b]) & (last[a] != "")
    gap = np.abs(first[a] - first[b])
    return same_last & (gap > 0) & (gap <= 2)


def _compare(values: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 equal, 0 different, NaN when either side is empty."""
    left, right = values[a], values[b]
    present = (left != "") & (right != "")
    return np.where(present, (left == right).astype(float), np.nan)


# ----------------------------------------------------------------------------- decisions

Decision = tuple[str, str]  # (merge | distinct | review, the rule's reason)


def decide_pair(f: dict) -> Decision:
    """One pair's decision (``merge``, ``distinct`` or ``review``) and the rule that made it.

    The rules run in order and the first that applies decides: notice kinds (a preprint's DOI
    always differs from its published version's, so this comes first), conflicting
    identifiers, shared identifiers, then the bibliographic content (:func:`_decide_on_content`).
    """
    for rule in (_kind_mismatch, _identifier_conflict, _shared_identifier):
        decision = rule(f)
        if decision:
            return decision
    return _decide_on_content(f)


def _identifier_conflict(f: dict) -> Decision | None:
    """Different PMIDs never merge; different DOIs only on an otherwise identical citation."""
    if f["pmid"] == 0:
        return "distinct", "different PMIDs"
    if f["doi"] == 0:
        if _identical_citation(f):
            return "merge", ("different DOIs but identical title, authors, year, volume and "
                             "first page: one DOI is an alias or an error")
        return "distinct", "different DOIs"
    return None


def _kind_mismatch(f: dict) -> Decision | None:
    """An erratum, retraction or comment is not its article; a preprint is linked for review."""
    kind_a, kind_b = f["kinds"].split("/")
    if kind_a == kind_b:
        return None
    if "preprint" in (kind_a, kind_b) and not ({kind_a, kind_b} - {"preprint", ""}):
        if _title_close(f, 90):
            return "review", "preprint and published version: linked, not merged"
        return "distinct", "preprint with a different title"
    return "distinct", f"{kind_a or 'article'} is not the same work as {kind_b or 'article'}"


def _shared_identifier(f: dict) -> Decision | None:
    """Same DOI or PMID: merge unless pages/volumes or titles say otherwise."""
    if f["doi"] != 1 and f["pmid"] != 1:
        return None
    if f["page"] == 0 or f["volume"] == 0:  # supplement DOIs are shared by many abstracts
        decision, reason = _decide_on_content(f)
        return decision, f"same identifier, but {reason}"
    if f["title"] >= 90 or np.isnan(f["title"]):
        return "merge", "same identifier, titles agree"
    if f["title_prefix"] and f["year_gap"] == 0:
        return "merge", "same identifier; one title is the other's main title"
    if f["page"] == 1 and f["volume"] != 0 and f["year_gap"] == 0 and f["title"] >= 80 \
            and f["authors"] >= 90:
        return "merge", "same identifier, year, volume and pages; the titles are worded differently"
    return "review", "same identifier but different titles"


def _identical_citation(f: dict) -> bool:
    """Everything a citation has agrees: title, author list, year, volume and first page."""
    return (f["title"] >= 98 and f["authors"] >= 95 and f["year_gap"] == 0
            and f["volume"] == 1 and f["page"] == 1 and f["numbers"] != 0)


def _title_close(f: dict, threshold: float) -> bool:
    return not np.isnan(f["title"]) and f["title"] >= threshold


def _conflicts(f: dict) -> list[str]:
    """Fields that contradict each other (missing values never conflict)."""
    found = []
    if not np.isnan(f["year_gap"]) and f["year_gap"] > 1:
        found.append("years differ")
    exact_twin = (f["title"] >= 98 and f["authors"] >= 90 and f["page"] == 1
                  and f["year_gap"] == 0)
    if f["volume"] == 0 and not exact_twin:  # issue numbers often land in volume fields
        found.append("volumes differ")
    if f["page"] == 0:
        found.append("pages differ")
    same_citation = (f["title"] >= 98 and f["page"] == 1 and f["volume"] == 1
                     and f["year_gap"] == 0)
    if not np.isnan(f["authors"]) and f["authors"] < 50 and f["first_author"] != 1 \
            and not same_citation:  # group names and swapped name order, same citation
        found.append("authors differ")
    if f["numbers"] == 0:
        found.append("numbers in the titles differ (parts, doses, years)")
    return found


def _same_work_elsewhere(f: dict, conflicts: list[str]) -> bool:
    """Identical long title, near-identical author list, same year: pagination noise only."""
    return (len(conflicts) == 1 and conflicts[0] in ("volumes differ", "pages differ")
            and f["title"] >= 99.5
            and f["authors"] >= 90 and f["year_gap"] == 0 and f["title_len"] >= 40
            and f["journal_both"] and bool(f["journal"]))


def _same_place(f: dict) -> Decision | None:
    """Same year, volume and first page in a compatible journal: one article, however titled."""
    if f["title_prefix"] and f["authors"] >= 90 and f["page"] == 1 and f["volume"] == 1 \
            and f["year_gap"] == 0:
        return "merge", "one title is the other's main title; authors, volume and pages agree"
    if not (f["page"] == 1 and f["volume"] == 1 and f["year_gap"] == 0 and bool(f["journal"])):
        return None
    if f["title"] >= 98 and (f["title_len"] >= 30 or f["journal_both"]):
        return "merge", "identical title, year, volume and first page (author names written differently)"
    if f["title"] >= 70 and (f["authors"] >= 90 or f["authors_prefix"]) and not f["conference_any"]:
        return "merge", "same authors, year, volume and first page; the title is translated or reworded"
    return None


def _conflicting(f: dict) -> Decision | None:
    """Contradicting fields make a pair distinct, except pagination noise or a year slip."""
    conflicts = _conflicts(f)
    if not conflicts:
        return None
    if _same_work_elsewhere(f, conflicts):
        return "merge", "identical title and authors, same year; " + "; ".join(conflicts) \
            + " (the same abstract in another database's pagination)"
    if _title_close(f, 95) and conflicts == ["years differ"] and _support(f) >= 4 - _short(f):
        return "review", "titles agree but years differ"
    return "distinct", "; ".join(conflicts)


def _support(f: dict) -> int:
    """How many independent fields agree (page, volume, year, authors, abstract, journal)."""
    return sum([f["page"] == 1, f["volume"] == 1, f["year_gap"] == 0,
                f["authors"] >= 85, f["abstract"] >= 90, bool(f["journal"])])


def _short(f: dict) -> bool:
    return f["title_len"] < 30


def _decide_on_content(f: dict) -> Decision:
    """Bibliographic rules: same place, title closeness, conflicts, then agreement."""
    decision = _same_place(f)
    if decision:
        return decision
    if not _title_close(f, 80):
        return "distinct", "titles differ"
    decision = _conflicting(f)
    if decision:
        return decision
    if f["conference_mix"] and f["title"] < 99.5:
        return "review", "a conference abstract and an article with slightly different titles"
    authors_ok = np.isnan(f["authors"]) or f["authors"] >= 75 or f["first_author"] == 1
    if f["title"] >= 95 and authors_ok and _support(f) >= 3 + _short(f):
        return "merge", "titles, authors and bibliographic details agree"
    if f["title"] >= 90 and f["authors"] >= 85 and _support(f) >= 4 + _short(f):
        return "merge", "near-identical titles with matching authors and details"
    if f["title"] >= 90:
        return "review", "similar titles, too little corroboration"
    return "distinct", "titles differ"


def decide_pairs(scored: pd.DataFrame) -> pd.DataFrame:
    """Add ``decision``, ``reason`` and an overall ``score`` (0–1) to scored pairs."""
    rows = scored.to_dict(orient="records")
    decisions = [decide_pair(row) for row in rows]
    out = scored.copy()
    out["decision"] = [d for d, _ in decisions]
    out["reason"] = [r for _, r in decisions]
    weights = np.nan_to_num(scored[["title", "authors", "abstract"]].to_numpy(), nan=0.0)
    out["score"] = (0.6 * weights[:, 0] + 0.3 * weights[:, 1] + 0.1 * weights[:, 2]) / 100
    return out


# ----------------------------------------------------------------------------- clustering

class _Clusters:
    """Union-find with members and cannot-link sets kept per root."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.cannot: dict[int, set[int]] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def forbid(self, i: int, j: int) -> None:
        self.cannot.setdefault(i, set()).add(j)
        self.cannot.setdefault(j, set()).add(i)

    def blocked(self, ri: int, rj: int) -> bool:
        small, large = sorted((ri, rj), key=lambda r: len(self.members[r]))
        others = set(self.members[large])
        return any(self.cannot.get(m, set()) & others for m in self.members[small])

    def labels(self) -> np.ndarray:
        """Each element's cluster label: the smallest member of its cluster."""
        labels = np.arange(len(self.parent))
        for members in self.members.values():
            labels[members] = min(members)
        return labels

    def union(self, i: int, j: int) -> bool:
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return True
        if self.blocked(ri, rj):
            return False
        if len(self.members[ri]) < len(self.members[rj]):
            ri, rj = rj, ri
        self.parent[rj] = ri
        self.members[ri].extend(self.members.pop(rj))
        return True


def cluster_labels(n: int, merges: Iterable[tuple[int, int]],
                   cannot: Iterable[tuple[int, int]] = ()) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Cluster label (smallest member position) per record, and the merges refused.

    ``merges`` should come strongest first; a merge is refused when it would join two records
    that a ``cannot`` pair (a ``distinct`` decision, conflicting identifiers) keeps apart.
    """
    clusters = _Clusters(n)
    for i, j in cannot:
        clusters.forbid(i, j)
    refused = [(i, j) for i, j in merges if not clusters.union(i, j)]
    return clusters.labels(), refused


def _conflicting_within_components(prep: pd.DataFrame, merge_pairs: pd.DataFrame) -> list[tuple[int, int]]:
    """Pairs in the same would-be component whose DOIs or PMIDs differ."""
    loose, _ = cluster_labels(len(prep), merge_pairs[["a", "b"]].itertuples(index=False))
    direct = set(zip(merge_pairs["a"].tolist(), merge_pairs["b"].tolist()))
    out = []
    for name in ("doi", "pmid"):
        values = prep[name].to_numpy()
        frame = pd.DataFrame({"label": loose, "value": values, "pos": np.arange(len(prep))})
        frame = frame[frame["value"] != ""]
        multi = frame.groupby("label")["value"].transform("nunique") > 1
        for _, group in frame[multi].groupby("label"):
            rows = list(zip(group["pos"], group["value"]))
            out.extend((i, j) for (i, vi), (j, vj) in combinations(rows, 2)
                       if vi != vj and (min(i, j), max(i, j)) not in direct)
    return out


# ----------------------------------------------------------------------------- public API

@dataclass(frozen=True)
class DedupResult:
    """Outcome of :func:`find_duplicates`.

    ``pairs``: one row per candidate pair (positions ``a``, ``b``, their ``id_a``/``id_b``,
    features, ``decision``, ``reason``, ``score``); ``labels``: cluster label per input
    record (the ID of the cluster's first record); ``refused``: merges blocked by a conflict.
    """

    ids: list
    pairs: pd.DataFrame
    labels: list
    refused: list = field(default_factory=list)

    def cluster_frame(self) -> pd.DataFrame:
        """``ID, cluster_id`` — one row per input record, in input order."""
        return pd.DataFrame({"ID": self.ids, "cluster_id": self.labels})

    def clusters(self) -> list[list]:
        """Clusters of two or more records, as lists of input IDs."""
        groups: dict[object, list] = {}
        for ident, label in zip(self.ids, self.labels):
            groups.setdefault(label, []).append(ident)
        return [members for members in groups.values() if len(members) > 1]

    def queued(self) -> pd.DataFrame:
        """The ``review`` pairs (a person decides)."""
        return self.pairs[self.pairs["decision"] == "review"]


def find_duplicates(records: Sequence[Record] | pd.DataFrame,
                    ids: Sequence[object] | None = None) -> DedupResult:
    """Find duplicate records: candidate pairs, decisions and clusters.

    Parameters
    ----------
    records : list of Record, or DataFrame with BibTeX-style columns
        (``ID, author, title, year, journal, volume, number, pages, doi, abstract`` …; see
        :data:`COLUMN_ALIASES`).
    ids : optional identifiers for a list of records (default: positions).

    Returns
    -------
    DedupResult
        Nothing is removed: the caller decides what a cluster means.
    """
    frame = records if isinstance(records, pd.DataFrame) else records_to_frame(records, ids)
    if len(frame) == 0:
        return DedupResult([], pd.DataFrame(columns=["a", "b", "decision"]), [])
    prep = prepare(frame)
    if prep["ID"].duplicated().any():
        dup = prep.loc[prep["ID"].duplicated(), "ID"].iloc[0]
        raise DataError(f"record IDs must be unique; {dup!r} repeats", field="ID")
    original = np.empty(len(prep), dtype=object)
    original[:] = prep["ID"].tolist() if isinstance(records, pd.DataFrame) else \
        (list(ids) if ids is not None else list(range(len(prep))))
    pairs = decide_pairs(score_pairs(prep, candidate_pairs(prep)))
    pairs["id_a"] = original[pairs["a"].to_numpy()]
    pairs["id_b"] = original[pairs["b"].to_numpy()]
    merges = pairs[pairs["decision"] == "merge"].sort_values("score", ascending=False)
    cannot = list(pairs.loc[pairs["decision"] == "distinct", ["a", "b"]].itertuples(index=False))
    cannot += _conflicting_within_components(prep, merges)
    labels, refused = cluster_labels(len(prep), merges[["a", "b"]].itertuples(index=False), cannot)
    id_values = original.tolist()
    return DedupResult(id_values, pairs, [id_values[i] for i in labels],
                       [(id_values[i], id_values[j]) for i, j in refused])


# ----------------------------------------------------------------------------- library mode

@dataclass(frozen=True)
class DedupReport:
    """Outcome of :func:`dedup_library` (counts of rows written in this run, and totals)."""

    records: int
    candidate_pairs: int
    merged: int
    queued: int
    distinct: int
    refused: int
    clusters: int
    duplicates_removed: int

    def as_dict(self) -> dict:
        """Plain dict for rendering."""
        return dict(self.__dict__)


def _pair_rows(result: DedupResult, now: str) -> list[tuple]:
    """``matches`` rows for the pairs worth recording (merges, reviews, near-miss distincts)."""
    refused = {tuple(sorted(p)) for p in result.refused}
    rows = []
    for row in result.pairs.itertuples(index=False):
        a, b = sorted((int(row.id_a), int(row.id_b)))
        decision, status, reason = row.decision, "active", row.reason
        if decision == "merge" and (a, b) in refused:
            decision, reason = "review", f"merge refused ({reason}): it would join records " \
                                         "another rule keeps apart"
        if decision == "review":
            status = "pending"
        elif decision == "distinct" and not (row.title >= 90 or row.doi == 1 or row.pmid == 1):
            continue  # plainly different works: not worth a row
        rows.append((a, b, float(row.score), decision, status, METHOD, reason, now))
    return rows


def dedup_library(store) -> DedupReport:
    """De-duplicate the whole library: record decisions in ``matches``, delete nothing.

    Sure pairs become active ``merge`` rows; uncertain ones ``review`` rows (status
    ``pending``) for :func:`decide`; near misses a ``distinct`` row saying why.  Pairs that
    already have a row (from an earlier run or a person) are left as they are, so a rerun only
    adds what is new and never overrides a person's decision.
    """
    from datetime import datetime, timezone

    ids, records = [], []
    for record_id, record in store.iter_records():
        ids.append(record_id)
        records.append(record)
    result = find_duplicates(records, ids)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    rows = _pair_rows(result, now) if len(result.pairs) else []
    with store.transaction() as conn:
        known = {(a, b) for a, b in conn.execute("SELECT min(record_a, record_b),"
                                                 " max(record_a, record_b) FROM matches")}
        fresh = [r for r in rows if (r[0], r[1]) not in known]
        conn.executemany("INSERT INTO matches(record_a, record_b, score, decision, status,"
                         " method, reason, created_at) VALUES (?,?,?,?,?,?,?,?)", fresh)
    counts = {d: sum(1 for r in fresh if r[3] == d) for d in ("merge", "review", "distinct")}
    clusters = cluster_map(store)
    sizes = pd.Series(list(clusters.values())).value_counts() if clusters else pd.Series([])
    return DedupReport(len(ids), len(result.pairs), counts["merge"], counts["review"],
                       counts["distinct"], len(result.refused), int((sizes > 1).sum()),
                       duplicates_removed(store))


def _active_rows(store, decision: str, by_person: bool) -> list[tuple[int, int]]:
    who = "decided_by IS NOT NULL" if by_person else "decided_by IS NULL"
    return [(a, b) for a, b in store.conn.execute(
        f"SELECT record_a, record_b FROM matches WHERE decision = ? AND status = 'active'"
        f" AND {who} ORDER BY id", (decision,))]


def cluster_map(store) -> dict[int, int]:
    """Library record id -> cluster id (the smallest record id of its cluster), every record.

    Clusters are the union-find closure of the active ``merge`` rows.  People's decisions
    come first (their merges, kept apart only by their own ``distinct`` rows); then the
    machine's merges, each refused if it would join two records that any active ``distinct``
    row keeps apart.
    """
    record_ids = [r[0] for r in store.conn.execute("SELECT id FROM records ORDER BY id")]
    position = {rid: i for i, rid in enumerate(record_ids)}

    def located(rows):
        return [(position[a], position[b]) for a, b in rows if a in position and b in position]

    clusters = _Clusters(len(record_ids))
    for by_person in (True, False):
        for i, j in located(_active_rows(store, "distinct", by_person)):
            clusters.forbid(i, j)
        for i, j in located(_active_rows(store, "merge", by_person)):
            clusters.union(i, j)
    labels = clusters.labels()
    return {rid: record_ids[labels[i]] for i, rid in enumerate(record_ids)}


def duplicates_removed(store) -> int:
    """Records that merged into another (records minus clusters), for PRISMA counts."""
    clusters = cluster_map(store)
    return len(clusters) - len(set(clusters.values()))


def undo_merge(store, match_id: int | None = None, cluster: int | None = None) -> int:
    """Undo one merge (by ``matches`` id) or every merge of a cluster; returns rows undone.

    The rows stay in ``matches`` with status ``undone`` (an audit trail), and the pair is not
    proposed again by later runs.
    """
    if (match_id is None) == (cluster is None):
        raise DataError("give exactly one of a match id or a cluster id", field="undo")
    with store.transaction() as conn:
        if match_id is not None:
            changed = conn.execute("UPDATE matches SET status = 'undone' WHERE id = ? AND"
                                   " decision = 'merge' AND status = 'active'", (match_id,))
            target = f"match {match_id}"
        else:
            members = [rid for rid, cid in cluster_map(store).items() if cid == cluster]
            marks = ",".join("?" * len(members))
            changed = conn.execute(
                f"UPDATE matches SET status = 'undone' WHERE decision = 'merge' AND status ="
                f" 'active' AND record_a IN ({marks})", members) if len(members) > 1 else None
            target = f"cluster {cluster}"
        count = changed.rowcount if changed is not None else 0
    if count == 0:
        raise DataError(f"no active merge for {target}", field="undo")
    return count


SIDE_FIELDS = ("title", "authors", "year", "journal", "volume", "pages", "doi", "pmid")


def _side(record: Record) -> dict:
    return {"title": record.title, "authors": "; ".join(a.display() for a in record.authors),
            "year": record.year, "journal": record.journal, "volume": record.volume,
            "pages": record.pages, "doi": record.doi, "pmid": record.pmid}


def review_queue(store) -> list[dict]:
    """Pending ``review`` pairs with both records' fields side by side.

    Each item: ``match_id, score, reason, record_a, record_b`` and ``a_<field>``/``b_<field>``
    for title, authors, year, journal, volume, pages, doi, pmid.
    """
    rows = store.conn.execute(
        "SELECT id, record_a, record_b, score, reason FROM matches WHERE decision = 'review'"
        " AND status = 'pending' ORDER BY score DESC, id").fetchall()
    queue = []
    for match_id, a, b, score, reason in rows:
        item = {"match_id": match_id, "score": score, "reason": reason,
                "record_a": a, "record_b": b}
        for prefix, record_id in (("a", a), ("b", b)):
            item.update({f"{prefix}_{k}": v for k, v in _side(store.get_record(record_id)).items()})
        queue.append(item)
    return queue


DECISIONS = ("merge", "distinct")


def decide(store, match_id: int, decision: str, reviewer: str) -> None:
    """Record a person's decision on a pending review pair (``merge`` or ``distinct``)."""
    from evidence.errors import UnknownNameError

    if decision not in DECISIONS:
        raise UnknownNameError("decision", decision, DECISIONS)
    if not reviewer.strip():
        raise DataError("say who decided (a reviewer name)", field="reviewer")
    with store.transaction() as conn:
        changed = conn.execute(
            "UPDATE matches SET decision = ?, status = 'active', decided_by = ? WHERE id = ?"
            " AND decision = 'review' AND status = 'pending'", (decision, reviewer, match_id))
        if changed.rowcount == 0:
            raise DataError(f"match {match_id} is not a pending review pair", field="match_id")


def dedup_file(input_path, output_path) -> dict:
    """File mode: cluster the records of one file and write ``ID,cluster_id`` (input's IDs)."""
    from extractors.files import records_frame

    frame = records_frame(input_path)
    result = find_duplicates(frame)
    result.cluster_frame().to_csv(output_path, index=False)
    return {"records": len(result.ids), "clusters": len(set(result.labels)),
            "duplicates_removed": len(result.ids) - len(set(result.labels)),
            "queued_for_review": int((result.pairs["decision"] == "review").sum()),
            "output": str(output_path)}
