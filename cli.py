"""hairmeta's command line: a thin typer front end over the ``evidence`` library.

Each command parses its options, calls one public library function, renders the result with
``evidence.render`` and lets ``HairmetaGroup`` translate library errors into ``Error: …`` on
stderr with a non-zero exit.  No statistics and no SQL live here.

Helpers adding commands: put them in your own marked section below and edit this file only with
small, targeted replacements (several people add commands here at once).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from typer.core import TyperGroup

from evidence.errors import HairmetaError
from evidence.render import OutputFormat, emit

out = Console(soft_wrap=True)  # results: stdout
err = Console(stderr=True, soft_wrap=True)  # messages, progress: stderr


class HairmetaGroup(TyperGroup):
    """A command group that turns HairmetaError (and Ctrl-C) into one-line errors."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except HairmetaError as exc:
            err.print(f"Error: {exc}", markup=False, highlight=False)
            raise typer.Exit(code=exc.exit_code)
        except KeyboardInterrupt:
            err.print("Error: interrupted; nothing half-written was kept", markup=False)
            raise typer.Exit(code=130)


def new_app(help_text: str) -> typer.Typer:
    """A typer app (or sub-app) with hairmeta's error handling and no rich tracebacks."""
    return typer.Typer(cls=HairmetaGroup, help=help_text, no_args_is_help=False,
                       pretty_exceptions_enable=False, rich_markup_mode=None,
                       add_completion=False)


app = new_app("Living evidence summary on PRP and exosome therapies for hair loss.")

FormatOpt = typer.Option(OutputFormat.table, "--format", "-f", help="Output format: table, csv or json.")
DbOpt = typer.Option(None, "--db", help="Record library (SQLite). Default: $HAIRMETA_DB, else the per-user data dir.")


@app.callback()
def _root() -> None:
    """hairmeta: search, de-duplicate, code, pool and compare hair-loss therapy evidence."""


def db_path(db: Optional[Path]) -> Path:
    """The library path the user chose, else the documented default."""
    from evidence.paths import default_db_path
    return db if db is not None else default_db_path()


# ---------------------------------------------------------------- section: summary (issue 6)

MethodOpt = typer.Option("REML", "--method", help="tau2 estimator: EE, DL, HE, SJ, PM, ML, REML, EB.")
KnhaOpt = typer.Option(True, "--knha/--no-knha", help="Knapp-Hartung adjustment (default on).")
LevelOpt = typer.Option(95.0, "--level", help="Confidence level in percent (CIs and PIs).")


@app.command()
def summary(method: str = MethodOpt, knha: bool = KnhaOpt, level: float = LevelOpt,
            fmt: OutputFormat = FormatOpt) -> None:
    """The evidence summary on the shipped data: pooled results with GRADE certainty, published
    meta-analyses beside ours, and what the evidence lacks."""
    from evidence.summary import summary as build
    result = build(method=method, knha=knha, level=level)
    if fmt is not OutputFormat.table:
        emit(out, result.to_dict() if fmt is OutputFormat.json else result.rows, fmt)
        return
    emit(out, result.display_rows(), fmt, title=f"Evidence summary ({result.settings['model']}, "
                                                 f"{level:g}% CI and PI)")
    _bullets("Certainty: start, each downgrade and its reason; flags", result.display_reasons())
    emit(out, result.display_unpooled(), fmt, title="Bodies of evidence without poolable numbers")
    emit(out, result.display_published(), fmt, title="Published meta-analyses beside ours")
    _bullets("Published against ours", [f"{r.ma_id}: {r.explanation}" for r in result.published.itertuples()])
    _bullets("What the evidence lacks", result.gaps)


def _bullets(title: str, lines: list[str]) -> None:
    """A bold heading and one line per item (no markup interpretation of the items)."""
    out.print(f"[bold]{title}[/bold]")
    for line in lines:
        out.print(f"  • {line}", markup=False, highlight=False)


