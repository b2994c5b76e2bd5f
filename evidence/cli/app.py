"""The command-line application shared by every stage module: the typer app, its error handling,
the consoles (results to stdout, messages to stderr), the options several stages share, and the
order in which ``hairmeta --help`` lists the commands (the order a review uses them).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from typer.core import TyperGroup

from hairmeta.evidence.errors import HairmetaError
from hairmeta.evidence.meta.options import ModelOptions
from hairmeta.evidence.paths import default_db_path
from hairmeta.evidence.present.render import OutputFormat

out = Console(soft_wrap=True)  # results: stdout
err = Console(stderr=True, soft_wrap=True)  # messages, progress: stderr

#: The review's pipeline: ``hairmeta --help`` lists commands in this order.
PIPELINE = (
    "init",
    "search",
    "update",
    "lookup",
    "import",
    "records",
    "dedup",
    "export",
    "screen",
    "prisma",
    "outcomes",
    "effects",
    "pool",
    "diagnose",
    "forest",
    "funnel",
    "summary",
    "compare",
    "report",
)


class HairmetaGroup(TyperGroup):
    """A command group that turns HairmetaError (and Ctrl-C) into one-line errors and lists its
    commands in :data:`PIPELINE` order."""

    def list_commands(self, ctx) -> list[str]:
        names = super().list_commands(ctx)
        order = {name: i for i, name in enumerate(PIPELINE)}
        return sorted(names, key=lambda name: (order.get(name, len(order)), names.index(name)))

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except HairmetaError as exc:
            err.print(f"Error: {exc}", markup=False, highlight=False)
            raise typer.Exit(code=exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("Error: interrupted; nothing half-written was kept", markup=False)
            raise typer.Exit(code=130) from None


def new_app(help_text: str) -> typer.Typer:
    """A typer app (or sub-app) with hairmeta's error handling and no rich tracebacks."""
    return typer.Typer(
        cls=HairmetaGroup,
        help=help_text,
        no_args_is_help=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        add_completion=False,
    )


app = new_app("Living evidence summary on PRP and exosome therapies for hair loss.")


FormatOpt = typer.Option(OutputFormat.table, "--format", "-f", help="Output format: table, csv or json.")
DbOpt = typer.Option(None, "--db", help="Record library (SQLite). Default: $HAIRMETA_DB, else the per-user data dir.")

MethodOpt = typer.Option("REML", "--method", help="tau2 estimator: EE (alias FE), DL, HE, SJ, PM, ML, REML, EB.")
KnhaOpt = typer.Option(
    None,
    "--knha/--no-knha",
    help="Knapp-Hartung adjustment with t tests (default: on wherever k >= 2; --no-knha for metafor's z test).",
    show_default=False,
)
LevelOpt = typer.Option(95.0, "--level", help="Confidence level in percent (CIs and PIs), e.g. 95.")


@app.callback()
def _root() -> None:
    """hairmeta: search, de-duplicate, code, pool and compare hair-loss therapy evidence."""


def db_path(db: Path | None) -> Path:
    """The library path the user chose, else the documented default."""
    return db if db is not None else default_db_path()


def model_options(method: str, knha: bool | None, level: float) -> ModelOptions:
    """The model settings of one command, validated once (an unknown estimator lists the valid ones)."""
    return ModelOptions(method=method, knha=knha, level=level)


def bullets(title: str, lines: list[str]) -> None:
    """A bold heading and one line per item (no markup interpretation of the items)."""
    out.print(f"[bold]{title}[/bold]")
    for line in lines:
        out.print(f"  • {line}", markup=False, highlight=False)


def print_notes(notes) -> None:
    """Each note on stderr as ``Note: …``."""
    for note in notes:
        err.print(f"Note: {note}", markup=False, highlight=False)


@contextmanager
def record_progress(label: str):
    """A rich progress bar on stderr; yields the ``progress(done, total)`` callback sources take."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance
