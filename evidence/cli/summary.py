"""Stage 7, synthesis: the evidence ``summary``, ``compare`` one study with the literature, the ``report``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import typer

from hairmeta.evidence.cli.app import (
    DataDirOpt,
    DbOpt,
    ForceOpt,
    FormatOpt,
    KnhaOpt,
    LevelOpt,
    MethodOpt,
    app,
    bullets,
    db_path,
    emit,
    err,
    model_options,
    out,
    output_target,
    record_progress,
)
from hairmeta.evidence.present.formats import OutputFormat


def _wrapped(title: str, items: list[str]) -> None:
    """``bullets`` wrapped at the terminal's width between words (no line wider than the terminal)."""
    out.print(f"[bold]{title}[/bold]")
    for item in items:
        for line in textwrap.wrap(
            item, out.width, initial_indent="  • ", subsequent_indent="    ", break_long_words=False
        ):
            out.print(line, markup=False, highlight=False)


@app.command()
def summary(
    method: str = MethodOpt,
    knha: bool | None = KnhaOpt,
    level: float = LevelOpt,
    data_dir: Path | None = DataDirOpt,
    fmt: OutputFormat = FormatOpt,
    details: bool = typer.Option(
        False,
        "--details",
        help="After the Summary of Findings: every body of evidence, the unpooled ones "
        "with reasons, published meta-analyses beside ours.",
    ),
) -> None:
    """The evidence summary: GRADE Summary of Findings per question first (--details: every pooled
    and unpooled body of evidence, published meta-analyses beside ours, what the evidence lacks)."""
    from hairmeta.evidence.present.sof_text import sof_lines
    from hairmeta.evidence.synthesis.sof import findings

    found = findings(options=model_options(method, knha, level))
    result = found.summary
    if fmt is not OutputFormat.table:
        emit(out, found.to_dict() if fmt is OutputFormat.json else result.rows, fmt)
        return
    out.print(f"[bold]Summary of Findings[/bold] ({result.settings['model']}; k ≤ 4: Bayesian)", highlight=False)
    for line in sof_lines(found.tables, out.width, details=details):
        out.print(line, markup=False, highlight=False)
    if not details:
        return
    emit(
        out,
        result.display_rows(),
        fmt,
        title=f"Evidence summary ({result.settings['model']}, {result.settings['level']:g}% CI and PI)",
    )
    bullets("Measures", result.display_legend())
    _wrapped("Certainty: start, each downgrade and its reason; flags", result.display_reasons())
    emit(out, result.display_unpooled(), fmt, title="Bodies of evidence without poolable numbers")
    emit(out, result.display_published(), fmt, title="Published meta-analyses beside ours")
    _wrapped("Published against ours", [f"{r.ma_id}: {r.explanation}" for r in result.published.itertuples()])
    _wrapped("What the evidence lacks", result.gaps)


@app.command()
def compare(
    study: str = typer.Argument(..., help="A study_id of data/studies.csv, e.g. hassan2024."),
    method: str = MethodOpt,
    knha: bool | None = KnhaOpt,
    level: float = LevelOpt,
    data_dir: Path | None = DataDirOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Place one study against the literature: design, size, protocol, arms, effects, confounding."""
    from hairmeta.evidence.synthesis.compare import compare as build

    result = build(study, options=model_options(method, knha, level))
    if fmt is not OutputFormat.table:
        emit(out, result.to_dict() if fmt is OutputFormat.json else result.to_frame(), fmt)
        return
    if result.claim:
        out.print(f"[bold]{result.study['study_id']} claims:[/bold] “{result.claim['quote']}”")
        if result.claim["why_not"]:
            bullets("Why the data cannot support that claim", result.claim["why_not"])
    for note in result.notes:
        out.print(f"Note: {note}", markup=False, highlight=False)
    for title, part in result.sections():
        if len(part):
            emit(out, part, fmt, title=title)


@app.command()
def report(
    output: Path = typer.Option(..., "--output", "-o", help="report.html (self-contained) or report.md."),
    study: str | None = typer.Option(
        "hassan2024", "--study", help="Study to compare with the literature ('' for none)."
    ),
    method: str = MethodOpt,
    knha: bool | None = KnhaOpt,
    level: float = LevelOpt,
    data_dir: Path | None = DataDirOpt,
    db: Path | None = DbOpt,
    force: bool = ForceOpt,
) -> None:
    """Write the evidence report: summary tables, forest and funnel plots, the comparison of one
    study, the PRISMA diagram and a provenance appendix."""
    from hairmeta.evidence.present.report import write_report

    output_target(output, force, db=db)
    with record_progress("writing the report"):
        path = write_report(output, study=study or None, db=db_path(db), options=model_options(method, knha, level))
    err.print(f"wrote {path}", markup=False)