@app.command()
def compare(study: str = typer.Argument(..., help="A study_id of data/studies.csv, e.g. hassan2024."),
            method: str = MethodOpt, knha: bool = KnhaOpt, level: float = LevelOpt,
            fmt: OutputFormat = FormatOpt) -> None:
    """Place one study against the literature: design, size, protocol, arms, effects, confounding."""
    from evidence.compare import compare as build
    result = build(study, method=method, knha=knha, level=level)
    if fmt is not OutputFormat.table:
        emit(out, result.to_dict() if fmt is OutputFormat.json else result.to_frame(), fmt)
        return
    for note in result.notes:
        out.print(f"Note: {note}", markup=False, highlight=False)
    for title, part in result.sections():
        if len(part):
            emit(out, part, fmt, title=title)


@app.command()
def screen(record: Optional[int] = typer.Option(None, "--record", help="Library id of the record; omit to screen interactively."),
           decision: Optional[str] = typer.Option(None, "--decision", help="include, exclude or maybe (or use --include/--exclude/--maybe)."),
           include: bool = typer.Option(False, "--include", help="Include the record."),
           exclude: bool = typer.Option(False, "--exclude", help="Exclude the record (needs --reason)."),
           maybe: bool = typer.Option(False, "--maybe", help="Undecided: look at it again."),
           reason: Optional[str] = typer.Option(None, "--reason", help="Why (required to exclude)."),
           stage: str = typer.Option("title_abstract", "--stage", help="title_abstract or full_text."),
           reviewer: Optional[str] = typer.Option(None, "--reviewer", help="Who decided."),
           db: Optional[Path] = DbOpt, fmt: OutputFormat = FormatOpt) -> None:
    """Record include/exclude decisions with reasons, by id or one record at a time."""
    from evidence.screening import record_decision, screen_interactively
    from evidence.store import Store
    chosen = [name for name, flag in (("include", include), ("exclude", exclude), ("maybe", maybe)) if flag]
    chosen += [decision] if decision else []
    if len(chosen) > 1:
        raise typer.BadParameter("give one decision only", param_hint="--include/--exclude/--maybe")
    with Store(db_path(db)) as store:
        if record is None:
            counts = screen_interactively(store, stage=stage, reviewer=reviewer, console=err)
            err.print(", ".join(f"{k}: {v}" for k, v in counts.items()) if any(counts.values())
                      else f"nothing left to screen at stage {stage}", markup=False)
            return
        if not chosen:
            raise typer.BadParameter("give --include, --exclude or --maybe with --record", param_hint="--record")
        stored = record_decision(store, record, chosen[0], reason, stage=stage, reviewer=reviewer)
    emit(out, stored.__dict__, fmt, title="Decision stored")


@app.command()
def prisma(output: Optional[Path] = typer.Option(None, "--output", "-o", help="Also write the flow to FILE.svg or FILE.json."),
           db: Optional[Path] = DbOpt, fmt: OutputFormat = FormatOpt) -> None:
    """PRISMA 2020 flow counts from the record library (identified, duplicates, screened, included)."""
    from evidence.prisma import library_flow, write_flow
    flow = library_flow(db_path(db))
    if output is not None:
        write_flow(flow, output)
        err.print(f"wrote {output}", markup=False)
    emit(out, flow.to_dict() if fmt is OutputFormat.json else flow.rows(), fmt, title="PRISMA 2020 flow")


@app.command()
def report(output: Path = typer.Option(..., "--output", "-o", help="report.html (self-contained) or report.md."),
           study: Optional[str] = typer.Option("hassan2024", "--study", help="Study to compare with the literature ('' for none)."),
           method: str = MethodOpt, knha: bool = KnhaOpt, level: float = LevelOpt,
           db: Optional[Path] = DbOpt) -> None:
    """Write the evidence report: summary tables, forest and funnel plots, the comparison of one
    study, the PRISMA diagram and a provenance appendix."""
    from evidence.report import write_report
    path = write_report(output, study=study or None, method=method, knha=knha, level=level,
                        db=db_path(db))
    err.print(f"wrote {path}", markup=False)


# ---------------------------------------------------------------- section: effects (issue 3)

