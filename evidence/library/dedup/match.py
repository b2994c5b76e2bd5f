"""De-duplication of bibliographic records: block, score, decide, cluster — never delete.

Pipeline
--------
1. :func:`prepare` normalises every record once (``hairmeta.evidence.library.normalize``): title, authors,
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

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.library import normalize as nz
from hairmeta.evidence.library.dedup import fields as fl
from hairmeta.evidence.library.dedup.frame import records_to_frame, standardize_columns
from hairmeta.evidence.library.dedup.rules import _CONFERENCE, THRESHOLDS, Thresholds, decide_pairs, notice_kind
from hairmeta.evidence.library.records import Record

METHOD = "hairmeta-dedup-1"


BLOCK_CAP = 40  # larger blocks are scanned with a sorted window instead of all pairs


WINDOW = 8


def _map_unique(series: pd.Series, func) -> pd.Series:
    """Apply ``func`` once per distinct value (exports repeat journals, years, authors)."""
    uniques = list(dict.fromkeys(series.tolist()))
    lookup = dict(zip(uniques, map(func, uniques)))
    return pd.Series([lookup[v] for v in series.tolist()], index=series.index, dtype=object)


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalised comparison columns for every row of a canonical frame."""
    raw = standardize_columns(frame)
    out = pd.DataFrame(index=raw.index)
    out["ID"] = raw["ID"]
    out["title"] = _map_unique(raw["title"], nz.normalize_title)
    out.loc[_map_unique(out["title"], fl.is_placeholder_title).astype(bool).to_numpy(), "title"] = ""
    out["tkey"] = out["title"].str.replace(" ", "", regex=False)
    authors = _map_unique(raw["author"], nz.author_key)
    out["first_author"] = authors.str[0]
    out["authors"] = authors.str[1]
    out["year"] = _map_unique(raw["year"], nz.normalize_year).astype("float64").fillna(-1)
    out["journal"] = _map_unique(raw["journal"], nz.normalize_journal)
    cited = _map_unique(raw["journal"], nz.journal_citation)
    volume = raw["volume"].where(raw["volume"].str.strip() != "", cited.str[0])
    pages = raw["pages"].where(raw["pages"].str.strip() != "", cited.str[1])
    out["volume"] = _map_unique(volume, fl.volume_token)
    page = _map_unique(pages, nz.first_page).str.lstrip("abcdefghijklmnopqrstuvwxyz")
    page = page.where(page != "", _map_unique(pages, fl.roman_first_page))  # front matter: "xiii-xv"
    year_text = out["year"].astype(int).astype(str)
    out["page"] = page.where(page != year_text, "")  # "pages" that are the year: junk
    out["last_page"] = _map_unique(pages, nz.expand_pages).str.partition("-")[2]
    out["page_num"] = pd.to_numeric(out["page"], errors="coerce")
    out["doi"] = _map_unique(raw["doi"], nz.normalize_doi)
    out["pmid"] = raw["pmid"].str.extract(r"(\d+)", expand=False).fillna("")
    out["abstract"] = raw["abstract"].str.slice(0, 400)  # compared lazily: _abstract_key
    out["numbers"] = _map_unique(out["title"], nz.title_numbers)
    out["conference"] = raw["journal"].str.contains(_CONFERENCE, regex=True).to_numpy()
    out["meeting"] = [
        fl.is_meeting_abstract(t, j, v, i, p, e)
        for t, j, v, i, p, e in zip(
            raw["title"].tolist(),
            raw["journal"].tolist(),
            raw["volume"].tolist(),
            raw["number"].tolist(),
            raw["pages"].tolist(),
            raw["ENTRYTYPE"].tolist(),
        )
    ]
    out["generic"] = _map_unique(out["title"], fl.is_generic_title).astype(bool)
    out["volume_cut"] = out["volume"].str.startswith("(")  # Embase's cut "59(SUPPL. 1)": "(1)"
    out["supplement"] = (
        out["meeting"]
        | _map_unique(raw["volume"], fl.names_supplement).astype(bool)
        | _map_unique(raw["number"], fl.names_supplement).astype(bool)
        | out["volume_cut"]
    )
    out["entry"] = _map_unique(raw["ENTRYTYPE"], fl.entry_kind)
    in_volume = raw["volume"].str.extract(r"^\s*\d+\s*\((\d+)\)", expand=False).fillna("")
    out["issue"] = _map_unique(raw["number"].where(in_volume == "", in_volume), fl.issue_numbers)
    out["venue_raw"] = raw["journal"]
    out["venue_text"] = _alnum_key(raw["journal"])  # "Conference: 6th ..." vs "7th ..."
    out["issue_text"] = _alnum_key(raw["number"])  # "15 suppl" vs "4 suppl": issue numbers unread
    out["author_tokens"] = _map_unique(raw["author"], fl.author_tokens)
    out["doi"] = _map_unique(out["doi"], fl.doi_alias)
    out["kind"] = [
        notice_kind(t, p, j, d)
        for t, p, j, d in zip(
            out["title"].tolist(), raw["publication_types"].tolist(), out["journal"].tolist(), out["doi"].tolist()
        )
    ]
    wos = _map_unique(raw["title"], nz.is_correction_notice).astype(bool)
    out.loc[wos.to_numpy(), "kind"] = "erratum"
    return out.reset_index(drop=True)


