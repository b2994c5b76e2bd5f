"""Where hairmeta finds its shipped data and its default record library."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

DB_ENV = "HAIRMETA_DB"


def data_dir() -> Path:
    """Directory of the shipped evidence tables (``data/`` in a checkout, ``hairmeta_data`` installed)."""
    checkout = Path(__file__).resolve().parent.parent / "data"
    if (checkout / "studies.csv").exists() or (checkout / "__init__.py").exists():
        return checkout
    return Path(str(resources.files("hairmeta_data")))


def data_file(name: str) -> Path:
    """Path of one shipped data file, e.g. ``data_file("outcomes.csv")``."""
    return data_dir() / name


def default_db_path() -> Path:
    """Record library path: ``$HAIRMETA_DB`` if set, else the per-user data dir (platformdirs)."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("hairmeta")) / "library.sqlite"