@app.command()
def effects(
    input: Path = typer.Option(..., "--input", "-i", help="CSV with metafor's column names (m1i, sd1i, n1i, …; ai, bi, ci, di; xi, ni; m1i, m2i, sd1i, sd2i, ni, ri)."),
    measure: str = typer.Option(..., "--measure", "-m", help="Effect measure: MD, SMD, SMDH, ROM, MC, SMCC, SMCR, RR, OR, RD, PR, PLO, PAS, PFT."),
    fmt: OutputFormat = FormatOpt,
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the result to this file (CSV unless --format json) instead of stdout."),
    vtype: Optional[str] = typer.Option(None, "--vtype", help="Sampling-variance type as in metafor (default LS)."),
    ri: Optional[float] = typer.Option(None, "--ri", help="Impute this pre-post correlation where the ri column is absent or empty (noted in derivation)."),
    add: Optional[float] = typer.Option(None, "--add", help="Zero-cell correction for 2x2 tables and proportions (metafor default 0.5; 0 for PAS/PFT)."),
    to: Optional[str] = typer.Option(None, "--to", help="Which rows get --add: only0 (default), all, if0all or none."),
    drop00: bool = typer.Option(False, "--drop00", help="Leave tables with no events (or only events) in both groups uncomputed."),
) -> None:
    """Effect sizes yi and sampling variances vi for every row (metafor's escalc), appended to the input."""
    from evidence.effects import compute_effects, read_effect_input
    from evidence.render import render
    options = {k: v for k, v in (("vtype", vtype and vtype.upper()), ("ri", ri), ("add", add), ("to", to),
                                 ("drop00", drop00 or None)) if v is not None}
    table = compute_effects(read_effect_input(input), measure, source_name=str(input), **options)
    skipped = int(table["yi"].isna().sum())
    if output is None:
        emit(out, table, fmt, title=f"{measure.upper()} effect sizes")
    else:
        output.write_text(render(table, "json" if fmt is OutputFormat.json else "csv"), encoding="utf-8")
        err.print(f"wrote {len(table)} rows to {output}", markup=False, highlight=False)
    if skipped:
        err.print(f"{skipped} of {len(table)} rows have no yi/vi; see the derivation column",
                  markup=False, highlight=False)


# ---------------------------------------------------------------- section: records (issue 2)

from contextlib import contextmanager as _contextmanager


@_contextmanager
def _record_progress(label: str):
    """A rich progress bar on stderr; yields the ``progress(done, total)`` callback sources take."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
        yield advance


def _report_lines(reports) -> None:
    for report in reports:
        err.print(report.summary_line(), markup=False, highlight=False)


@app.command()
def search(
    term: Optional[str] = typer.Argument(None, help="Query in the source's syntax; omit to run the review's protocol searches (data/protocol.toml)."),
    source: str = typer.Option("pubmed", "--source", help="Source: pubmed, europepmc, crossref or ctgov."),
    since: Optional[str] = typer.Option(None, "--since", help="Only records entered on or after YYYY-MM-DD (PubMed: Entrez date)."),
    until: Optional[str] = typer.Option(None, "--until", help="Only records entered on or before YYYY-MM-DD."),
    max_records: Optional[int] = typer.Option(None, "--max", help="Fetch at most N records per search."),
    batch_size: int = typer.Option(500, "--batch-size", help="Records per fetch request (default 500)."),
    db: Optional[Path] = DbOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Search a source (default PubMed) and store every record found in the library."""
    from evidence.protocol import reports_frame, run_searches
    from evidence.store import Store
    with Store.open(db_path(db)) as store, _record_progress(f"{source}: fetching") as progress:
        reports = run_searches(store, term, source=source, since=since, until=until,
                               max_records=max_records, batch_size=batch_size, progress=progress)
    emit(out, reports_frame(reports), fmt, title="Search results")
    _report_lines(reports)
    if any(r.failed for r in reports):
        raise typer.Exit(code=2)


@app.command()
def update(db: Optional[Path] = DbOpt, fmt: OutputFormat = FormatOpt) -> None:
    """Re-run every saved search for records entered since its last run; report what is new."""
    from evidence.protocol import reports_frame, update_searches
    from evidence.store import Store
    with Store.open(db_path(db)) as store, _record_progress("update") as progress:
        reports = update_searches(store, progress=progress)
    emit(out, reports_frame(reports), fmt, title="Update")
    if not reports:
        err.print("no saved searches yet: run `hairmeta search` first", markup=False)
    _report_lines(reports)
    if any(r.failed for r in reports):
        raise typer.Exit(code=2)


