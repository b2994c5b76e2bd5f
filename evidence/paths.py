"""Where hairmeta finds the review's data and its record library, and how files are written
(atomically: a temporary file in the same folder, then a rename).

The tables shipped with the package (``data/`` in a checkout, ``hairmeta.data`` installed) are
read-only.  A clinician's own copy lives in a *review workspace* (:mod:`hairmeta.evidence.tables.workspace`):
a folder chosen by ``--workspace``, else ``$HAIRMETA_HOME``, else the per-user data folder of
platformdirs, holding the four coded tables, ``protocol.toml`` and ``library.sqlite``.  Whichever
folder of tables a command uses is made *active* with :func:`use_data_dir`; every loader that is not
given a path reads :func:`data_file` of the active folder (the shipped one when none is active).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import resources
from pathlib import Path

import platformdirs

DB_ENV = "HAIRMETA_DB"
HOME_ENV = "HAIRMETA_HOME"
LIBRARY_NAME = "library.sqlite"

_ACTIVE: ContextVar[Path | None] = ContextVar("hairmeta_data_dir", default=None)


def shipped_dir() -> Path:
    """Directory of the shipped evidence tables (``data/`` in a checkout, ``hairmeta.data`` installed)."""
    checkout = Path(__file__).resolve().parent.parent / "data"
    if (checkout / "studies.csv").exists() or (checkout / "__init__.py").exists():
        return checkout
    return Path(str(resources.files("hairmeta.data")))


def data_dir() -> Path:
    """The folder of the review's tables: the active one (:func:`use_data_dir`), else the shipped one."""
    active = _ACTIVE.get()
    return active if active is not None else shipped_dir()


def data_file(name: str) -> Path:
    """Path of one of the review's data files, e.g. ``data_file("outcomes.csv")`` (see :func:`data_dir`)."""
    return data_dir() / name


def is_shipped(path: str | Path) -> bool:
    """Whether ``path`` lies in the shipped data folder (never written)."""
    shipped = shipped_dir().resolve()
    return Path(path).resolve().parent == shipped or Path(path).resolve() == shipped


@contextmanager
def use_data_dir(path: str | Path | None) -> Iterator[Path]:
    """Make ``path`` the folder of the review's tables for the ``with`` block (``None``: the shipped one)."""
    token = _ACTIVE.set(Path(path) if path is not None else None)
    try:
        yield data_dir()
    finally:
        _ACTIVE.reset(token)


def workspace_dir(explicit: str | Path | None = None) -> Path:
    """The review workspace: ``explicit`` (``--workspace``), else ``$HAIRMETA_HOME``, else the
    per-user data folder (``platformdirs.user_data_dir("hairmeta")``, e.g. ``~/.local/share/hairmeta``)."""
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("hairmeta"))


def default_db_path(workspace: str | Path | None = None) -> Path:
    """Record library path: the library of an explicit ``workspace``; else ``$HAIRMETA_DB`` if set;
    else ``library.sqlite`` in the workspace (:func:`workspace_dir`)."""
    if workspace is not None:
        return workspace_dir(workspace) / LIBRARY_NAME
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return workspace_dir() / LIBRARY_NAME


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` atomically (temp file in the same directory + ``os.replace``)."""
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
