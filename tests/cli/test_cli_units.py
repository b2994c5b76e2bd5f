"""Estimates are shown with sign, unit and direction, codes as words, measures spelled out (issue 12)."""

from __future__ import annotations

from hairmeta.cli import app


def test_pool_outcome_says_unit_and_direction(runner):
    result = runner.invoke(
        app, ["pool", "--outcome", "hair_density", "--comparison", "active", "--condition", "aga_mixed"]
    )
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("MD +") and "hairs/cm2 (higher = more hair); MD: mean difference" in last


def test_summary_details_use_words_units_and_a_legend(runner):
    result = runner.invoke(app, ["summary", "--details"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "androgenetic alopecia, men" in text and "platelet-rich plasma" in text
    assert "aga_male" not in text.split("Evidence summary")[1].split("Certainty")[0]
    assert "(higher = more hair)" in text and "hairs/cm2" in text
    assert "MD: mean difference" in text and "RR: risk ratio, 1 = no difference" in text


def test_compare_names_designs_and_conditions_in_words(runner):
    result = runner.invoke(app, ["compare", "hassan2024"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "randomised trial: " in result.stdout and "rct_parallel:" not in result.stdout
    assert "condition coded as hair loss, type not stated" in result.stdout + result.stderr
