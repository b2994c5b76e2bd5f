"""Stage 3, de-duplication: ``dedup`` the library (or a file), review, decide and undo; ``export`` the
library, optionally one record per duplicate cluster."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from hairmeta.evidence.cli.app import (
    DbOpt,
    ForceOpt,
    FormatOpt,
    app,
    db_path,
    emit,
    err,
    out,
    output_target,
    record_progress,
)
from hairmeta.evidence.errors import DataError
from hairmeta.evidence.library.formats import ExportFormat
from hairmeta.evidence.present.formats import OutputFormat


def _review_tables(queue: list[dict]):
    """One rich table per pending pair: field | record A | record B (differences in bold)."""
    from rich.table import Table

    from hairmeta.evidence.library.dedup.library import SIDE_FIELDS

    for item in queue:
        table = Table(
            title=f"match {item['match_id']}  score {item['score']:.2f}  {item['reason']}",
            show_lines=False,
            title_justify="left",
        )
        table.add_column("field")
        table.add_column(f"record {item['record_a']}", overflow="fold")
        table.add_column(f"record {item['record_b']}", overflow="fold")
        for name in SIDE_FIELDS:
            a, b = str(item[f"a_{name}"] or ""), str(item[f"b_{name}"] or "")
            style = "" if a.casefold() == b.casefold() else "bold"
            table.add_row(name, a, b, style=style)
        yield table


def _say(fmt: OutputFormat, message: str, **result) -> None:
    """A decision's outcome: the message on stderr; with --format json/csv also the result on stdout."""
    if fmt is not OutputFormat.table:
        emit(out, result if fmt is OutputFormat.json else [result], fmt)
    err.print(message, markup=False, highlight=False)


@app.command()
def dedup(
    input_file: Path | None = typer.Option(
        None, "--input", help="File mode: de-duplicate this file (as `import` reads it) instead of the library."
    ),
    output: Path | None = typer.Option(
        None, "--output", help="File mode: write ID,cluster_id here (one row per input record, the input's IDs)."
    ),
    review: bool = typer.Option(False, "--review", help="Show the pairs waiting for a person, side by side."),
    decide_id: int | None = typer.Option(None, "--decide", help="Decide pending pair MATCH_ID (with --as and --by)."),
    decision: str | None = typer.Option(None, "--as", help="Decision for --decide: merge or distinct."),
    reviewer: str | None = typer.Option(None, "--by", help="Who decides (recorded with the decision)."),
    undo: int | None = typer.Option(None, "--undo", help="Undo the merge with this match id."),
    undo_cluster: int | None = typer.Option(None, "--undo-cluster", help="Undo every merge of this cluster id."),
    explain: int | None = typer.Option(
        None, "--explain", help="Why record ID stands where it does: every decision on it, with the rule and fields."
    ),
    db: Path | None = DbOpt,
    fmt: OutputFormat = FormatOpt,
    force: bool = ForceOpt,
) -> None:
    """Find duplicates: merge the sure ones, queue the uncertain for review; nothing is deleted."""
    from hairmeta.evidence.library.dedup import library as dd
    from hairmeta.evidence.library.store import Store
    from hairmeta.extractors.filemode import dedup_file

    if input_file is not None or output is not None:
        if input_file is None or output is None:
            raise DataError("file mode needs both --input and --output", field="--input")
        output_target(output, force, input_file, db=db)
        emit(out, dedup_file(input_file, output), fmt, title="De-duplication (file)")
        return
    with Store.open(db_path(db)) as store:
        if review:
            queue = dd.review_queue(store)
            if fmt is OutputFormat.table:
                for table in _review_tables(queue):
                    out.print(table)
                err.print(
                    f"{len(queue)} pair(s) waiting; decide with --decide ID --as merge|distinct --by NAME", markup=False
                )
            else:
                emit(out, queue, fmt, title="Review queue")
        elif explain is not None:
            why = dd.explain(store, explain)
            if fmt is OutputFormat.table:
                err.print(
                    f"record {why['record']}: cluster {why['cluster']} {why['cluster_members']}; study {why['study']}"
                    f" (related reports: {why['related_reports'] or 'none'})",
                    markup=False,
                )
                emit(out, why["decisions"], fmt, title=f"Decisions on record {explain}")
            else:
                emit(out, why, fmt, title=f"Record {explain}")
        elif decide_id is not None:
            dd.decide(store, decide_id, decision or "", reviewer or "")
            _say(
                fmt,
                f"match {decide_id}: {decision} (by {reviewer})",
                match_id=decide_id,
                decision=decision,
                by=reviewer,
            )
        elif undo is not None or undo_cluster is not None:
            count = dd.undo_merge(store, match_id=undo, cluster=undo_cluster)
            _say(fmt, f"{count} merge(s) undone", match_id=undo, cluster=undo_cluster, undone=count)
        else:
            with record_progress("de-duplicating"):
                report = dd.dedup_library(store)
            emit(out, report.as_dict(), fmt, title="De-duplication")


@app.command("export")
def export_cmd(
    fmt: ExportFormat = typer.Option(..., "--format", "-f", help="ris, csv or bibtex."),
    deduplicated: bool = typer.Option(
        False, "--deduplicated", help="One record per de-duplication cluster, listing every source of the cluster."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
    db: Path | None = DbOpt,
    force: bool = ForceOpt,
) -> None:
    """Write the library for reference managers and screening tools (RIS, CSV or BibTeX)."""
    from hairmeta.evidence.library.export import export_library
    from hairmeta.evidence.library.store import Store
    from hairmeta.evidence.present.output import write_output

    if output is not None:
        output_target(output, force, db=db)
    with Store.open(db_path(db)) as store:
        with record_progress(f"exporting {fmt.value}"):
            text = export_library(store, fmt, deduplicated=deduplicated)
    if output is None:
        sys.stdout.write(text)
        return
    write_output(output, text)
    err.print(f"wrote {fmt.value} export to {output}", markup=False, highlight=False)
