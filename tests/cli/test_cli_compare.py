"""``hairmeta compare hassan2024`` on the shipped data: descriptive comparison, confounders,
missing numbers, secondary-source flag; errors for unknown studies."""

import json

from hairmeta.cli import app


def compare_json(runner, study="hassan2024"):
    result = runner.invoke(app, ["compare", study, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_hassan2024_is_descriptive_with_the_numbers_to_code(runner):
    payload = compare_json(runner)
    assert payload["study"]["design"] == "case_series" and payload["study"]["level_of_evidence"] == 4
    assert payload["effects"] == []
    assert {m["arm"] for m in payload["missing_numbers"]} == {"PRP", "exosome"}
    assert any("descriptive only" in n for n in payload["notes"])
    claim = payload["claim"]
    assert "outperforming PRP" in claim["quote"] and claim["supported"] is False
    assert any(reason.startswith("sex") for reason in claim["why_not"])
    assert any("no outcome number is reported" in reason for reason in claim["why_not"])


def test_hassan2024_confounders_come_from_its_coded_arms(runner):
    payload = compare_json(runner)
    by_name = {c["characteristic"]: c for c in payload["confounders"]}
    # arms.csv codes PRP: 3 men, mean age 29, 5-6 sessions; exosome: 2 women, 43, one session
    assert by_name["sex"]["PRP"] == "male" and by_name["sex"]["exosome"] == "female"
    assert by_name["age"]["PRP"] == "29" and by_name["age"]["exosome"] == "43"
    assert by_name["sessions"]["PRP"] == "5–6" and by_name["sessions"]["exosome"] == "1"
    assert {"follow-up", "allocation", "arm size"} <= set(by_name)


def test_hassan2024_contrast_lists_registrations_without_results(runner):
    payload = compare_json(runner)
    registrations = [c for c in payload["controlled_evidence"] if c["study_id"] == "nct06239207"]
    assert registrations and registrations[0]["status"] == "registered, no results"
    assert registrations[0]["contrast"] == "exosome vs prp"


def test_sample_size_percentile_among_comparable_studies(runner):
    size = next(r for r in compare_json(runner)["characteristics"] if r["aspect"] == "sample size")
    assert size["this_study"].startswith("5")
    assert 0 <= size["percentile"] < 10


def test_table_output_starts_with_the_claim_and_why_the_data_cannot_support_it(runner):
    result = runner.invoke(app, ["compare", "hassan2024"])
    assert result.exit_code == 0
    assert result.stdout.startswith("hassan2024 claims: “Both treatments demonstrated positive outcomes")
    head = result.stdout[:2000]
    assert "outperforming PRP" in head and "Why the data cannot support that claim" in head
    assert "What confounds an arm-vs-arm claim" in result.stdout


def test_csv_is_one_long_table(runner):
    result = runner.invoke(app, ["compare", "HASSAN2024", "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "section,item,field,value"


def test_unknown_study_is_a_one_line_error(runner):
    result = runner.invoke(app, ["compare", "nosuch1999"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unknown study 'nosuch1999'; valid:")
    assert "Traceback" not in result.output
