"""``hairmeta summary`` on the shipped data and the CLI's error contract."""

import json

from cli import app


def test_summary_json_lists_shipped_files(runner):
    result = runner.invoke(app, ["summary", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert isinstance(payload, list)


def test_unknown_format_is_a_usage_error(runner):
    result = runner.invoke(app, ["summary", "--format", "xml"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
