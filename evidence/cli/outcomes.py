"""Stage 5, coded outcomes: ``outcomes check``, ``outcomes list`` and ``outcomes add``."""

from __future__ import annotations

from pathlib import Path

import typer

from hairmeta.evidence.cli.app import DataDirOpt, FormatOpt, app, chosen_workspace, emit, err, new_app, out
from hairmeta.evidence.present.formats import OutputFormat

outcomes_app = new_app("The coded outcome tables: check them, list rows, add rows.")
app.add_typer(outcomes_app, name="outcomes")


_OutFileOpt = typer.Option(
    None, "--file", help="The outcomes.csv to use (default: the one in --data-dir, else the workspace's)."
)


@outcomes_app.command("check")
def outcomes_check(
    file: Path | None = typer.Argument(
        None,
        help="One table (studies, arms, outcomes or meta-analyses CSV; recognised by its header); the other tables are taken from beside it.",
    ),
    data_dir: Path | None = DataDirOpt,
    fmt: OutputFormat | None = typer.Option(
        None, "--format", "-f", help="table, csv or json (default: one 'file:row:column: message' line per problem)."
    ),
) -> None:
    """Validate the evidence tables; one line per problem, exit 1 if there is any error."""
    from hairmeta.evidence.tables.check import check_files, errors_only, problems_frame

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
    study: str | None = typer.Option(None, "--study", help="Only this study_id."),
    outcome: list[str] | None = typer.Option(None, "--outcome", help="Only this outcome (repeatable)."),
    file: Path | None = _OutFileOpt,
    data_dir: Path | None = DataDirOpt,
    all_columns: bool = typer.Option(
        False, "--all-columns", help="Every column in table output (csv/json always have all)."
    ),
    fmt: OutputFormat = FormatOpt,
) -> None:
    """List coded outcome rows (empty cells = not reported by the source)."""
    from hairmeta.evidence.tables.load import LIST_COLUMNS, list_outcomes, not_available_messages, table_paths

    rows_ = list_outcomes(study, outcome or None, path=table_paths(file, data_dir)["outcomes"])
    for message in not_available_messages(rows_):
        err.print(message, markup=False, highlight=False)
    shown = rows_.loc[:, list(LIST_COLUMNS)] if fmt is OutputFormat.table and not all_columns else rows_
    emit(out, shown, fmt, title="Coded outcomes")


@outcomes_app.command("add")
def outcomes_add(
    from_file: Path | None = typer.Option(
        None, "--from", help="Append the validated rows of this CSV (outcome columns) instead of prompting."
    ),
    file: Path | None = _OutFileOpt,
    data_dir: Path | None = DataDirOpt,
    yes: bool = typer.Option(False, "--yes", "-y", help="Append the prompted row without asking for confirmation."),
) -> None:
    """Code a new outcome row interactively (or --from a CSV); nothing is written unless every check passes.

    Each typed field is checked at once (an arm must be one arms.csv lists for the study); a row
    the table check still rejects is shown field by field for correction, never thrown away."""
    from hairmeta.evidence.tables.edit import append_outcomes, enter_row, read_new_rows
    from hairmeta.evidence.tables.load import table_paths
    from hairmeta.evidence.tables.workspace import writable_tables

    if file is None:
        data_dir, created = writable_tables(data_dir, chosen_workspace())
        if created is not None:
            err.print(
                f"created the review workspace {created.root} (tables copied from the shipped ones)",
                markup=False,
                highlight=False,
            )
    paths = table_paths(file, data_dir)
    if from_file is not None:
        count = append_outcomes(read_new_rows(from_file), paths["outcomes"], origin=from_file)
        err.print(f"appended {count} row(s) to {paths['outcomes']}", markup=False, highlight=False)
        return

    def ask(column, hint):
        return typer.prompt(f"{column}" + (f" [{hint}]" if hint else ""), default="", show_default=False)

    def report(message):
        return err.print(message, markup=False, highlight=False)

    row = enter_row(ask, paths["outcomes"], report)
    if row is None:
        err.print("nothing written", markup=False, highlight=False)
        raise typer.Exit(code=1)
    emit(err, {k: v for k, v in row.items() if v}, OutputFormat.table, title="New outcome row")
    if not yes and not typer.confirm(f"Append this row to {paths['outcomes']}?", default=False):
        err.print("nothing written", markup=False, highlight=False)
        raise typer.Exit(code=1)
    append_outcomes([row], paths["outcomes"])
    err.print(f"appended 1 row to {paths['outcomes']}", markup=False, highlight=False)
