"""Shared fixtures: paths to ../shared, a temporary library, the CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings

matplotlib.use("Agg")

# Property tests are deterministic: the same examples on every run and machine, no example
# database carried between runs (a saved failing example made runs disagree; issue 12).
settings.register_profile("hairmeta", derandomize=True, database=None, deadline=None)
settings.load_profile("hairmeta")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test cleanly when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/{'/'.join(parts)} is not beside this checkout")
    return path


@pytest.fixture
def fixtures_dir() -> Path:
    """../shared/fixtures (real NCBI, Europe PMC and Crossref responses)."""
    return shared_path("fixtures")


@pytest.fixture
def db_file(tmp_path, monkeypatch) -> Path:
    """A fresh library path; HAIRMETA_DB points at it so no test touches the user's library."""
    path = tmp_path / "library.sqlite"
    monkeypatch.setenv("HAIRMETA_DB", str(path))
    return path


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """Never use the real per-user library, workspace or a real NCBI key in tests."""
    monkeypatch.setenv("HAIRMETA_DB", str(tmp_path / "default-library.sqlite"))
    monkeypatch.setenv("HAIRMETA_HOME", str(tmp_path / "default-workspace"))  # absent: the shipped tables
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    os.environ.setdefault("NCBI_EMAIL", "tests@example.invalid")


@pytest.fixture
def runner():
    """typer's CliRunner with stdout and stderr kept apart."""
    from typer.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)
    except TypeError:  # click >= 8.2 always separates them
        return CliRunner()
