"""import, dedup, export and report show a progress bar on stderr when it is a terminal, and
nothing when it is not (issue 12)."""

from __future__ import annotations

import importlib
import io

import pytest
from rich.console import Console
from testpaths import TEST_DATA

from hairmeta.cli import app

cli_app = importlib.import_module("hairmeta.evidence.cli.app")  # the module, not the Typer app

SAMPLE = TEST_DATA / "files" / "sample.ris"


def _commands(tmp_path):
    return [
        (["import", str(SAMPLE)], "importing sample.ris"),
        (["dedup"], "de-duplicating"),
        (["export", "--format", "ris", "-o", str(tmp_path / "out.ris")], "exporting ris"),
        (["report", "--output", str(tmp_path / "r.md"), "--study", ""], "writing the report"),
    ]


@pytest.mark.slow
def test_progress_on_a_terminal(runner, db_file, tmp_path, monkeypatch):
    for args, label in _commands(tmp_path):
        screen = io.StringIO()
        monkeypatch.setattr(cli_app, "err", Console(file=screen, force_terminal=True, width=100))
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert label in screen.getvalue(), args


@pytest.mark.slow
def test_quiet_when_stderr_is_not_a_terminal(runner, db_file, tmp_path):
    for args, label in _commands(tmp_path):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert label not in result.stderr and "\x1b[" not in result.stderr
