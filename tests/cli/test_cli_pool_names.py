"""pool --outcome: the help's own names work (codes or labels), and an unknown condition, outcome,
family or comparison is an error that lists the valid names (issue 12)."""

from __future__ import annotations

import json

import pytest

from hairmeta.cli import app


def _pool(runner, *extra):
    return runner.invoke(app, ["pool", "--outcome", "hair_density", "--format", "json", *extra])


def test_condition_label_from_the_help_pools_every_aga_code(runner):
    by_label = _pool(runner, "--comparison", "placebo", "--condition", "androgenetic alopecia")
    assert by_label.exit_code == 0, by_label.stderr
    k_all = json.loads(by_label.stdout)["k"]
    ks = []
    for code in ("aga_male", "aga_female", "aga_mixed"):
        one = _pool(runner, "--comparison", "placebo", "--condition", code)
        ks.append(json.loads(one.stdout)["k"] if one.exit_code == 0 else 0)
    assert k_all == sum(ks) >= 2


def test_labels_are_accepted_for_outcome_family_and_comparison(runner):
    by_code = _pool(runner, "--comparison", "placebo", "--family", "prp")
    by_label = runner.invoke(
        app,
        [
            "pool",
            "--outcome",
            "Hair density",
            "--comparison",
            "Placebo",
            "--family",
            "platelet-rich plasma",
            "-f",
            "json",
        ],
    )
    assert by_code.exit_code == by_label.exit_code == 0, by_label.stderr
    assert json.loads(by_code.stdout) == json.loads(by_label.stdout)


@pytest.mark.parametrize(
    ("option", "bad", "listed"),
    [
        ("--outcome", "hair_densty", "hair_density"),
        ("--condition", "baldness", "androgenetic alopecia"),
        ("--family", "plasma", "prp (platelet-rich plasma)"),
        ("--comparison", "sham", "placebo"),
    ],
)
def test_unknown_names_are_errors_listing_the_valid_ones(runner, option, bad, listed):
    args = {"--outcome": "hair_density", "--comparison": "placebo"}
    args[option] = bad
    result = runner.invoke(app, ["pool", *[x for kv in args.items() for x in kv]])
    assert result.exit_code != 0
    assert "no poolable effects" not in result.stderr
    assert f"{bad!r}" in result.stderr and listed in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