records_app = new_app("The record library: list it (no subcommand) or add a record by hand.")
app.add_typer(records_app, name="records")


@records_app.callback(invoke_without_command=True)
def records(ctx: typer.Context, db: Optional[Path] = DbOpt, fmt: OutputFormat = FormatOpt) -> None:
    """List the library (pmid, doi, title, year, journal, authors, sources, …)."""
    if ctx.invoked_subcommand is not None:
        ctx.ensure_object(dict)["records_db"] = db  # `records --db X add …` means library X
        return
    from evidence.store import Store
    with Store.open(db_path(db)) as store:
        frame = store.records_frame(brief=fmt is OutputFormat.table)
    emit(out, frame, fmt, title=f"Record library ({len(frame)} records)")


@records_app.command("add")
def records_add(
    ctx: typer.Context,
    title: str = typer.Option(..., "--title", help="Title (required)."),
    author: list[str] = typer.Option([], "--author", help="Author as 'Last, First' (repeatable); no comma = a group name."),
    year: Optional[str] = typer.Option(None, "--year", help="Four-digit publication year."),
    journal: str = typer.Option("", "--journal", help="Journal name."),
    volume: str = typer.Option("", "--volume", help="Volume."),
    issue: str = typer.Option("", "--issue", help="Issue."),
    pages: str = typer.Option("", "--pages", help="Pages or article number."),
    doi: str = typer.Option("", "--doi", help="DOI (10.xxxx/…, a doi.org URL is fine)."),
    url: str = typer.Option("", "--url", help="Landing page URL."),
    pmid: str = typer.Option("", "--pmid", help="PMID, if PubMed has one."),
    db: Optional[Path] = DbOpt,
) -> None:
    """Add a record by hand (e.g. one PubMed does not index), stored with source 'manual'."""
    from evidence.store import Store
    db = db or (ctx.obj or {}).get("records_db")
    with Store.open(db_path(db)) as store:
        record_id, counts = store.add_manual(title=title, authors=author, year=year, journal=journal,
                                             volume=volume, issue=issue, pages=pages, doi=doi,
                                             url=url, pmid=pmid)
    state = "added" if counts.new else ("updated" if counts.updated else "already in the library")
    out.print(f"{record_id}", markup=False, highlight=False)
    err.print(f"record {record_id} {state}", markup=False, highlight=False)



# ---------------------------------------------------------------- section: import and dedup (issue 5)

