"""PubMed efetch XML (``PubmedArticleSet``) → :class:`~hairmeta.evidence.library.records.Record`.

Articles are read with the standard library's ElementTree: no DTD is needed, so a DOCTYPE naming
a PubMed DTD newer than any we know still parses offline, and parsing takes about a quarter of
``Entrez.read``'s CPU (``benchmarks/fetch.py``: 0.47 s against 1.99 s for 9,000 records).  Text keeps the form
``Entrez.read`` gave it (inline ``<i>``/``<sup>``/MathML written back, then stripped by
:func:`strip_markup`), so the Records are the ones the earlier ``Entrez.read``-based reader made
(``tests/extractors/test_pubmed_xml_golden.py``).  esearch replies are read the same way
(:func:`parse_esearch`).

Field rules (NLM element descriptions, https://www.nlm.nih.gov/bsd/licensee/elements_descriptions.html):
every path is scoped to ``MedlineCitation`` / ``PubmedData`` (never ``.//PMID``, which would
pick up CommentsCorrections PMIDs); the year comes from ``PubDate/Year``, else the first
four-digit run of ``MedlineDate`` (``"2019 Jan-Feb"``), else ``ArticleDate``; structured
abstracts keep every section as ``LABEL: text``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

from hairmeta.evidence.library.records import Author, Link, Record, normalize_doi, split_translated_title, strip_markup

_YEAR = re.compile(r"(1[5-9]\d\d|20\d\d|21\d\d)")
# CommentsCorrections kinds kept as links: errata, retractions, comments, updates, republications.
# "Cites" (the reference list) is left out: it is not a link about this record.
_SKIPPED_LINKS = {"Cites"}


class PubmedParseError(ValueError):
    """The bytes are not a complete, valid PubMed efetch reply (truncated, malformed, <ERROR>)."""


def _raw_bytes(source: bytes | BinaryIO | str | Path) -> bytes:
    """The bytes of a reply given as bytes, a binary stream or a path."""
    if isinstance(source, (str, Path)):
        return Path(source).read_bytes()
    return source if isinstance(source, bytes) else source.read()


def _parsed_root(source: bytes | BinaryIO | str | Path) -> Element:
    """The root element of a reply; XML that is not well-formed raises :class:`PubmedParseError`."""
    try:
        return ElementTree.fromstring(_raw_bytes(source))
    except ElementTree.ParseError as exc:
        raise PubmedParseError(f"not well-formed XML: {exc}") from exc


def _ncbi_error(root: Element) -> str:
    """NCBI's message from the ``<ERROR>`` elements of a reply, ``""`` when there is none."""
    return " ".join(e.text.strip() for e in root.iter("ERROR") if e.text and e.text.strip())


def parse_pubmed_xml(source: bytes | BinaryIO | str | Path) -> list[Record]:
    """Every article, then every book, in a PubMed efetch XML reply, as Records.

    Parsed with the standard library's ElementTree (expat), in about a quarter of ``Entrez.read``'s
    CPU and independent of which PubMed DTD version the DOCTYPE names; the Records
    are the ones the ``Entrez.read``-based reader made (golden test against it).  A reply that
    is not well-formed XML, or is NCBI's ``<ERROR>`` document, raises :class:`PubmedParseError`.
    """
    root = _parsed_root(source)
    if root.tag != "PubmedArticleSet":
        error = _ncbi_error(root)
        raise PubmedParseError(f"NCBI error: {error}" if error else f"not a PubmedArticleSet reply (<{root.tag}>)")
    records = [article_record(a) for a in root.findall("PubmedArticle")]
    records += [book_record(b) for b in root.findall("PubmedBookArticle")]
    return records


def inner_markup(element: Element | None) -> str:
    """An element's content as ``Entrez.read`` keeps it: text with inline tags written back.

    ``<i>``, ``<sup>``, MathML… become ``<name attr="value">…</name>`` around their (entity-
    decoded) text, namespaces dropped, so :func:`strip_markup` treats both readers' text alike.
    """
    if element is None:
        return ""
    if not len(element):
        return element.text or ""
    parts = [element.text or ""]
    _write_children(element, parts)
    return "".join(parts)


def _write_children(element: Element, parts: list[str]) -> None:
    for child in element:
        name = child.tag.rpartition("}")[2]
        attributes = "".join(f' {key.rpartition("}")[2]}="{value}"' for key, value in child.attrib.items())
        parts.append(f"<{name}{attributes}>{child.text or ''}")
        _write_children(child, parts)
        parts.append(f"</{name}>{child.tail or ''}")


