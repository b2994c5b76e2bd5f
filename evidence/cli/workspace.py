"""Stage 0, the review workspace: ``init`` copies the shipped tables and protocol into a folder of
the clinician's own, beside a new record library (:mod:`hairmeta.evidence.tables.workspace`)."""

from __future__ import annotations

from pathlib import Path

import typer

from hairmeta.evidence.cli.app import FormatOpt, app, chosen_workspace, emit, err, out
from hairmeta.evidence.present.formats import OutputFormat


@app.command()
def init(
    folder: Path | None = typer.Argument(
        None, help="The workspace folder (default: --workspace, else $HAIRMETA_HOME, else the per-user data dir)."
    ),
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Create a review workspace: your own copy of the coded tables and the protocol, and the record
    library; files already there are kept."""
    from hairmeta.evidence.library.store import Store
    from hairmeta.evidence.tables.workspace import Workspace, init_workspace

    report = init_workspace(folder if folder is not None else chosen_workspace())
    Store.open(Workspace(report.root).library).close()
    if fmt is not OutputFormat.table:
        emit(out, report.as_dict() if fmt is OutputFormat.json else [report.as_dict()], fmt)
    else:
        for name in report.copied:
            out.print(f"copied {name}", markup=False, highlight=False)
        for name in report.kept:
            out.print(f"kept   {name} (already there)", markup=False, highlight=False)
        use = f"--workspace {report.root} (or HAIRMETA_HOME={report.root})" if folder is not None else "the default"
        err.print(
            f"workspace {report.root}: {len(report.copied)} file(s) copied, {len(report.kept)} kept;"
            f" commands use it with {use}",
            markup=False,
            highlight=False,
        )
