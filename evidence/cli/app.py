"""The command-line application shared by every stage module: the typer app, its error handling,
the consoles (results to stdout, messages to stderr), the options several stages share, and the
order in which ``hairmeta --help`` lists the commands (the order a review uses them).
"""

from __future__ import annotations

import math
import os
import sqlite3
import warnings
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import typer
from rich.console import Console
from typer.core import TyperGroup

from hairmeta.evidence.errors import HairmetaError, InputNote
from hairmeta.evidence.paths import default_db_path, use_data_dir
from hairmeta.evidence.present.formats import OutputFormat
from hairmeta.evidence.present.output import check_target
from hairmeta.evidence.tables.workspace import tables_dir, workspace

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
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            for developer_only in (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ResourceWarning):
                warnings.simplefilter("ignore", developer_only)  # about our code, not the user's input
            warnings.simplefilter("error", RuntimeWarning)  # numpy overflow etc.: stop, never print wrong numbers
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except HairmetaError as exc:
                _fail(str(exc), exc.exit_code)
            except KeyboardInterrupt:
                _fail("interrupted; nothing half-written was kept", 130)
            except EOFError:  # stdin ended while a prompt waited (every earlier answer is stored)
                err.print()
                _fail("input ended before the question was answered", 1)
            except OSError as exc:  # a file or folder the command could not read or write
                where = f"{exc.filename}: " if exc.filename else ""
                _fail(f"{where}{exc.strerror or exc}", 1)
            except (RuntimeWarning, FloatingPointError) as exc:
                _fail(f"numerical failure ({exc}); are the input's values in a sensible range?", 1)
            except sqlite3.Error as exc:  # e.g. a read-only library
                hint = "; make the file writable or choose another --db" if "readonly" in str(exc) else ""
                _fail(f"the record library cannot be used: {exc}{hint}", 1)
            except Exception as exc:  # never a traceback: one line, the details on request
                if _is_cli_control(exc) or os.environ.get("HAIRMETA_DEBUG"):
                    raise
                _fail(f"unexpected {type(exc).__name__}: {exc} (set HAIRMETA_DEBUG=1 for details)", 1)


def _is_cli_control(exc: Exception) -> bool:
    """click's and typer's own exceptions (exit, abort, usage errors): theirs to handle."""
    return type(exc).__module__.split(".")[0] in ("click", "typer")


def _fail(message: str, code: int):
    """Print one ``Error: …`` line (the first line of ``message``) and exit with ``code``."""
    first = (message.strip().splitlines() or [""])[0]
    err.print(f"Error: {first[:500]}", markup=False, highlight=False)
    raise typer.Exit(code=code) from None


_shown: set[str] = set()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings reach the user as one ``Note: …`` line each (no internal paths), once per text."""
    text = str(message).strip().splitlines()[0] if str(message).strip() else category.__name__
    if not issubclass(category, InputNote):
        text = f"{text} ({category.__name__.replace('Warning', '').lower() or 'warning'})"
    if text not in _shown:
        _shown.add(text)
        err.print(f"Note: {text}", markup=False, highlight=False)


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


def confidence_level(value: float) -> float:
    """``--level`` as a percentage, checked once for every command that has it.

    0 < level < 100 is a percentage.  A value below 1 (0.95) is read as a proportion and said so
    on stderr (``Note: …``), since nobody wants a 0.95% interval; anything else (0, 1, 100, 150,
    -5, nan) is refused.
    """
    if not math.isfinite(value) or not 0.0 < value < 100.0 or value == 1.0:
        raise typer.BadParameter(
            f"{value:g} is not a confidence level; give a percentage between 0 and 100, e.g. 95", param_hint="--level"
        )
    if value < 1.0:
        percent = value * 100.0
        err.print(
            f"Note: --level {value:g} read as a proportion: {percent:g}% intervals (give --level {percent:g} to say so)",
            markup=False,
            highlight=False,
        )
        return percent
    return value


LevelOpt = typer.Option(
    95.0,
    "--level",
    callback=confidence_level,
    help="Confidence level in percent (CIs and PIs), 0 < level < 100, e.g. 95 (0.95 is read as 95, with a note).",
)
ForceOpt = typer.Option(
    False, "--force", help="Replace an existing output file (never the command's input or a library)."
)


_WORKSPACE: ContextVar[Path | None] = ContextVar("hairmeta_workspace", default=None)


@contextmanager
def _scoped(var: ContextVar, value):
    """``var`` set to ``value`` for one run of the app (reset when the run's context closes)."""
    token = var.set(value)
    try:
        yield value
    finally:
        var.reset(token)


@app.callback()
def _root(
    ctx: typer.Context,
    workspace_root: Path | None = typer.Option(
        None,
        "--workspace",
        help="Review workspace (your tables, protocol and library). Default: $HAIRMETA_HOME, else the per-user data dir.",
    ),
) -> None:
    """hairmeta: search, de-duplicate, code, pool and compare hair-loss therapy evidence."""
    ctx.with_resource(_scoped(_WORKSPACE, workspace_root))
    chosen = workspace(workspace_root)
    if chosen.has_tables:  # every command reads the workspace's tables and protocol
        ctx.with_resource(use_data_dir(chosen.root))


def chosen_workspace() -> Path | None:
    """The ``--workspace`` given to this run (``None``: $HAIRMETA_HOME or the default)."""
    return _WORKSPACE.get()


def _use_tables(ctx: typer.Context, value: Path | None) -> Path | None:
    """--data-dir: make its tables (else the workspace's) the ones this command reads."""
    if ctx.resilient_parsing:
        return value
    ctx.with_resource(use_data_dir(tables_dir(value, _WORKSPACE.get())))
    return value  # as given: None lets a command's --file take its sibling tables from beside it


DataDirOpt = typer.Option(
    None,
    "--data-dir",
    callback=_use_tables,
    help="Folder holding the four coded tables (default: the workspace's, else the shipped ones).",
)


def db_path(db: Path | None) -> Path:
    """The library path the user chose (its folder must exist), else the workspace's library
    (``--workspace``, ``$HAIRMETA_DB``, ``$HAIRMETA_HOME``, the per-user data dir), whose folder is created."""
    if db is not None:
        return db
    path = default_db_path(chosen_workspace())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HairmetaError(f"{path.parent}: cannot create the library folder: {exc.strerror or exc}") from None
    return path


def output_target(path: Path, force: bool, *inputs: Path | None, db: Path | None = None) -> Path:
    """``path`` checked as an output of this command (:func:`~hairmeta.evidence.present.output.check_target`):
    never one of its ``inputs`` or the record library, an existing file only with ``--force``."""
    return check_target(path, inputs=inputs, library=db_path(db), force=force)


def model_options(method: str, knha: bool | None, level: float):
    """The model settings of one command, validated once (an unknown estimator lists the valid ones)."""
    from hairmeta.evidence.meta.options import ModelOptions  # imported when a model runs: --help stays light

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


def emit(console: Console, data, fmt, title: str | None = None) -> None:
    """:func:`hairmeta.evidence.present.render.emit`, imported when a command prints (pandas is not
    needed to start the command line or to show its help)."""
    from hairmeta.evidence.present.render import emit as render_emit

    render_emit(console, data, fmt, title)


def stream_rows(*args, **kwargs):
    """:func:`hairmeta.evidence.present.render.stream_rows`, imported when a command prints."""
    from hairmeta.evidence.present.render import stream_rows as render_stream_rows

    return render_stream_rows(*args, **kwargs)
