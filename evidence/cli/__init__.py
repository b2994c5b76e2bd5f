"""hairmeta's command line: one module per pipeline stage over one typer app (:mod:`.app`).

Each command parses its options, calls one public library function, renders its result and lets
the app's group turn library errors into one ``Error: …`` line with a non-zero exit.  No statistics
and no SQL live here.  ``hairmeta --help`` lists the commands in pipeline order (:data:`.app.PIPELINE`).
"""

from __future__ import annotations

from hairmeta.evidence.cli import dedup, outcomes, pool, records, screen, search, summary, workspace
from hairmeta.evidence.cli.app import app

#: The stage modules, imported for the commands they register on :data:`app`.
STAGES = (workspace, search, records, dedup, screen, outcomes, pool, summary)


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["STAGES", "app", "main"]