def _text(element: Element | None) -> str:
    """The element's text as :func:`strip_markup` leaves it; plain text skips the regexes
    (``" ".join(split())`` folds exactly the white space ``\\s+`` does)."""
    if element is None:
        return ""
    text = element.text
    if len(element) or (text and ("<" in text or "&" in text)):
        return strip_markup(inner_markup(element))
    return " ".join(text.split()) if text else ""


def _items(parent: Element | None, list_tag: str, item_tag: str) -> list[Element]:
    """``parent/list_tag/item_tag`` in document order (direct children only, as Entrez.read reads)."""
    if parent is None:
        return []
    return [item for holder in parent.findall(list_tag) for item in holder.findall(item_tag)]


def _child_text(parent: Element | None, path: str) -> str:
    return _text(parent.find(path)) if parent is not None else ""


def article_record(article: Element) -> Record:
    """One ``PubmedArticle`` element → Record."""
    citation = article.find("MedlineCitation")
    art = citation.find("Article")
    journal = art.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    pubmed_data = article.find("PubmedData")
    ids = _article_ids(pubmed_data)
    title, translated = split_translated_title(_child_text(art, "ArticleTitle"))
    doi = ids.get("doi") or _elocation_doi(art)
    return Record(
        pmid=citation.findtext("PMID", ""),
        doi=normalize_doi(doi),
        pmcid=ids.get("pmc", ""),
        title=title,
        title_translated=translated,
        vernacular_title=_child_text(art, "VernacularTitle"),
        abstract=abstract_text(art.find("Abstract")),
        authors=authors(art.find("AuthorList")),
        journal=_child_text(journal, "Title"),
        iso_abbreviation=_child_text(journal, "ISOAbbreviation"),
        year=pub_year(issue.find("PubDate") if issue is not None else None, art.findall("ArticleDate")),
        volume=_child_text(issue, "Volume"),
        issue=_child_text(issue, "Issue"),
        pages=_pages(art.find("Pagination")),
        publication_types=tuple(_text(p) for p in _items(art, "PublicationTypeList", "PublicationType")),
        mesh_terms=tuple(_text(h.find("DescriptorName")) for h in _items(citation, "MeshHeadingList", "MeshHeading")),
        languages=tuple(_text(x) for x in art.findall("Language")),
        links=links(citation.find("CommentsCorrectionsList")),
        entrez_date=entrez_date(pubmed_data),
    )


def book_record(book: Element) -> Record:
    """One ``PubmedBookArticle`` (e.g. a GeneReviews chapter) → Record (fewer fields)."""
    doc = book.find("BookDocument")
    meta = doc.find("Book") if doc is not None else None
    title = _child_text(doc, "ArticleTitle") or _child_text(meta, "BookTitle")
    title, translated = split_translated_title(title)
    ids: dict[str, str] = {}
    for item in _items(doc, "ArticleIdList", "ArticleId"):
        ids[item.get("IdType")] = inner_markup(item)
    author_lists = doc.findall("AuthorList")
    return Record(
        pmid=doc.findtext("PMID", ""),
        doi=normalize_doi(ids.get("doi")),
        title=title,
        title_translated=translated,
        abstract=abstract_text(doc.find("Abstract")),
        authors=authors(author_lists[0]) if author_lists else (),
        journal=_child_text(meta, "BookTitle"),
        year=pub_year(meta.find("PubDate") if meta is not None else None, []),
        publication_types=tuple(_text(p) for p in doc.findall("PublicationType")),
        languages=tuple(_text(x) for x in doc.findall("Language")),
        entrez_date=entrez_date(book.find("PubmedBookData")),
    )


def _article_ids(pubmed_data: Element | None) -> dict[str, str]:
    """``PubmedData/ArticleIdList`` by IdType (first of each kind); never the ReferenceList's."""
    ids: dict[str, str] = {}
    if pubmed_data is not None:
        for item in _items(pubmed_data, "ArticleIdList", "ArticleId"):
            ids.setdefault(item.get("IdType", ""), inner_markup(item).strip())
    return ids


def _elocation_doi(art: Element) -> str:
    for loc in art.findall("ELocationID"):
        if loc.get("EIdType") == "doi":
            return inner_markup(loc)
    return ""


