"""PubMed efetch XML (``PubmedArticleSet``) → :class:`~hairmeta.evidence.library.records.Record`, via ``Entrez.read``.

Works offline: ``Entrez.read`` validates against the DTD named in the DOCTYPE, which Biopython
ships (PubMed DTDs up to ``pubmed_250101``).  A DOCTYPE naming a newer PubMed DTD that is not
bundled is served from a local cache seeded with the newest bundled PubMed DTD (see
:func:`ensure_dtd_cache`), so a DTD bump at NCBI does not break parsing offline.

Field rules (NLM element descriptions, https://www.nlm.nih.gov/bsd/licensee/elements_descriptions.html):
every path is scoped to ``MedlineCitation`` / ``PubmedData`` (never ``.//PMID``, which would
pick up CommentsCorrections PMIDs); the year comes from ``PubDate/Year``, else the first
four-digit run of ``MedlineDate`` (``"2019 Jan-Feb"``), else ``ArticleDate``; structured
abstracts keep every section as ``LABEL: text``.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any, BinaryIO

from hairmeta.evidence.library.records import Author, Link, Record, normalize_doi, split_translated_title, strip_markup

_YEAR = re.compile(r"(1[5-9]\d\d|20\d\d|21\d\d)")
_DOCTYPE_DTD = re.compile(rb'<!DOCTYPE[^>]*?"https://[^"]*/(pubmed_\d+\.dtd)"')
# CommentsCorrections kinds kept as links: errata, retractions, comments, updates, republications.
# "Cites" (the reference list) is left out: it is not a link about this record.
_SKIPPED_LINKS = {"Cites"}


class PubmedParseError(ValueError):
    """The bytes are not a complete, valid PubMed efetch reply (truncated, malformed, <ERROR>)."""


def ensure_dtd_cache(raw: bytes) -> None:
    """Let ``Entrez.read`` parse a reply whose PubMed DTD is newer than Biopython's bundle.

    The newest bundled ``pubmed_*.dtd`` is copied under the new name into hairmeta's own cache
    directory, which becomes Biopython's local DTD directory (the pattern ENTREZ-NOTES §1.7
    verified offline).  Bundled DTDs and the modules they include are still found in the wheel.
    """
    from Bio.Entrez import Parser

    match = _DOCTYPE_DTD.search(raw[:2000])
    if not match:
        return
    name = match.group(1).decode()
    bundled = Path(Parser.DataHandler.global_dtd_dir)
    current = Parser.DataHandler.local_dtd_dir
    if (bundled / name).exists() or (current and (Path(current) / name).exists()):
        return
    import platformdirs

    root = Path(platformdirs.user_cache_dir("hairmeta")) / "entrez"
    ours = root / "Bio" / "Entrez" / "DTDs"
    ours.mkdir(parents=True, exist_ok=True)
    if not (ours / name).exists():
        shutil.copyfile(max(bundled.glob("pubmed_*.dtd")), ours / name)
    Parser.DataHandler.directory = str(root)
    Parser.DataHandler.local_dtd_dir = str(ours)


def read_entrez(source: bytes | BinaryIO | str | Path) -> Any:
    """``Entrez.read`` on bytes, a binary stream or a path; errors → :class:`PubmedParseError`."""
    from Bio import Entrez

    if isinstance(source, (str, Path)):
        source = Path(source).read_bytes()
    raw = source if isinstance(source, bytes) else source.read()
    ensure_dtd_cache(raw)
    try:
        return Entrez.read(io.BytesIO(raw))
    except Exception as exc:  # Bio raises CorruptedXMLError, ValidationError, RuntimeError, ...
        raise PubmedParseError(f"{type(exc).__name__}: {exc}") from exc


def parse_pubmed_xml(handle_or_bytes: bytes | BinaryIO | str | Path) -> list[Record]:
    """Every article (and book) in a PubMed efetch XML reply, as Records, in document order."""
    data = read_entrez(handle_or_bytes)
    if not hasattr(data, "get") or ("PubmedArticle" not in data and "PubmedBookArticle" not in data):
        raise PubmedParseError("not a PubmedArticleSet reply")
    records = [article_record(a) for a in data.get("PubmedArticle", [])]
    records += [book_record(b) for b in data.get("PubmedBookArticle", [])]
    return records


def _text(value: Any) -> str:
    return strip_markup(str(value)) if value is not None else ""


def article_record(article: dict) -> Record:
    """One ``PubmedArticle`` (as ``Entrez.read`` returns it) → Record."""
    citation = article["MedlineCitation"]
    art = citation["Article"]
    journal = art.get("Journal", {})
    issue = journal.get("JournalIssue", {})
    ids = _article_ids(article.get("PubmedData", {}))
    title, translated = split_translated_title(_text(art.get("ArticleTitle", "")))
    doi = ids.get("doi") or _elocation_doi(art)
    return Record(
        pmid=str(citation["PMID"]),
        doi=normalize_doi(doi),
        pmcid=ids.get("pmc", ""),
        title=title,
        title_translated=translated,
        vernacular_title=_text(art.get("VernacularTitle", "")),
        abstract=abstract_text(art.get("Abstract")),
        authors=authors(art.get("AuthorList", [])),
        journal=_text(journal.get("Title", "")),
        iso_abbreviation=_text(journal.get("ISOAbbreviation", "")),
        year=pub_year(issue.get("PubDate", {}), art.get("ArticleDate", [])),
        volume=_text(issue.get("Volume", "")),
        issue=_text(issue.get("Issue", "")),
        pages=_pages(art.get("Pagination", {})),
        publication_types=tuple(_text(p) for p in art.get("PublicationTypeList", [])),
        mesh_terms=tuple(_text(h["DescriptorName"]) for h in citation.get("MeshHeadingList", [])),
        languages=tuple(_text(x) for x in art.get("Language", [])),
        links=links(citation.get("CommentsCorrectionsList", [])),
        entrez_date=entrez_date(article.get("PubmedData", {})),
    )


def book_record(book: dict) -> Record:
    """One ``PubmedBookArticle`` (e.g. a GeneReviews chapter) → Record (fewer fields)."""
    doc = book.get("BookDocument", {})
    meta = doc.get("Book", {})
    title = _text(doc.get("ArticleTitle", "")) or _text(meta.get("BookTitle", ""))
    title, translated = split_translated_title(title)
    ids = {x.attributes.get("IdType"): str(x) for x in doc.get("ArticleIdList", []) if hasattr(x, "attributes")}
    author_lists = doc.get("AuthorList", [])
    people = authors(author_lists[0]) if author_lists else ()
    return Record(
        pmid=str(doc.get("PMID", "")),
        doi=normalize_doi(ids.get("doi")),
        title=title,
        title_translated=translated,
        abstract=abstract_text(doc.get("Abstract")),
        authors=people,
        journal=_text(meta.get("BookTitle", "")),
        year=pub_year(meta.get("PubDate", {}), []),
        publication_types=tuple(_text(p) for p in doc.get("PublicationType", [])),
        languages=tuple(_text(x) for x in doc.get("Language", [])),
        entrez_date=entrez_date(book.get("PubmedBookData", {})),
    )


def _article_ids(pubmed_data: dict) -> dict[str, str]:
    """``PubmedData/ArticleIdList`` by IdType (first of each kind); never the ReferenceList's."""
    ids: dict[str, str] = {}
    for item in pubmed_data.get("ArticleIdList", []):
        kind = getattr(item, "attributes", {}).get("IdType", "")
        ids.setdefault(kind, str(item).strip())
    return ids


