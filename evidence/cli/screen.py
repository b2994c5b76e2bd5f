"""Stage 4, screening: ``screen`` records and count the ``prisma`` flow."""

from __future__ import annotations

from pathlib import Path

import typer

from hairmeta.evidence.cli.app import DbOpt, ForceOpt, FormatOpt, app, db_path, emit, err, out, output_target
from hairmeta.evidence.present.formats import OutputFormat


@app.command()
def screen(
    record: int | None = typer.Option(None, "--record", help="Library id of the record; omit to screen interactively."),
    decision: str | None = typer.Option(
        None, "--decision", help="include, exclude or maybe (or use --include/--exclude/--maybe)."
    ),
    include: bool = typer.Option(False, "--include", help="Include the record."),
    exclude: bool = typer.Option(False, "--exclude", help="Exclude the record (needs --reason)."),
    maybe: bool = typer.Option(False, "--maybe", help="Undecided: look at it again."),
    reason: str | None = typer.Option(None, "--reason", help="Why (required to exclude)."),
    stage: str = typer.Option("title_abstract", "--stage", help="title_abstract or full_text."),
    reviewer: str | None = typer.Option(None, "--reviewer", help="Who decided."),
    db: Path | None = DbOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Record include/exclude decisions with reasons, by id or one record at a time."""
    from hairmeta.evidence.library.screening import record_decision, screen_interactively
    from hairmeta.evidence.library.store import Store

    chosen = [name for name, flag in (("include", include), ("exclude", exclude), ("maybe", maybe)) if flag]
    chosen += [decision] if decision else []
    if len(chosen) > 1:
        raise typer.BadParameter("give one decision only", param_hint="--include/--exclude/--maybe")
    with Store(db_path(db)) as store:
        if record is None:
            counts = screen_interactively(store, stage=stage, reviewer=reviewer, console=err)
            err.print(
                ", ".join(f"{k}: {v}" for k, v in counts.items())
                if any(counts.values())
                else f"nothing left to screen at stage {stage}",
                markup=False,
            )
            return
        if not chosen:
            raise typer.BadParameter("give --include, --exclude or --maybe with --record", param_hint="--record")
        stored = record_decision(store, record, chosen[0], reason, stage=stage, reviewer=reviewer)
    emit(out, stored.__dict__, fmt, title="Decision stored")


@app.command()
def prisma(
    output: Path | None = typer.Option(None, "--output", "-o", help="Also write the flow to FILE.svg or FILE.json."),
    db: Path | None = DbOpt,
    fmt: OutputFormat = FormatOpt,
    force: bool = ForceOpt,
) -> None:
    """PRISMA 2020 flow counts from the record library (identified, duplicates, screened, included)."""
    from hairmeta.evidence.library.prisma import library_flow
    from hairmeta.evidence.present.prisma import write_flow

    if output is not None:
        output_target(output, force, db=db)
    flow = library_flow(db_path(db))
    if output is not None:
        write_flow(flow, output)
        err.print(f"wrote {output}", markup=False)
    emit(out, flow.to_dict() if fmt is OutputFormat.json else flow.rows(), fmt, title="PRISMA 2020 flow")
