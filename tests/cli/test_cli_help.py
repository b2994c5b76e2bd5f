"""``hairmeta --help`` lists the commands in the order a review uses them."""

from typer.testing import CliRunner

from hairmeta.cli import app
from hairmeta.evidence.cli.app import PIPELINE


def test_help_lists_commands_in_pipeline_order():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    listed = [
        line.split()[0]
        for line in result.stdout.split("Commands:", 1)[1].splitlines()
        if line.startswith("  ") and line.split()
    ]
    assert listed == [name for name in PIPELINE if name in listed]
    stages = ["search", "import", "records", "dedup", "screen", "outcomes", "effects", "pool", "summary", "report"]
    assert [name for name in listed if name in stages] == stages