@app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="An export file: RIS (.ris), PubMed MEDLINE (.nbib), BibTeX (.bib) or CSV (.csv)."),
    source: Optional[str] = typer.Option(None, "--source", help="Where the file came from (e.g. embase, scopus); default file:<name>."),
    file_type: Optional[str] = typer.Option(None, "--type", help="File type when the extension does not say: ris, nbib, bibtex or csv."),
    db: Optional[Path] = DbOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Import a whole export file into the library (all records or, on any error, none)."""
    from evidence.store import Store
    from extractors.files import import_file
    with Store.open(db_path(db)) as store:
        report = import_file(store, file, source=source, fmt=file_type)
    emit(out, dict(report.__dict__), fmt, title="Import")
    err.print(f"{report.file}: {report.records} records read; {report.new} new, {report.updated} "
              f"updated, {report.unchanged} already known", markup=False, highlight=False)
    for warning in report.warnings:
        err.print(f"Warning: {warning}", markup=False, highlight=False)


def _review_tables(queue: list[dict]):
    """One rich table per pending pair: field | record A | record B (differences in bold)."""
    from rich.table import Table
    from evidence.dedup import SIDE_FIELDS
    for item in queue:
        table = Table(title=f"match {item['match_id']}  score {item['score']:.2f}  {item['reason']}",
                      show_lines=False, title_justify="left")
        table.add_column("field")
        table.add_column(f"record {item['record_a']}", overflow="fold")
        table.add_column(f"record {item['record_b']}", overflow="fold")
        for name in SIDE_FIELDS:
            a, b = str(item[f"a_{name}"] or ""), str(item[f"b_{name}"] or "")
            style = "" if a.casefold() == b.casefold() else "bold"
            table.add_row(name, a, b, style=style)
        yield table


@app.command()
def dedup(
    input_file: Optional[Path] = typer.Option(None, "--input", help="File mode: de-duplicate this file (as `import` reads it) instead of the library."),
    output: Optional[Path] = typer.Option(None, "--output", help="File mode: write ID,cluster_id here (one row per input record, the input's IDs)."),
    review: bool = typer.Option(False, "--review", help="Show the pairs waiting for a person, side by side."),
    decide_id: Optional[int] = typer.Option(None, "--decide", help="Decide pending pair MATCH_ID (with --as and --by)."),
    decision: Optional[str] = typer.Option(None, "--as", help="Decision for --decide: merge or distinct."),
    reviewer: Optional[str] = typer.Option(None, "--by", help="Who decides (recorded with the decision)."),
    undo: Optional[int] = typer.Option(None, "--undo", help="Undo the merge with this match id."),
    undo_cluster: Optional[int] = typer.Option(None, "--undo-cluster", help="Undo every merge of this cluster id."),
    db: Optional[Path] = DbOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Find duplicates: merge the sure ones, queue the uncertain for review; nothing is deleted."""
    from evidence import dedup as dd
    from evidence.errors import DataError
    from evidence.store import Store
    if input_file is not None or output is not None:
        if input_file is None or output is None:
            raise DataError("file mode needs both --input and --output", field="--input")
        emit(out, dd.dedup_file(input_file, output), fmt, title="De-duplication (file)")
        return
    with Store.open(db_path(db)) as store:
        if review:
            queue = dd.review_queue(store)
            if fmt is OutputFormat.table:
                for table in _review_tables(queue):
                    out.print(table)
                err.print(f"{len(queue)} pair(s) waiting; decide with --decide ID --as merge|distinct --by NAME", markup=False)
            else:
                emit(out, queue, fmt, title="Review queue")
        elif decide_id is not None:
            dd.decide(store, decide_id, decision or "", reviewer or "")
            err.print(f"match {decide_id}: {decision} (by {reviewer})", markup=False)
        elif undo is not None or undo_cluster is not None:
            count = dd.undo_merge(store, match_id=undo, cluster=undo_cluster)
            err.print(f"{count} merge(s) undone", markup=False)
        else:
            report = dd.dedup_library(store)
            emit(out, report.as_dict(), fmt, title="De-duplication")


# ---------------------------------------------------------------- section: pooling (issue 4)

_EffectsOpt = typer.Option(None, "--effects", "-e", help="CSV with columns yi and vi (or yi and sei); optional study or label column.")
_PoolMethodOpt = typer.Option("REML", "--method", help="tau2 estimator: EE (alias FE), DL, HE, SJ, PM, ML, REML, EB.")
_PoolKnhaOpt = typer.Option(False, "--knha/--no-knha", help="Knapp-Hartung(-Sidik-Jonkman) adjustment with t tests (default off, as metafor).")
_PoolLevelOpt = typer.Option(95.0, "--level", help="Confidence level in percent (CIs and prediction interval).")
_LabelOpt = typer.Option(None, "--label-column", help="Column with study labels (default: study, else label).")


def _require_effects(effects: Optional[Path]) -> Path:
    if effects is None:
        raise typer.BadParameter("give --effects FILE", param_hint="--effects")
    return effects


def _print_notes(notes) -> None:
    for note in notes:
        err.print(f"Note: {note}", markup=False, highlight=False)


