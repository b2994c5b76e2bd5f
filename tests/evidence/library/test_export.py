"""Export of the record library: RIS and BibTeX round-trips (re-read with rispy and
bibtexparser, fields compared with the stored records), CSV columns, de-duplicated export.

The library is filled from the recorded Europe PMC and Crossref answers in ../shared/fixtures
plus the hand-made synthetic ClinicalTrials.gov study and Europe PMC core result of
tests/fake_sources.py.
"""

from __future__ import annotations

import csv
import io
import json

import bibtexparser
import pytest
import rispy
from fake_sources import CTGOV_TEMPLATE, synthetic_epmc

from hairmeta.evidence.errors import UnknownNameError
from hairmeta.evidence.library.export import (
    CSV_COLUMNS,
    citation_key,
    export_items,
    export_library,
    fill_gaps,
    ris_type,
)
from hairmeta.evidence.library.records import Author, Record
from hairmeta.evidence.library.store import Store
from hairmeta.extractors.clinicaltrials import parse_ctgov_study
from hairmeta.extractors.crossref import parse_crossref_work
from hairmeta.extractors.europepmc import parse_europepmc


@pytest.fixture
def library(tmp_path, fixtures_dir):
    epmc = parse_europepmc(json.loads((fixtures_dir / "europepmc" / "search_lite_pagesize5_cancer.json").read_text()))
    work = parse_crossref_work(
        json.loads((fixtures_dir / "crossref" / "work_10.1371_journal.pone.0033693.json").read_text())
    )
    trial = parse_ctgov_study(json.loads(CTGOV_TEMPLATE.read_text()))
    preprint = parse_europepmc({"resultList": {"result": [synthetic_epmc(2)]}})
    with Store(tmp_path / "lib.sqlite") as store:
        store.upsert_records(epmc, source="europepmc", source_ids=[r.source_ids[0][1] for r in epmc])
        store.upsert_records([work], source="crossref", source_ids=[work.doi])
        store.upsert_records([trial], source="ctgov", source_ids=["NCT99999901"])
        store.upsert_records(preprint, source="europepmc")
        store.upsert_records(epmc[:1], source="pubmed")  # the same record from a second source
        yield store


def _stored(store) -> list[Record]:
    return [record for _, record in store.iter_records()]


def test_ris_round_trip_keeps_every_field(library):
    text = export_library(library, "ris")
    entries = rispy.loads(text)
    records = _stored(library)
    assert len(entries) == len(records) == 8
    assert not text.startswith("1.")  # no rispy numbering header
    for entry, record in zip(entries, records):
        assert entry["title"] == record.title
        assert entry.get("doi", "") == record.doi
        assert entry.get("accession_number", "") == record.pmid
        assert entry.get("year", "") == str(record.year or "")
        assert entry.get("secondary_title", "") == record.journal
        assert (entry.get("volume", ""), entry.get("number", "")) == (record.volume, record.issue)
        pages = "-".join(p for p in (entry.get("start_page"), entry.get("end_page")) if p)
        assert pages == record.pages
        assert len(entry.get("authors", [])) == len(record.authors)
        assert entry["type_of_reference"] == ris_type(record)


def test_ris_names_types_and_sources(library):
    entries = rispy.loads(export_library(library, "ris"))
    first = entries[0]
    assert first["authors"] == ["Schoenfeld, JD", "Haas-Kogan, DA", "O'Neill, AF"]
    assert first["notes"] == ["hairmeta record 1; cluster 1; sources: europepmc:MED:39709209; pubmed:39709209"]
    by_title = {e["title"]: e for e in entries}
    assert by_title["Synthetic trial 1: a hand-made study record for offline tests"]["type_of_reference"] == "DBASE"
    assert by_title["Synthetic Europe PMC record 2."]["type_of_reference"] == "UNPB"
    plos = by_title[
        "Methylphenidate Exposure Induces Dopamine Neuron Loss and Activation of Microglia in the Basal Ganglia of Mice"
    ]
    assert plos["authors"][0] == "Sadasivan, Shankar" and plos["start_page"] == "e33693"


def test_bibtex_round_trip_keeps_every_field(library):
    parsed = bibtexparser.parse_string(export_library(library, "bibtex"))
    assert parsed.failed_blocks == []
    records = _stored(library)
    assert len(parsed.entries) == len(records)
    for entry, record in zip(parsed.entries, records):
        values = {k: f.value for k, f in entry.fields_dict.items()}
        assert values["title"] == record.title
        assert values.get("doi", "") == record.doi and values.get("pmid", "") == record.pmid
        assert values.get("year", "") == str(record.year or "")
        assert values.get("pages", "").replace("--", "-") == record.pages
        assert values.get("journal", "") == record.journal
        names = values.get("author", "")
        assert (names.count(" and ") + 1 if names else 0) == len(record.authors)
    assert len({e.key for e in parsed.entries}) == len(parsed.entries)


