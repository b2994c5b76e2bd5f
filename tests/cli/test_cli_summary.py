"""``hairmeta summary`` on the shipped data and the CLI's error contract."""

import io
import json

import pandas as pd
import pytest

from hairmeta.cli import app
from hairmeta.evidence.meta.pooling import pool


@pytest.fixture(scope="module")
def payload():
    """``hairmeta summary --format json`` on the shipped data, run once for this module."""
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["summary", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_summary_json_has_rows_published_gaps_and_settings(payload):
    assert set(payload) == {"summary_of_findings", "settings", "rows", "published", "gaps"}
    assert payload["settings"]["method"] == "REML" and payload["settings"]["knha"] is True
    pooled = [r for r in payload["rows"] if r["k"] >= 2]
    assert pooled, "no pooled row on the shipped data"
    for row in payload["rows"]:
        assert row["certainty"] in ("high", "moderate", "low", "very low", "not assessable")
    assert any(g.startswith("no controlled trial of exosome with extractable numbers") for g in payload["gaps"])


def test_summary_rows_are_pool_of_the_same_effects(payload):
    # oracle: pool() (metafor-checked) on the effects from_outcomes gives for that body
    from hairmeta.evidence.synthesis.contrasts import from_outcomes
    from hairmeta.evidence.tables.load import load_outcomes, load_studies

    row = next(r for r in payload["rows"] if r["k"] >= 2)
    table = from_outcomes(
        load_outcomes(),
        load_studies(),
        outcome=row["outcome"],
        comparison=row["comparison"],
        intervention_family=row["intervention_family"],
        condition=row["condition"],
    )
    fit = pool(table.effects["yi"], table.effects["vi"], method="REML", knha=True)
    assert row["estimate"] == fit.estimate and row["pi_low"] == fit.pi_low


def test_no_knha_and_method_change_the_interval(runner, payload):
    knha = payload["rows"]
    plain = json.loads(
        runner.invoke(app, ["summary", "-f", "json", "--no-knha", "--method", "DL", "--level", "90"]).stdout
    )
    assert plain["settings"]["model"] == "DL"
    a = next(r for r in knha if r["k"] >= 2)
    b = next(
        r
        for r in plain["rows"]
        if r["k"] >= 2
        and r["outcome"] == a["outcome"]
        and r["condition"] == a["condition"]
        and r["comparison"] == a["comparison"]
    )
    assert a["ci_low"] != b["ci_low"]


def test_summary_csv_is_one_row_per_body(runner):
    result = runner.invoke(app, ["summary", "--format", "csv"])
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert {
        "intervention_family",
        "condition",
        "outcome",
        "comparison",
        "k",
        "certainty",
        "downgrades",
        "flags",
    } <= set(frame.columns)


def test_summary_details_names_gaps_and_published(runner):
    result = runner.invoke(app, ["summary", "--details"])
    assert result.exit_code == 0
    assert result.stdout.index("Summary of Findings") < result.stdout.index("What the evidence lacks")
    assert "Published meta-analyses beside ours" in result.stdout


def test_summary_default_is_the_sof_at_80_columns(runner):
    result = runner.invoke(app, ["summary"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Summary of Findings")
    assert max(len(line) for line in lines) <= 80
    assert "Published meta-analyses beside ours" not in result.stdout  # details only
    for title in ("PRP compared with placebo", "Exosomes compared with PRP (head to head)"):
        assert title in result.stdout
    assert "The evidence is very uncertain" in result.stdout


def test_first_screen_answers_every_question_of_the_review(runner):
    """Issue 13: the first lines (a 24-line terminal) give each question's best certainty."""
    from hairmeta.evidence.synthesis.sof import QUESTIONS

    result = runner.invoke(app, ["summary"], env={"COLUMNS": "80"})
    first = "\n".join(result.stdout.splitlines()[:24])
    assert "At a glance" in first
    for question in QUESTIONS:
        assert question.title.split(" (")[0].split(":")[0] in first
    assert "no controlled results Exosomes compared with PRP (head to head)" in first
    assert "VERY LOW" in first


def test_unknown_method_lists_valid_ones(runner):
    result = runner.invoke(app, ["summary", "--method", "XYZ"])
    assert result.exit_code == 1 and "REML" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_format_is_a_usage_error(runner):
    result = runner.invoke(app, ["summary", "--format", "xml"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