def _emit_pooled(result, fmt: OutputFormat, title: str) -> None:
    """A MetaResult or SubgroupResult as a table, one CSV table or the JSON contract."""
    if fmt is OutputFormat.json:
        emit(out, result.to_dict(), fmt)
    elif hasattr(result, "subgroups"):
        frame = result.display_frame() if fmt is OutputFormat.table else result.to_frame()
        emit(out, frame, fmt, title=f"{title} by {result.by}")
        if fmt is OutputFormat.table:
            out.print(f"Test for subgroup differences (fixed-effect Q on subgroup estimates): "
                      f"Q = {result.q_between:.4f}, df = {result.q_between_df}, p = {result.q_between_p:.4g}; "
                      f"moderator test with common tau2: QM = {result.qm_common_tau2:.4f}, "
                      f"p = {result.qm_common_tau2_p:.4g}", markup=False, highlight=False)
    else:
        emit(out, result.to_dict() if fmt is OutputFormat.table else [result.to_dict()], fmt, title=title)


def _print_effect_table_notes(table) -> None:
    """Excluded rows and derivation notes of an EffectTable, on stderr."""
    for row in table.excluded.to_dict(orient="records"):
        err.print(f"Excluded {row.get('study_id')}: {row.get('reason')}", markup=False, highlight=False)
    if "derivation" in table.effects.columns:
        for label, how in zip(table.effects.get("label", table.effects["study_id"]), table.effects["derivation"]):
            err.print(f"{label}: {how}", markup=False, highlight=False)
    _print_notes(table.notes)


@app.command("pool")
def pool_cmd(effects: Optional[Path] = _EffectsOpt, method: str = _PoolMethodOpt,
             knha: bool = _PoolKnhaOpt, level: float = _PoolLevelOpt,
             by: Optional[str] = typer.Option(None, "--by", help="Subgroup column: pool per level and test the difference."),
             label_column: Optional[str] = _LabelOpt,
             outcome: Optional[str] = typer.Option(None, "--outcome", help="Pool coded outcomes instead of a file, e.g. hair_density."),
             comparison: Optional[str] = typer.Option(None, "--comparison", help="With --outcome: placebo, active, untreated, control (any comparator) or baseline."),
             family: Optional[str] = typer.Option(None, "--family", help="With --outcome: intervention family (prp, exosome, …)."),
             condition: Optional[str] = typer.Option(None, "--condition", help="With --outcome: condition, e.g. androgenetic alopecia."),
             fmt: OutputFormat = FormatOpt) -> None:
    """Random-effects meta-analysis of an effects file (or of coded outcomes), as metafor's rma."""
    if outcome is not None:
        if comparison is None:
            raise typer.BadParameter("--outcome needs --comparison", param_hint="--comparison")
        from evidence.pooling import pool_outcomes
        pooled = pool_outcomes(outcome=outcome, comparison=comparison, intervention_family=family,
                               condition=condition, method=method, knha=knha, level=level)
        _print_effect_table_notes(pooled.table)
        result = pooled.fit
    else:
        from evidence.pooling import pool_file
        result = pool_file(_require_effects(effects), method=method, knha=knha, level=level, by=by,
                           label_column=label_column)
    _print_notes(getattr(result, "notes", ()))
    _emit_pooled(result, fmt, title="Pooled estimate")


@app.command()
def diagnose(effects: Optional[Path] = _EffectsOpt, method: str = _PoolMethodOpt,
             knha: bool = _PoolKnhaOpt, level: float = _PoolLevelOpt,
             order: Optional[str] = typer.Option(None, "--order", help="Column ordering the cumulative analysis (e.g. year); default file order."),
             label_column: Optional[str] = _LabelOpt, fmt: OutputFormat = FormatOpt) -> None:
    """Leave-one-out, cumulative meta-analysis, Egger's test, rank test and trim-and-fill."""
    from evidence.diagnostics import diagnose_file
    report = diagnose_file(_require_effects(effects), method=method, knha=knha, level=level,
                           order_column=order, label_column=label_column)
    for name, why in report.skipped.items():
        err.print(f"Skipped {name}: {why}", markup=False, highlight=False)
    if fmt is not OutputFormat.table:
        emit(out, report.to_dict() if fmt is OutputFormat.json else report.to_frame(), fmt)
        return
    for sweep in (report.leave_one_out, report.cumulative):
        if sweep is not None:
            emit(out, sweep.display_frame(), fmt, title=f"{sweep.kind.capitalize()} ({sweep.method})")
    tests = report.tests_frame()
    if len(tests):
        emit(out, tests, fmt, title="Small-study effects: Egger regression, rank correlation, trim-and-fill (stat = k0)")


