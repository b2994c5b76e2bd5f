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

@app.command()
def summary(fmt: OutputFormat = FormatOpt) -> None:
    """The evidence summary on the shipped data (PRP, exosomes and other therapies)."""
    from evidence.holdings import holdings
    emit(out, holdings(), fmt, title="What hairmeta's shipped data holds")


# ---------------------------------------------------------------- section: effects (issue 3)

@app.command()
def effects(
    input: Path = typer.Option(..., "--input", "-i", help="CSV with metafor's column names (m1i, sd1i, n1i, …; ai, bi, ci, di; xi, ni; m1i, m2i, sd1i, sd2i, ni, ri)."),
    measure: str = typer.Option(..., "--measure", "-m", help="Effect measure: MD, SMD, SMDH, ROM, MC, SMCC, SMCR, RR, OR, RD, PR, PLO, PAS, PFT."),
    fmt: OutputFormat = FormatOpt,
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the result to this file (CSV unless --format json) instead of stdout."),
    vtype: Optional[str] = typer.Option(None, "--vtype", help="Sampling-variance type as in metafor (default LS)."),
    ri: Optional[float] = typer.Option(None, "--ri", help="Impute this pre-post correlation where the ri column is absent or empty (noted in derivation)."),
) -> None:
    """Effect sizes yi and sampling variances vi for every row (metafor's escalc), appended to the input."""
    from evidence.effects import compute_effects, read_effect_input
    from evidence.render import render
    options = {k: v for k, v in (("vtype", vtype), ("ri", ri)) if v is not None}
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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
