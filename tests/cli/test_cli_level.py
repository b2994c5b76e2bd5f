"""--level in every command that has it: 0 < level < 100; 0.95 read as 95 with a note; the rest refused."""

from __future__ import annotations

import json

import pytest
import typer

from hairmeta.evidence.cli import app


def _commands_with_level() -> list[str]:
    group = typer.main.get_command(app)
    found = []
    for name, command in group.commands.items():
        subs = getattr(command, "commands", None)
        for sub_name, sub in (subs or {None: command}).items():
            if any(p.name == "level" for p in sub.params):
                found.append(" ".join(n for n in (name, sub_name) if n))
    return sorted(found)


LEVEL_COMMANDS = _commands_with_level()


def test_the_level_commands_are_found():
    assert {"pool", "diagnose", "forest", "funnel", "summary", "compare", "report"} <= set(LEVEL_COMMANDS)


@pytest.mark.parametrize("command", LEVEL_COMMANDS)
@pytest.mark.parametrize("level", ["150", "-5", "0", "100", "1", "nan", "inf"])
def test_a_level_outside_0_100_is_refused_by_every_command(runner, command, level):
    result = runner.invoke(app, [*command.split(), f"--level={level}"])
    assert result.exit_code == 2
    assert "is not a confidence level" in result.stderr
    assert "Traceback" not in result.output + result.stderr


@pytest.fixture
def effects(tmp_path):
    path = tmp_path / "effects.csv"
    path.write_text("study,yi,vi\na,0.5,0.04\nb,0.2,0.05\nc,0.9,0.08\nd,0.1,0.02\n", encoding="utf-8")
    return path


def test_a_proportion_is_read_as_a_percentage_and_said(runner, effects):
    as_percent = runner.invoke(app, ["pool", "-e", str(effects), "--level", "95", "-f", "json"])
    as_proportion = runner.invoke(app, ["pool", "-e", str(effects), "--level", "0.95", "-f", "json"])
    assert as_percent.exit_code == as_proportion.exit_code == 0
    assert json.loads(as_proportion.stdout) == json.loads(as_percent.stdout)
    assert "--level 0.95 read as a proportion: 95% intervals" in as_proportion.stderr
    assert "proportion" not in as_percent.stderr


def test_a_percentage_is_used_as_given(runner, effects):
    narrow = json.loads(runner.invoke(app, ["pool", "-e", str(effects), "--level", "50", "-f", "json"]).stdout)
    wide = json.loads(runner.invoke(app, ["pool", "-e", str(effects), "--level", "99", "-f", "json"]).stdout)
    assert wide["ci_high"] - wide["ci_low"] > narrow["ci_high"] - narrow["ci_low"] > 0


def test_summary_certainty_does_not_change_with_a_proportion(runner):
    as_percent = runner.invoke(app, ["summary", "--level", "95", "-f", "json"])
    as_proportion = runner.invoke(app, ["summary", "--level", "0.95", "-f", "json"])
    assert as_percent.exit_code == 0, as_percent.stderr
    assert json.loads(as_proportion.stdout) == json.loads(as_percent.stdout)