def abstract_text(abstract: Element | None) -> str:
    """All ``AbstractText`` sections, labelled ones as ``LABEL: text``, one per line."""
    if abstract is None:
        return ""
    parts = []
    for section in abstract.findall("AbstractText"):
        label = section.get("Label", "")
        text = _text(section)
        parts.append(f"{label}: {text}" if label else text)
    return "\n".join(p for p in parts if p)


def authors(author_list: Element | None) -> tuple[Author, ...]:
    """Persons (last, fore, initials) and collective names, in order; invalid (ValidYN=N) skipped."""
    if author_list is None:
        return ()
    result = []
    for item in author_list.findall("Author"):
        if item.get("ValidYN", "Y") == "N":
            continue
        collective = item.find("CollectiveName")
        if collective is not None:
            result.append(Author(collective_name=_text(collective)))
        else:
            result.append(
                Author(
                    last_name=_child_text(item, "LastName"),
                    fore_name=_child_text(item, "ForeName"),
                    initials=_child_text(item, "Initials"),
                )
            )
    return tuple(result)


def pub_year(pub_date: Element | None, article_dates) -> int | None:
    """Year from ``Year`` (with Month or Season), else ``MedlineDate``'s first four-digit run,
    else the electronic ``ArticleDate``; None when none is given."""
    if pub_date is not None:
        for tag in ("Year", "MedlineDate"):
            match = _YEAR.search(inner_markup(pub_date.find(tag)))
            if match:
                return int(match.group(1))
    for item in article_dates or []:
        match = _YEAR.search(inner_markup(item.find("Year")))
        if match:
            return int(match.group(1))
    return None


def _pages(pagination: Element | None) -> str:
    if pagination is None:
        return ""
    if inner_markup(pagination.find("MedlinePgn")):
        return _child_text(pagination, "MedlinePgn")
    start, end = _child_text(pagination, "StartPage"), _child_text(pagination, "EndPage")
    return f"{start}-{end}" if start and end else start


def links(comments: Element | None) -> tuple[Link, ...]:
    """CommentsCorrections (errata, retractions, comments, updates…) except ``Cites``."""
    if comments is None:
        return ()
    result = []
    for item in comments.findall("CommentsCorrections"):
        kind = item.get("RefType", "")
        if kind and kind not in _SKIPPED_LINKS:
            result.append(
                Link(ref_type=kind, pmid=inner_markup(item.find("PMID")), ref_source=_child_text(item, "RefSource"))
            )
    return tuple(result)


def entrez_date(pubmed_data: Element | None) -> str:
    """EDAT (``History/PubMedPubDate[@PubStatus='entrez']``) as YYYY-MM-DD, or ``""``."""
    if pubmed_data is None:
        return ""
    for item in _items(pubmed_data, "History", "PubMedPubDate"):
        if item.get("PubStatus") == "entrez":
            try:
                year, month, day = (int(item.findtext(tag)) for tag in ("Year", "Month", "Day"))
            except (TypeError, ValueError):
                return ""
            return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


def parse_esearch(raw: bytes | BinaryIO | str | Path) -> dict:
    """An esearch reply → ``count, ids, webenv, query_key, translation, warnings``.

    Read with ElementTree like efetch replies: ``Entrez.read`` took about 20 ms (DTD-validating)
    for a 9,000-ID reply, time that delayed every efetch of a search
    (``tests/extractors/test_pubmed_esearch.py`` holds this reader to ``Entrez.read``'s values).
    ``warnings`` lists ``ErrorList`` then ``WarningList`` entries as ``Name: text`` in document
    order (esearch.dtd 20060628 groups them by name).  A reply carrying NCBI's ``<ERROR>`` raises
    :class:`PubmedParseError` with NCBI's message, as does one that is not well-formed or not an
    ``eSearchResult``.
    """
    root = _parsed_root(raw)
    error = _ncbi_error(root)
    if error:
        raise PubmedParseError(f"NCBI error: {error}")
    count = root.findtext("Count")
    if root.tag != "eSearchResult" or count is None:
        raise PubmedParseError(f"not an eSearchResult reply (<{root.tag}>)")
    warnings = [
        f"{item.tag}: {(item.text or '').strip()}"
        for holder in ("ErrorList", "WarningList")
        for item in root.findall(f"{holder}/*")
    ]
    return {
        "count": int(count),
        "ids": [(item.text or "").strip() for item in root.findall("IdList/Id")],
        "webenv": (root.findtext("WebEnv") or "").strip(),
        "query_key": (root.findtext("QueryKey") or "").strip(),
        "translation": root.findtext("QueryTranslation") or "",
        "warnings": warnings,
    }
