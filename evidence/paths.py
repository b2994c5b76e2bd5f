"""Where hairmeta finds its shipped data and its default record library, and how files are written
(atomically: a temporary file in the same folder, then a rename)."""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path

import platformdirs

DB_ENV = "HAIRMETA_DB"


def data_dir() -> Path:
    """Directory of the shipped evidence tables (``data/`` in a checkout, ``hairmeta.data`` installed)."""
    checkout = Path(__file__).resolve().parent.parent / "data"
    if (checkout / "studies.csv").exists() or (checkout / "__init__.py").exists():
        return checkout
    return Path(str(resources.files("hairmeta.data")))


def data_file(name: str) -> Path:
    """Path of one shipped data file, e.g. ``data_file("outcomes.csv")``."""
    return data_dir() / name


def default_db_path() -> Path:
    """Record library path: ``$HAIRMETA_DB`` if set, else the per-user data dir (platformdirs)."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("hairmeta")) / "library.sqlite"


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