@app.command()
def forest(effects: Optional[Path] = _EffectsOpt,
           output: Path = typer.Option(..., "--output", "-o", help="forest.csv / .json (data) or forest.png / .svg (plot)."),
           method: str = _PoolMethodOpt, knha: bool = _PoolKnhaOpt, level: float = _PoolLevelOpt,
           transform: Optional[str] = typer.Option(None, "--transform", help="Back-transform for display: exp (for log RR, OR, ROM)."),
           title: Optional[str] = typer.Option(None, "--title", help="Plot title."),
           label_column: Optional[str] = _LabelOpt, fmt: OutputFormat = FormatOpt) -> None:
    """Export forest-plot data or draw a forest plot (studies, pooled, prediction interval, heterogeneity)."""
    from evidence.forest import forest_file
    rows = forest_file(_require_effects(effects), output, method=method, knha=knha, level=level,
                       transform=transform, title=title, label_column=label_column)
    err.print(f"wrote {output}", markup=False, highlight=False)
    emit(out, rows, fmt, title="Forest plot rows")


@app.command()
def funnel(effects: Optional[Path] = _EffectsOpt,
           output: Path = typer.Option(..., "--output", "-o", help="funnel.png or funnel.svg."),
           method: str = _PoolMethodOpt, knha: bool = _PoolKnhaOpt, level: float = _PoolLevelOpt,
           title: Optional[str] = typer.Option(None, "--title", help="Plot title."),
           label_column: Optional[str] = _LabelOpt, fmt: OutputFormat = FormatOpt) -> None:
    """Draw a funnel plot (effect sizes against standard errors, pseudo-confidence region)."""
    from evidence.plots import funnel_file
    summary_ = funnel_file(_require_effects(effects), output, method=method, knha=knha, level=level,
                           label_column=label_column, title=title)
    err.print(f"wrote {output}", markup=False, highlight=False)
    emit(out, summary_, fmt, title="Funnel plot")


# ---------------------------------------------------------------- section: export and lookup (issue 5)

from evidence.export import ExportFormat as _ExportFormat


