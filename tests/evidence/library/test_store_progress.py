"""Store.upsert_records reports progress for the import progress bar (issue 12)."""

from __future__ import annotations

from hairmeta.evidence.library.records import Record
from hairmeta.evidence.library.store import Store
from hairmeta.extractors.files import import_file


def test_upsert_reports_progress_every_200_and_at_the_end(tmp_path):
    calls = []
    with Store(tmp_path / "lib.sqlite") as store:
        records = [Record(pmid=str(i), title=f"Trial {i}") for i in range(450)]
        store.upsert_records(records, source="pubmed", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(200, 450), (400, 450), (450, 450)]


def test_import_file_passes_progress_through(tmp_path):
    from testpaths import TEST_DATA

    calls = []
    with Store(tmp_path / "lib.sqlite") as store:
        report = import_file(store, TEST_DATA / "files" / "sample.ris", progress=lambda d, t: calls.append((d, t)))
    assert calls == [(report.records, report.records)]