_NON_ALNUM_LOWER = re.compile(r"[^0-9a-z]+")


def _alnum_key(series: pd.Series) -> pd.Series:
    """Lower-cased letters and digits only, for comparing a field as written."""
    return series.str.lower().str.replace(_NON_ALNUM_LOWER, "", regex=True)


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
            (prep["first_author"] != "") & (prep["page"] != ""), ""
        ),
        "year_volume_page": (year + "|" + prep["volume"] + "|" + prep["page"]).where(
            (prep["volume"] != "") & (prep["page"] != "") & (prep["year"] > 0), ""
        ),
        "author_title_head": (prep["first_author"] + "|" + tkey.str.slice(0, 12)).where(
            (prep["first_author"] != "") & (tkey.str.len() >= 12), ""
        ),
        # records without year or pages (read from PDFs, in-press) whose titles are worded apart
        "author_volume_issue": (prep["first_author"] + "|" + prep["volume"] + "|" + prep["issue"]).where(
            (prep["first_author"] != "") & (prep["volume"] != "") & (prep["issue"] != ""), ""
        ),
    }


def _block_pairs(key: pd.Series, order: pd.Series) -> np.ndarray:
    """All pairs within each block of equal non-empty keys (sorted window for big blocks)."""
    keyed = pd.DataFrame({"key": key.to_numpy(), "order": order.to_numpy(), "pos": np.arange(len(key))})
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


@lru_cache(maxsize=200_000)
def _abstract_key(text: str) -> str:
    """The opening of an abstract, lower-case alphanumerics only (computed for pairs only)."""
    return _NON_ALNUM_LOWER.sub("", text.lower())[:300] if text else ""


def _ratio_or_nan(left: str, right: str) -> float:
    return fuzz.ratio(left, right) if left and right else np.nan