@app.command("export")
def export_cmd(
    fmt: _ExportFormat = typer.Option(..., "--format", "-f", help="ris, csv or bibtex."),
    deduplicated: bool = typer.Option(False, "--deduplicated", help="One record per de-duplication cluster, listing every source of the cluster."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
    db: Optional[Path] = DbOpt,
) -> None:
    """Write the library for reference managers and screening tools (RIS, CSV or BibTeX)."""
    from evidence.export import export_library
    from evidence.store import Store
    with Store.open(db_path(db)) as store:
        text = export_library(store, fmt, deduplicated=deduplicated)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise HairmetaError(f"{output}: cannot write: {exc.strerror or exc}") from None
    err.print(f"wrote {fmt.value} export to {output}", markup=False, highlight=False)


@app.command()
def lookup(
    doi: str = typer.Argument(..., help="A DOI (10.xxxx/…; a doi.org URL or doi: prefix is fine)."),
    store_it: bool = typer.Option(False, "--store", help="Also store the record in the library (source 'crossref')."),
    db: Optional[Path] = DbOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Crossref metadata for one DOI; with --store, kept in the library."""
    from extractors.crossref import lookup as crossref_lookup
    if store_it:
        from evidence.store import Store
        with Store.open(db_path(db)) as store:
            found = crossref_lookup(doi, store=store)
        err.print(f"record {found.record_id}: {found.status}", markup=False, highlight=False)
    else:
        found = crossref_lookup(doi)
    emit(out, found.to_row(), fmt, title=f"Crossref: {found.record.doi}")


# ---------------------------------------------------------------- section: outcomes (issue 3)

outcomes_app = new_app("The coded outcome tables: check them, list rows, add rows.")
app.add_typer(outcomes_app, name="outcomes")

_OutDataDirOpt = typer.Option(None, "--data-dir", help="Directory holding the four tables (default: the shipped data/).")
_OutFileOpt = typer.Option(None, "--file", help="The outcomes.csv to use (default: the one in --data-dir, else the shipped one).")


@outcomes_app.command("check")
def outcomes_check(
    file: Optional[Path] = typer.Argument(None, help="One table (studies, arms, outcomes or meta-analyses CSV; recognised by its header); the other tables are taken from beside it."),
    data_dir: Optional[Path] = _OutDataDirOpt,
    fmt: Optional[OutputFormat] = typer.Option(None, "--format", "-f", help="table, csv or json (default: one 'file:row:column: message' line per problem)."),
) -> None:
    """Validate the evidence tables; one line per problem, exit 1 if there is any error."""
    from evidence.outcomes import check_files, errors_only, problems_frame
    problems = check_files(file, data_dir)
    if fmt is None:
        for problem in problems:
            out.file.write(f"{problem}\n")
    else:
        emit(out, problems_frame(problems), fmt, title="Problems")
    n_errors = len(errors_only(problems))
    err.print(f"{n_errors} error(s), {len(problems) - n_errors} warning(s)", markup=False, highlight=False)
    if n_errors:
        raise typer.Exit(code=1)


@outcomes_app.command("list")
def outcomes_list(
    study: Optional[str] = typer.Option(None, "--study", help="Only this study_id."),
    outcome: Optional[list[str]] = typer.Option(None, "--outcome", help="Only this outcome (repeatable)."),
    file: Optional[Path] = _OutFileOpt, data_dir: Optional[Path] = _OutDataDirOpt,
    all_columns: bool = typer.Option(False, "--all-columns", help="Every column in table output (csv/json always have all)."),
    fmt: OutputFormat = FormatOpt,
) -> None:
    """List coded outcome rows (empty cells = not reported by the source)."""
    from evidence.outcomes import LIST_COLUMNS, list_outcomes, not_available_messages, table_paths
    rows_ = list_outcomes(study, outcome or None, path=table_paths(file, data_dir)["outcomes"])
    for message in not_available_messages(rows_):
        err.print(message, markup=False, highlight=False)
    shown = rows_.loc[:, list(LIST_COLUMNS)] if fmt is OutputFormat.table and not all_columns else rows_
    emit(out, shown, fmt, title="Coded outcomes")


@outcomes_app.command("add")
def outcomes_add(
    from_file: Optional[Path] = typer.Option(None, "--from", help="Append the validated rows of this CSV (outcome columns) instead of prompting."),
    file: Optional[Path] = _OutFileOpt, data_dir: Optional[Path] = _OutDataDirOpt,
    yes: bool = typer.Option(False, "--yes", "-y", help="Append the prompted row without asking for confirmation."),
) -> None:
    """Code a new outcome row interactively (or --from a CSV); nothing is written unless every check passes."""
    from evidence.outcomes import (append_outcomes, check_new_rows, load_studies, prompt_row,
                                   read_new_rows, table_paths)
    paths = table_paths(file, data_dir)
    if from_file is not None:
        count = append_outcomes(read_new_rows(from_file), paths["outcomes"], origin=from_file)
        err.print(f"appended {count} row(s) to {paths['outcomes']}", markup=False, highlight=False)
        return
    ask = lambda column, hint: typer.prompt(f"{column}" + (f" [{hint}]" if hint else ""), default="", show_default=False)
    report = lambda message: err.print(message, markup=False, highlight=False)
    row = prompt_row(ask, set(load_studies(paths["studies"])["study_id"]), report)
    emit(err, {k: v for k, v in row.items() if v}, OutputFormat.table, title="New outcome row")
    problems = check_new_rows([row], paths["outcomes"])
    for problem in problems:
        err.print(str(problem), markup=False, highlight=False)
    if problems:
        err.print("nothing written: fix the problems above and add the row again", markup=False, highlight=False)
        raise typer.Exit(code=1)
    if not yes and not typer.confirm(f"Append this row to {paths['outcomes']}?", default=False):
        err.print("nothing written", markup=False, highlight=False)
        raise typer.Exit(code=1)
    append_outcomes([row], paths["outcomes"])
    err.print(f"appended 1 row to {paths['outcomes']}", markup=False, highlight=False)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