def _elocation_doi(art: dict) -> str:
    for loc in art.get("ELocationID", []):
        if getattr(loc, "attributes", {}).get("EIdType") == "doi":
            return str(loc)
    return ""


def abstract_text(abstract: dict | None) -> str:
    """All ``AbstractText`` sections, labelled ones as ``LABEL: text``, one per line."""
    if not abstract:
        return ""
    parts = []
    for section in abstract.get("AbstractText", []):
        label = getattr(section, "attributes", {}).get("Label", "")
        text = _text(section)
        parts.append(f"{label}: {text}" if label else text)
    return "\n".join(p for p in parts if p)


def authors(author_list) -> tuple[Author, ...]:
    """Persons (last, fore, initials) and collective names, in order; invalid (ValidYN=N) skipped."""
    result = []
    for item in author_list:
        if getattr(item, "attributes", {}).get("ValidYN", "Y") == "N":
            continue
        if "CollectiveName" in item:
            result.append(Author(collective_name=_text(item["CollectiveName"])))
        else:
            result.append(
                Author(
                    last_name=_text(item.get("LastName", "")),
                    fore_name=_text(item.get("ForeName", "")),
                    initials=_text(item.get("Initials", "")),
                )
            )
    return tuple(result)


def pub_year(pub_date: dict, article_dates) -> int | None:
    """Year from ``Year`` (with Month or Season), else ``MedlineDate``'s first four-digit run,
    else the electronic ``ArticleDate``; None when none is given."""
    for raw in (pub_date.get("Year"), pub_date.get("MedlineDate")):
        match = _YEAR.search(str(raw)) if raw else None
        if match:
            return int(match.group(1))
    for item in article_dates or []:
        match = _YEAR.search(str(item.get("Year", "")))
        if match:
            return int(match.group(1))
    return None


def _pages(pagination: dict) -> str:
    if pagination.get("MedlinePgn"):
        return _text(pagination["MedlinePgn"])
    start, end = _text(pagination.get("StartPage", "")), _text(pagination.get("EndPage", ""))
    return f"{start}-{end}" if start and end else start


def links(comments) -> tuple[Link, ...]:
    """CommentsCorrections (errata, retractions, comments, updates…) except ``Cites``."""
    result = []
    for item in comments:
        kind = getattr(item, "attributes", {}).get("RefType", "")
        if kind and kind not in _SKIPPED_LINKS:
            result.append(
                Link(ref_type=kind, pmid=str(item.get("PMID", "")), ref_source=_text(item.get("RefSource", "")))
            )
    return tuple(result)


def entrez_date(pubmed_data: dict) -> str:
    """EDAT (``History/PubMedPubDate[@PubStatus='entrez']``) as YYYY-MM-DD, or ``""``."""
    for item in pubmed_data.get("History", []):
        if getattr(item, "attributes", {}).get("PubStatus") == "entrez":
            try:
                return f"{int(item['Year']):04d}-{int(item['Month']):02d}-{int(item['Day']):02d}"
            except (KeyError, ValueError):
                return ""
    return ""


def parse_esearch(raw: bytes) -> dict:
    """An esearch reply → ``count, ids, webenv, query_key, translation, warnings``.

    A 200 reply carrying ``<ERROR>`` raises :class:`PubmedParseError` with NCBI's message.
    """
    data = read_entrez(raw)
    if "Count" not in data:
        raise PubmedParseError(f"not an eSearchResult: {sorted(data)[:5]}")
    warnings = []
    for key in ("WarningList", "ErrorList"):
        for name, values in (data.get(key) or {}).items():
            warnings += [f"{name}: {v}" for v in (values if isinstance(values, list) else [values])]
    return {
        "count": int(data["Count"]),
        "ids": [str(i) for i in data.get("IdList", [])],
        "webenv": str(data.get("WebEnv", "")),
        "query_key": str(data.get("QueryKey", "")),
        "translation": str(data.get("QueryTranslation", "")),
        "warnings": warnings,
    }
