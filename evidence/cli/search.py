"""Stage 1, finding records: ``search`` a source (or run the protocol's searches), ``update`` saved
searches, ``lookup`` one DOI in Crossref."""

from __future__ import annotations

from pathlib import Path

import typer

from hairmeta.evidence.cli.app import DbOpt, FormatOpt, app, db_path, emit, err, out, record_progress
from hairmeta.evidence.present.formats import OutputFormat


def report_lines(reports) -> None:
    for report in reports:
        err.print(report.summary_line(), markup=False, highlight=False)


@app.command()
def search(
    term: str | None = typer.Argument(
        None, help="Query in the source's syntax; omit to run the review's protocol searches (data/protocol.toml)."
    ),
    source: str = typer.Option("pubmed", "--source", help="Source: pubmed, europepmc, crossref or ctgov."),
    since: str | None = typer.Option(
        None, "--since", help="Only records entered on or after YYYY-MM-DD (PubMed: Entrez date)."
    ),
    until: str | None = typer.Option(None, "--until", help="Only records entered on or before YYYY-MM-DD."),
    max_records: int | None = typer.Option(None, "--max", help="Fetch at most N records per search."),
    batch_size: int = typer.Option(500, "--batch-size", help="Records per fetch request (default 500)."),
    db: Path | None = DbOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Search a source (default PubMed) and store every record found in the library."""
    from hairmeta.evidence.library.store import Store
    from hairmeta.extractors.searches import reports_frame, run_searches

    with Store.open(db_path(db)) as store, record_progress(f"{source}: fetching") as progress:
        reports = run_searches(
            store,
            term,
            source=source,
            since=since,
            until=until,
            max_records=max_records,
            batch_size=batch_size,
            progress=progress,
        )
    emit(out, reports_frame(reports), fmt, title="Search results")
    report_lines(reports)
    if any(r.failed for r in reports):
        raise typer.Exit(code=2)


@app.command()
def update(db: Path | None = DbOpt, fmt: OutputFormat = FormatOpt) -> None:
    """Re-run every saved search for records entered since its last run; report what is new."""
    from hairmeta.evidence.library.store import Store
    from hairmeta.extractors.searches import reports_frame, update_searches

    with Store.open(db_path(db)) as store, record_progress("update") as progress:
        reports = update_searches(store, progress=progress)
    emit(out, reports_frame(reports), fmt, title="Update")
    if not reports:
        err.print("no saved searches yet: run `hairmeta search` first", markup=False)
    report_lines(reports)
    if any(r.failed for r in reports):
        raise typer.Exit(code=2)


@app.command()
def lookup(
    doi: str = typer.Argument(..., help="A DOI (10.xxxx/…; a doi.org URL or doi: prefix is fine)."),
    store_it: bool = typer.Option(False, "--store", help="Also store the record in the library (source 'crossref')."),
    db: Path | None = DbOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Crossref metadata for one DOI; with --store, kept in the library."""
    from hairmeta.extractors.crossref import lookup as crossref_lookup

    if store_it:
        from hairmeta.evidence.library.store import Store

        with Store.open(db_path(db)) as store:
            found = crossref_lookup(doi, store=store)
        err.print(f"record {found.record_id}: {found.status}", markup=False, highlight=False)
    else:
        found = crossref_lookup(doi)
    emit(out, found.to_row(), fmt, title=f"Crossref: {found.record.doi}")
