"""Stage 2, the record library: ``import`` an export file, list ``records``, ``records add`` by hand."""

from __future__ import annotations

from pathlib import Path

import typer

from hairmeta.evidence.cli.app import (
    DbOpt,
    FormatOpt,
    app,
    db_path,
    emit,
    err,
    new_app,
    out,
    record_progress,
    stream_rows,
)
from hairmeta.evidence.present.formats import OutputFormat


@app.command("import")
def import_cmd(
    file: Path = typer.Argument(
        ...,
        help="An export file: RIS, PubMed MEDLINE (.nbib), BibTeX, CSV, tab-delimited, Web of Science or EndNote XML.",
    ),
    source: str | None = typer.Option(
        None, "--source", help="Where the file came from (e.g. embase, scopus); default file:<name>."
    ),
    file_type: str | None = typer.Option(
        None, "--type", help="Override the format read from the content: ris, nbib, bibtex, csv, tsv, wos, endnote_xml."
    ),
    db: Path | None = DbOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Import an export file: every readable record is stored, any other is skipped with a warning."""
    from hairmeta.evidence.library.store import Store
    from hairmeta.extractors.files import import_file

    with Store.open(db_path(db)) as store, record_progress(f"importing {file.name}") as progress:
        report = import_file(store, file, source=source, fmt=file_type, progress=progress)
    emit(out, dict(report.__dict__), fmt, title="Import")
    for warning in report.warnings:
        err.print(f"Warning: {warning}", markup=False, highlight=False)
    err.print(report.summary(), markup=False, highlight=False)


records_app = new_app("The record library: list it (no subcommand) or add a record by hand.")
app.add_typer(records_app, name="records")


@records_app.callback(invoke_without_command=True)
def records(
    ctx: typer.Context,
    db: Path | None = DbOpt,
    fmt: OutputFormat = FormatOpt,
    limit: int | None = typer.Option(
        None, "--limit", min=0, help="Show at most N records (default: 50 in a table, all in csv/json; 0 = all)."
    ),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip the first N records (with --limit: paging)."),
) -> None:
    """List the library (pmid, doi, title, year, journal, authors, sources, …), streamed."""
    if ctx.invoked_subcommand is not None:
        ctx.ensure_object(dict)["records_db"] = db  # `records --db X add …` means library X
        return
    from hairmeta.evidence.library.store import RECORD_COLUMNS, Store

    if limit is None:
        limit = 50 if fmt is OutputFormat.table else 0
    with Store.open(db_path(db)) as store:
        total = store.count_records()
        if fmt is not OutputFormat.table:
            rows = store.record_rows(limit=limit or None, offset=offset)
            stream_rows(out.file, rows, fmt, RECORD_COLUMNS)
            return
        frame = store.records_frame(brief=True, limit=limit or None, offset=offset)
    shown = f"{offset + 1}-{offset + len(frame)} of {total}" if len(frame) < total else f"{total}"
    emit(out, frame, fmt, title=f"Record library ({shown} records)")
    if len(frame) < total:
        more = "--limit N / --offset N to page, --limit 0 for all"
        err.print(f"showing {len(frame)} of {total} records; {more}", markup=False)


@records_app.command("add")
def records_add(
    ctx: typer.Context,
    title: str = typer.Option(..., "--title", help="Title (required)."),
    author: list[str] = typer.Option(
        [], "--author", help="Author as 'Last, First' (repeatable); no comma = a group name."
    ),
    year: str | None = typer.Option(None, "--year", help="Four-digit publication year."),
    journal: str = typer.Option("", "--journal", help="Journal name."),
    volume: str = typer.Option("", "--volume", help="Volume."),
    issue: str = typer.Option("", "--issue", help="Issue."),
    pages: str = typer.Option("", "--pages", help="Pages or article number."),
    doi: str = typer.Option("", "--doi", help="DOI (10.xxxx/…, a doi.org URL is fine)."),
    url: str = typer.Option("", "--url", help="Landing page URL."),
    pmid: str = typer.Option("", "--pmid", help="PMID, if PubMed has one."),
    db: Path | None = DbOpt,
) -> None:
    """Add a record by hand (e.g. one PubMed does not index), stored with source 'manual'."""
    from hairmeta.evidence.library.store import Store

    db = db or (ctx.obj or {}).get("records_db")
    with Store.open(db_path(db)) as store:
        record_id, counts = store.add_manual(
            title=title,
            authors=author,
            year=year,
            journal=journal,
            volume=volume,
            issue=issue,
            pages=pages,
            doi=doi,
            url=url,
            pmid=pmid,
        )
    state = "added" if counts.new else ("updated" if counts.updated else "already in the library")
    out.print(f"{record_id}", markup=False, highlight=False)
    err.print(f"record {record_id} {state}", markup=False, highlight=False)