def test_bibtex_keys_types_and_collective_names(library):
    entries = {e.key: e for e in bibtexparser.parse_string(export_library(library, "bibtex")).entries}
    assert entries["schoenfeld2025"].entry_type == "article"
    assert entries["sadasivan2012"]["author"].startswith("Sadasivan, Shankar and Pond, Brooks B.")
    trial = entries["synthetic2024"]  # first word of the collective author
    assert trial.entry_type == "misc" and trial["author"] == "{Synthetic Sponsor}"
    assert entries["synthetica2017"]["author"] == "Synthetica, Alpha and {Synthetic Study Group}"


def test_citation_keys_get_letter_suffixes():
    taken: set[str] = set()
    rec = Record(title="T", year=2024, authors=(Author(last_name="Hassan"),))
    keys = [citation_key(rec, taken) for _ in range(3)]
    assert keys == ["hassan2024", "hassan2024a", "hassan2024b"]
    assert citation_key(Record(title="T", authors=(Author(last_name="Øvrebø"),)), set()) == "ovrebo"


def test_csv_columns_and_values(library):
    rows = list(csv.DictReader(io.StringIO(export_library(library, "csv"))))
    assert list(rows[0].keys()) == CSV_COLUMNS
    assert {
        "record_id",
        "cluster_id",
        "pmid",
        "doi",
        "title",
        "authors",
        "year",
        "journal",
        "volume",
        "issue",
        "pages",
        "abstract",
        "sources",
    } <= set(CSV_COLUMNS)
    first = rows[0]
    assert (first["pmid"], first["year"], first["authors"]) == (
        "39709209",
        "2025",
        "Schoenfeld JD; Haas-Kogan DA; O'Neill AF",
    )
    assert first["sources"] == "europepmc:MED:39709209; pubmed:39709209"
    trial = next(r for r in rows if r["source_ids"] == "nct:NCT99999901")
    assert trial["pmid"] == "" and trial["doi"] == "" and "Conditions:" in trial["abstract"]


def test_empty_library_exports_headers_only(tmp_path):
    with Store(tmp_path / "empty.sqlite") as store:
        assert export_library(store, "csv") == ",".join(CSV_COLUMNS) + "\n"
        assert export_library(store, "ris") == ""
        assert bibtexparser.parse_string(export_library(store, "bibtex")).entries == []


def test_unknown_format_lists_valid_ones(library):
    with pytest.raises(UnknownNameError, match="unknown export format 'endnote'; valid: ris, csv, bibtex"):
        export_library(library, "endnote")


def test_fill_gaps_keeps_own_values_and_takes_missing_ones():
    best = Record(pmid="1", title="Own title", doi="")
    other = Record(title="Other title", doi="10.1/x", abstract="text", year=2020)
    merged = fill_gaps(best, other)
    assert (merged.pmid, merged.title, merged.doi, merged.abstract, merged.year) == (
        "1",
        "Own title",
        "10.1/x",
        "text",
        2020,
    )


def test_deduplicated_export_keeps_one_record_per_cluster(tmp_path):
    """Two synthetic records of one work (PubMed: PMID; Crossref: DOI and abstract) merged by
    the real ``dedup_library``; a third, different record stays apart."""
    from hairmeta.evidence.library.dedup.library import dedup_library

    authors = (
        Author(last_name="Synthetica", fore_name="Alpha", initials="A"),
        Author(last_name="Fakeson", fore_name="Beta", initials="B"),
    )
    work = dict(
        title="Platelet-rich plasma for synthetic hair loss: a randomised synthetic trial",
        year=2020,
        journal="Synthetic Journal",
        volume="4",
        issue="3",
        pages="19-25",
        authors=authors,
    )
    pubmed = Record(pmid="99000001", **work)
    crossref = Record(doi="10.99999/synthetic.1", abstract="Synthetic abstract.", **work)
    other = Record(
        doi="10.99999/synthetic.2",
        title="Exosomes in a different synthetic study of scalp",
        year=2021,
        authors=(Author(last_name="Other", initials="O"),),
    )
    with Store(tmp_path / "lib.sqlite") as store:
        store.upsert_records([pubmed], source="pubmed")
        store.upsert_records([crossref, other], source="crossref", source_ids=[crossref.doi, other.doi])
        assert dedup_library(store).merged == 1
        items = export_items(store, deduplicated=True)
        rows = list(csv.DictReader(io.StringIO(export_library(store, "csv", deduplicated=True))))
        all_rows = list(csv.DictReader(io.StringIO(export_library(store, "csv"))))
        ris = rispy.loads(export_library(store, "ris", deduplicated=True))
    assert len(items) == 2 and len(all_rows) == 3
    kept = rows[0]
    assert (kept["record_id"], kept["member_ids"], kept["pmid"], kept["doi"], kept["abstract"]) == (
        "1",
        "1;2",
        "99000001",
        "10.99999/synthetic.1",
        "Synthetic abstract.",
    )  # PMID record, gaps filled
    assert kept["sources"] == "pubmed:99000001; crossref:10.99999/synthetic.1"
    assert all_rows[0]["cluster_id"] == all_rows[1]["cluster_id"] != all_rows[2]["cluster_id"]
    assert ris[0]["notes"] == [
        "hairmeta record 1; cluster 1 (records 1, 2); sources: pubmed:99000001; crossref:10.99999/synthetic.1"
    ]