def score_pairs(prep: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Similarity features per candidate pair (0–100 ratios; NaN where a side is missing)."""
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    cols = {
        name: prep[name].to_numpy()
        for name in (
            "tkey",
            "authors",
            "first_author",
            "abstract",
            "year",
            "volume",
            "page",
            "doi",
            "pmid",
            "journal",
            "kind",
            "numbers",
        )
    }
    out = pairs.copy()
    out["title"] = [_ratio_or_nan(x, y) for x, y in zip(cols["tkey"][a], cols["tkey"][b])]
    out["title_prefix"] = [fl.title_holds(x, y) for x, y in zip(cols["tkey"][a], cols["tkey"][b])]
    titles = prep["title"].to_numpy()
    out["title_swap"] = [
        80 <= ratio < 100 and fl.swapped_words(titles[i], titles[j])
        for ratio, i, j in zip(out["title"].tolist(), a.tolist(), b.tolist())
    ]
    out["title_len"] = np.minimum(prep["tkey"].str.len().to_numpy()[a], prep["tkey"].str.len().to_numpy()[b])
    out["authors"] = [_ratio_or_nan(x, y) for x, y in zip(cols["authors"][a], cols["authors"][b])]
    out["first_author"] = _compare(cols["first_author"], a, b)
    out["authors_prefix"] = [
        len(x) >= 5 and len(y) >= 5 and (x.startswith(y) or y.startswith(x))
        for x, y in zip(cols["authors"][a], cols["authors"][b])
    ]
    abstracts = cols["abstract"]
    out["abstract"] = [
        _ratio_or_nan(_abstract_key(abstracts[i]), _abstract_key(abstracts[j])) for i, j in zip(a.tolist(), b.tolist())
    ]
    ya, yb = cols["year"][a], cols["year"][b]
    out["year_gap"] = np.where((ya > 0) & (yb > 0), np.abs(ya - yb), np.nan)
    for name in ("volume", "page", "doi", "pmid", "kind", "numbers"):
        out[name] = _compare(cols[name], a, b)
    out.loc[_article_number_vs_range(cols["page"], a, b), "page"] = np.nan
    cut = prep["volume_cut"].to_numpy()
    out["volume_cut"] = cut[a] != cut[b]
    out.loc[out["volume_cut"].to_numpy(), "volume"] = np.nan  # "1)", the tail of "59(SUPPL. 1)", beside 59
    out.loc[_placeholder_page_one(prep, a, b), "page"] = np.nan
    out.loc[_first_page_slip(prep, a, b), "page"] = np.nan
    shifted = _shifted_citation(prep, a, b)
    out.loc[shifted, "volume"] = 1.0
    out.loc[shifted, "page"] = np.nan
    out["journal"] = [nz.journals_compatible(x, y) for x, y in zip(cols["journal"][a], cols["journal"][b])]
    venue_raw = prep["venue_raw"].to_numpy()
    out["venue"] = [
        fl.venues_agree(venue_raw[i], venue_raw[j], cols["journal"][i], cols["journal"][j])
        for i, j in zip(a.tolist(), b.tolist())
    ]
    issue = prep["issue"].to_numpy()
    out["issue"] = [fl.issues_agree(x, y) for x, y in zip(issue[a], issue[b])]
    out.loc[shifted, "issue"] = np.nan
    issue_text = prep["issue_text"].to_numpy()
    out["issue_text_differs"] = (issue_text[a] != issue_text[b]) & (issue_text[a] != "") & (issue_text[b] != "")
    tokens = prep["author_tokens"].to_numpy()
    out["author_overlap"] = [fl.token_overlap(x, y) for x, y in zip(tokens[a], tokens[b])]
    # the same first page in the same volume locates the item; an issue mismatch beside it is noise
    out["range_same"] = out["page"].to_numpy() == 1
    last = prep["last_page"].to_numpy()
    out["ranges_disjoint"] = _disjoint_ranges(prep, a, b)
    out["range_full"] = (
        out["range_same"] & (last[a] == last[b]) & (last[a] != "") & (last[a] != prep["page"].to_numpy()[a])
    )
    generic, meeting = prep["generic"].to_numpy(), prep["meeting"].to_numpy()
    out["generic"] = generic[a] | generic[b]
    out["meeting_mix"] = meeting[a] != meeting[b]
    venue_text = prep["venue_text"].to_numpy()  # two meeting abstracts naming other meetings
    out["meetings_differ"] = meeting[a] & meeting[b] & (venue_text[a] != venue_text[b])
    supplement = prep["supplement"].to_numpy()
    out["supplement_any"] = supplement[a] | supplement[b]
    entry = prep["entry"].to_numpy()
    out["entry_mix"] = (entry[a] != entry[b]) & (entry[a] != "") & (entry[b] != "")
    conference = prep["conference"].to_numpy()
    out["conference_mix"] = conference[a] != conference[b]
    out["conference_any"] = conference[a] | conference[b]
    out["journal_both"] = (cols["journal"][a] != "") & (cols["journal"][b] != "")
    out["kinds"] = [f"{x}/{y}" for x, y in zip(cols["kind"][a], cols["kind"][b])]
    return out


def _disjoint_ranges(prep: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where both records give a page range (not a single page) and the ranges do not
    overlap: two items, whatever else agrees."""
    first = prep["page_num"].to_numpy()
    last = pd.to_numeric(prep["last_page"], errors="coerce").to_numpy()
    ranged = ~np.isnan(first) & ~np.isnan(last) & (last > first)
    both = ranged[a] & ranged[b]
    with np.errstate(invalid="ignore"):
        apart = (last[a] < first[b]) | (last[b] < first[a])
    return both & apart


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
    first = prep["page_num"].to_numpy()
    same_last = (last[a] == last[b]) & (last[a] != "")
    gap = np.abs(first[a] - first[b])
    return same_last & (gap > 0) & (gap <= 2)


def _shifted_citation(prep: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where one record's citation sits one column left of the other's: no volume, its
    issue is the other's volume and its first page the other's issue (``-, 26, 9`` beside
    ``26, 9, 1746``, an export that dropped the volume field).  The volume then agrees and the
    pages and issue say nothing."""
    volume, issue, page = (prep[name].to_numpy() for name in ("volume", "issue", "page"))

    def left_of(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (volume[x] == "") & (issue[x] != "") & (issue[x] == volume[y]) & (page[x] != "") & (page[x] == issue[y])

    return left_of(a, b) | left_of(b, a)


def _compare(values: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 equal, 0 different, NaN when either side is empty."""
    left, right = values[a], values[b]
    present = (left != "") & (right != "")
    return np.where(present, (left == right).astype(float), np.nan)


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


def cluster_labels(
    n: int, merges: Iterable[tuple[int, int]], cannot: Iterable[tuple[int, int]] = ()
) -> tuple[np.ndarray, list[tuple[int, int]]]:
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
            out.extend(
                (i, j)
                for (i, vi), (j, vj) in combinations(rows, 2)
                if vi != vj and (min(i, j), max(i, j)) not in direct
            )
    return out


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


def find_duplicates(
    records: Sequence[Record] | pd.DataFrame, ids: Sequence[object] | None = None, thresholds: Thresholds = THRESHOLDS
) -> DedupResult:
    """Find duplicate records: candidate pairs, decisions and clusters.

    Parameters
    ----------
    records : list of Record, or DataFrame with BibTeX-style columns
        (``ID, author, title, year, journal, volume, number, pages, doi, abstract`` …; see
        :data:`COLUMN_ALIASES`).
    ids : optional identifiers for a list of records (default: positions).
    thresholds : the content rules' cut-offs (:class:`~.rules.Thresholds`).

    Returns
    -------
    DedupResult
        Nothing is removed: the caller decides what a cluster means.
    """
    scored = score_records(records, ids)
    if scored is None:
        return DedupResult([], pd.DataFrame(columns=["a", "b", "decision"]), [])
    return cluster_scored(scored, thresholds)


@dataclass(frozen=True)
class Scored:
    """Normalised records, their scored candidate pairs and the caller's IDs (before decisions)."""

    prep: pd.DataFrame
    pairs: pd.DataFrame
    original: np.ndarray


def score_records(records: Sequence[Record] | pd.DataFrame, ids: Sequence[object] | None = None) -> Scored | None:
    """Normalise, block and score (everything before the decision rules); None for no records."""
    frame = records if isinstance(records, pd.DataFrame) else records_to_frame(records, ids)
    if len(frame) == 0:
        return None
    prep = prepare(frame)
    if prep["ID"].duplicated().any():
        dup = prep.loc[prep["ID"].duplicated(), "ID"].iloc[0]
        raise DataError(f"record IDs must be unique; {dup!r} repeats", field="ID")
    original = np.empty(len(prep), dtype=object)
    original[:] = (
        prep["ID"].tolist()
        if isinstance(records, pd.DataFrame)
        else (list(ids) if ids is not None else list(range(len(prep))))
    )
    return Scored(prep, score_pairs(prep, candidate_pairs(prep)), original)


def cluster_scored(scored: Scored, thresholds: Thresholds = THRESHOLDS) -> DedupResult:
    """Decide every scored pair and cluster the merges (refusing any a conflict forbids)."""
    prep, original = scored.prep, scored.original
    pairs = decide_pairs(scored.pairs, thresholds)
    pairs["id_a"] = original[pairs["a"].to_numpy()]
    pairs["id_b"] = original[pairs["b"].to_numpy()]
    merges = pairs[pairs["decision"] == "merge"].sort_values("score", ascending=False)
    cannot = list(pairs.loc[pairs["decision"].isin(("distinct", "related")), ["a", "b"]].itertuples(index=False))
    cannot += _conflicting_within_components(prep, merges)
    labels, refused = cluster_labels(len(prep), merges[["a", "b"]].itertuples(index=False), cannot)
    id_values = original.tolist()
    return DedupResult(
        id_values, pairs, [id_values[i] for i in labels], [(id_values[i], id_values[j]) for i, j in refused]
    )
