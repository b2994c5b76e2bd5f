"""Summary of Findings: questions, rows, absolute effects, footnotes, MIDs and the terminal text."""

import math

import pandas as pd
import pytest

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.present.sof_text import sof_lines
from hairmeta.evidence.synthesis.sof import (
    QUESTIONS,
    absolute_per_1000,
    absolute_text,
    comparator_risk,
    effect_numbers,
    findings,
    load_mids,
)


@pytest.fixture(scope="module")
def found():
    return findings()


def test_one_table_per_question_in_order(found):
    assert [t.question.code for t in found.tables] == [q.code for q in QUESTIONS]


def test_rows_are_critical_outcomes_hair_density_first(found):
    table = next(t for t in found.tables if t.question.code == "prp_active")
    outcomes = [r.key[2] for r in table.rows]
    assert outcomes[0] == "hair_density" and "relapse" in outcomes
    assert "anagen_pct" not in outcomes  # a surrogate is not a critical outcome


def test_small_bodies_use_the_bayesian_columns(found):
    rows = found.summary.rows.set_index(["intervention_family", "condition", "outcome", "comparison"])
    for table in found.tables:
        for r in table.rows:
            summary_row = rows.loc[r.key]
            if summary_row["k"] <= 4 and math.isfinite(summary_row.get("bayes_estimate", math.nan)):
                assert r.model.startswith("Bayesian")
                ci = summary_row["bayes_ci_low"]
                shown = math.log(r.effect["ci_low"]) if r.effect["measure"] == "RR" else r.effect["ci_low"]
                assert shown == pytest.approx(ci)
            else:
                assert not r.model.startswith("Bayesian")


def test_effect_numbers_fall_back_to_the_frequentist_fit():
    row = pd.Series({"k": 6, "estimate": 1.0, "ci_low": 0.5, "ci_high": 1.5, "pi_low": 0.0, "pi_high": 2.0,
                     "i2": 10.0, "bayes_estimate": 9.0})  # fmt: skip
    numbers, model = effect_numbers(row)
    assert numbers["estimate"] == 1.0 and model == "frequentist random effects"
    small = row.copy()
    small["k"], small["bayes_estimate"] = 1, math.nan  # no Bayesian result: the study's own
    assert effect_numbers(small)[1] == "single study (Wald CI)"


def test_absolute_effects_per_1000():
    # RR 0.5 at a 200/1000 comparator risk: 100 fewer; OR 2 at 0.2: 2*0.2/(0.8+0.4) = 0.3333 -> 133 more
    assert absolute_per_1000("RR", math.log(0.5), 0.2) == pytest.approx(-100.0)
    assert absolute_per_1000("OR", math.log(2.0), 0.2) == pytest.approx(1000 * (0.4 / 1.2 - 0.2))
    assert absolute_per_1000("RD", -0.05, 0.2) == pytest.approx(-50.0)
    text = absolute_text("RR", {"estimate": math.log(0.5), "ci_low": math.log(0.25), "ci_high": math.log(1.5)},
                         0.2, "triamcinolone")  # fmt: skip
    assert text == "200 per 1,000 with triamcinolone; 100 fewer per 1,000 (from 150 fewer to 100 more)"
    assert absolute_text("MD", {"estimate": 1.0}, 0.2, "x") == ""
    with pytest.raises(ValueError):
        absolute_per_1000("MD", 1.0, 0.2)


def test_comparator_risk_is_pooled_from_the_control_arms():
    outcomes = pd.DataFrame(
        {
            "outcome_id": ["a-01", "a-02", "b-01", "b-02"],
            "arm_role": ["intervention", "control"] * 2,
            "events": [5, 10, 1, 30],
            "n": [40, 40, 50, 60],
        }  # fmt: skip
    )
    effects = pd.DataFrame({"outcome_ids": ["a-01;a-02", "b-01;b-02"]})
    assert comparator_risk(effects, outcomes) == pytest.approx(40 / 100)
    assert math.isnan(comparator_risk(pd.DataFrame({"outcome_ids": ["a-01"]}), outcomes))


def test_dichotomous_rows_carry_an_absolute_effect_at_the_data_risk(found):
    table = next(t for t in found.tables if t.question.code == "prp_active")
    relapse = next(r for r in table.rows if r.key[2] == "relapse")
    assert relapse.absolute_effect.startswith("250 per 1,000 with active treatment")


def test_footnotes_explain_every_downgrade_in_one_sentence(found):
    for table in found.tables:
        for r in table.rows:
            assert r.certainty == "very low" or r.footnotes
            for letter in r.footnotes:
                sentence = table.footnotes[letter]
                assert sentence.endswith(".") and "; -" not in sentence


def test_questions_without_controlled_results_say_so_and_name_what_exists(found):
    head = next(t for t in found.tables if t.question.code == "exosome_vs_prp")
    assert not head.rows
    assert head.statement.startswith("No controlled study with results answers exosomes compared with PRP")
    assert "nct06239207" in head.statement and "hassan2024 (case series, 5 participants" in head.statement
    placebo = next(t for t in found.tables if t.question.code == "exosome_placebo")
    assert "amini2025" in placebo.statement


def test_json_objects_have_the_issue_keys(found):
    rows = found.to_dict()["summary_of_findings"]
    keys = {"question", "intervention", "comparator", "outcome", "participants", "studies", "certainty",
            "effect", "absolute_effect", "statement", "footnotes"}  # fmt: skip
    assert rows and all(keys <= set(r) for r in rows)
    with_effect = [r for r in rows if r["effect"]]
    assert set(with_effect[0]["effect"]) >= {"measure", "estimate", "ci_low", "ci_high"}


def test_mids_come_from_the_protocol_with_their_source(tmp_path):
    mids = load_mids()
    assert mids["SMD"].small == 0.2 and mids["SMD"].large == 0.8 and "Cohen" in mids["SMD"].source
    assert "MD" not in mids  # no hair-density MID without a citable source
    bad = tmp_path / "protocol.toml"
    bad.write_text('[[mid]]\nmeasure = "MD"\nsmall = 3\n', encoding="utf-8")
    with pytest.raises(DataError, match="source is required"):
        load_mids(bad)
    unquoted = tmp_path / "unquoted.toml"
    unquoted.write_text(
        '[[mid]]\nmeasure = "MD"\nsmall = 3\nsource = "a book"\nurl = "https://example.org/x"\n'
        'quote = "a difference of 5 hairs is noticeable"\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="small: 3 does not appear in the quote"):
        load_mids(unquoted)
    no_url = tmp_path / "no_url.toml"
    no_url.write_text('[[mid]]\nmeasure = "MD"\nsmall = 3\nsource = "a book"\n', encoding="utf-8")
    with pytest.raises(DataError, match="url is required"):
        load_mids(no_url)


@pytest.mark.parametrize("width", [60, 80, 120])
def test_terminal_text_fits_the_width_and_never_splits_a_word(found, width):
    lines = sof_lines(found.tables, width)
    assert max(len(line) for line in lines) <= width
    words = {w for t in found.tables for r in t.rows for w in r.statement.split()}
    printed = {w for line in lines for w in line.split()}
    assert words <= printed
