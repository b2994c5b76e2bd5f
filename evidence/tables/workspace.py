"""The review workspace: the clinician's own copy of the evidence tables, the protocol and the
record library, in one folder that every command reads and writes.

Where it is (:func:`hairmeta.evidence.paths.workspace_dir`): ``--workspace DIR``, else
``$HAIRMETA_HOME``, else the per-user data folder (platformdirs).  ``hairmeta init [DIR]`` creates
it (and the first ``outcomes add`` does, when none exists yet): the four coded tables, ``protocol.toml``
and the tables' ``README.md`` are copied from the ones shipped with the package, and the library
is ``library.sqlite`` beside them.  A file already there is kept, never replaced.

Which tables a command reads (:func:`tables_dir`): ``--data-dir DIR`` (which must hold all four
tables), else the workspace once it holds them, else the shipped tables (read only: nothing is ever
written into the installed package).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.paths import LIBRARY_NAME, is_shipped, shipped_dir, workspace_dir, write_atomic
from hairmeta.evidence.tables.vocab import SPECS

#: The coded tables, by file name, in the order of :data:`~.vocab.SPECS`.
TABLE_FILES = tuple(spec.filename for spec in SPECS.values())
PROTOCOL_FILE = "protocol.toml"
#: Every file a new workspace gets from the shipped data (the README documents the columns).
COPIED_FILES = (*TABLE_FILES, PROTOCOL_FILE, "README.md")


@dataclass(frozen=True)
class Workspace:
    """One review workspace folder."""

    root: Path

    @property
    def library(self) -> Path:
        """The record library of the workspace."""
        return self.root / LIBRARY_NAME

    @property
    def protocol(self) -> Path:
        return self.root / PROTOCOL_FILE

    def missing_tables(self) -> list[str]:
        """The coded tables not (yet) in the folder."""
        return [name for name in TABLE_FILES if not (self.root / name).is_file()]

    @property
    def has_tables(self) -> bool:
        return not self.missing_tables()


@dataclass(frozen=True)
class InitReport:
    """What :func:`init_workspace` did: files copied from the shipped data and files kept as found."""

    root: Path
    copied: tuple[str, ...]
    kept: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "workspace": str(self.root),
            "copied": list(self.copied),
            "kept": list(self.kept),
            "library": str(self.root / LIBRARY_NAME),
        }


def workspace(explicit: str | Path | None = None) -> Workspace:
    """The workspace chosen by ``explicit`` / ``$HAIRMETA_HOME`` / platformdirs (not created)."""
    return Workspace(workspace_dir(explicit))


def init_workspace(root: str | Path | None = None) -> InitReport:
    """Create the workspace (folder and copies of the shipped files); keep every file already there.

    The folder's parent must exist when ``root`` is given (a mistyped path is an error, not a new
    tree of folders); the default per-user folder is created with its parents.  Each copy is
    written atomically.  Raises ``DataError`` for a folder that is the shipped data itself or
    cannot be created.
    """
    target = workspace(root).root
    if is_shipped(target / TABLE_FILES[0]):
        raise DataError("is the shipped data folder; a workspace must be a folder of your own", file=str(target))
    if root is not None and not target.parent.is_dir():
        raise DataError(f"folder {str(target.parent)!r} does not exist; create it first", file=str(target))
    try:
        target.mkdir(parents=root is None, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the workspace: {exc.strerror or exc}", file=str(target)) from None
    if not target.is_dir():
        raise DataError("is not a folder", file=str(target))
    copied, kept = [], []
    for name in COPIED_FILES:
        source, destination = shipped_dir() / name, target / name
        if destination.exists():
            kept.append(name)
        elif source.is_file():
            _copy(source, destination)
            copied.append(name)
    return InitReport(target, tuple(copied), tuple(kept))


def _copy(source: Path, destination: Path) -> None:
    try:
        write_atomic(destination, source.read_text(encoding="utf-8"))
        shutil.copymode(source, destination)
    except OSError as exc:
        raise DataError(f"cannot copy {source.name}: {exc.strerror or exc}", file=str(destination)) from None


def require_tables(folder: str | Path) -> Path:
    """``folder`` if it holds all four coded tables, else ``DataError`` naming what is missing."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("no such folder (give a folder holding the four coded tables)", file=str(folder))
    missing = Workspace(folder).missing_tables()
    if missing:
        raise DataError(
            f"not a folder of coded tables: {', '.join(missing)} missing (hairmeta init DIR creates them)",
            file=str(folder),
        )
    return folder


def tables_dir(data_dir: str | Path | None = None, workspace_root: str | Path | None = None) -> Path | None:
    """The folder of tables a command reads: ``data_dir`` (checked), else the workspace if it holds
    the tables, else ``None`` (the shipped tables).  An explicit ``workspace_root`` without tables,
    or a workspace holding only some of them, is an error naming the missing ones (never a silent
    fall-back to the shipped tables)."""
    if data_dir is not None:
        return require_tables(data_dir)
    chosen = workspace(workspace_root)
    if chosen.has_tables:
        return chosen.root
    partial = len(chosen.missing_tables()) < len(TABLE_FILES)
    if workspace_root is not None or partial:  # asked for by name, or begun and then broken
        raise DataError(
            f"not a review workspace: {', '.join(chosen.missing_tables())} missing; `hairmeta init"
            f" {chosen.root}` copies the shipped ones (files already there are kept)",
            file=str(chosen.root),
        )
    return None


def writable_tables(
    data_dir: str | Path | None = None, workspace_root: str | Path | None = None
) -> tuple[Path, InitReport | None]:
    """The folder of tables a command may write: as :func:`tables_dir`, but never the shipped one:
    when no workspace exists yet, it is created first (and its :class:`InitReport` returned)."""
    chosen = tables_dir(data_dir, workspace_root)
    if chosen is not None:
        if is_shipped(chosen / TABLE_FILES[0]):
            raise DataError("the shipped tables are never written; use a workspace (hairmeta init)", file=str(chosen))
        return chosen, None
    report = init_workspace(workspace_root)
    return report.root, report
