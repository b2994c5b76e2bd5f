"""Every estimate, interval and certainty of the summary on the shipped data, pinned.

``tests/data/summary_pin.json`` was written from ``hairmeta summary --format json`` before the
speed work of issue 15; the summary must give the same numbers (to 1e-12 relative: summation order
may change the last bits) and the same certainty for every body of evidence and every Summary of
Findings row.  Regenerate (``python3 tests/evidence/synthesis/test_summary_pin.py --regenerate``) only
when the coded data or a method changes on purpose, and say so in the commit.
"""

from __future__ import annotations

import json
import math
import sys

import pytest
from testpaths import TEST_DATA
from typer.testing import CliRunner

from hairmeta.cli import app

PIN = TEST_DATA / "summary_pin.json"
NUMBERS = (
    "k", "k_studies", "n", "estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "q_p",
    "bayes_estimate", "bayes_ci_low", "bayes_ci_high", "bayes_pi_low", "bayes_pi_high", "bayes_tau",
    "bayes_tau_ci_low", "bayes_tau_ci_high", "bayes_prob_positive",
)  # fmt: skip
SOF = ("question", "outcome", "population", "participants", "studies", "certainty", "effect", "absolute_effect",
       "statement")  # fmt: skip


def current() -> dict:
    """The numbers of ``hairmeta summary --format json`` (exactly what a user gets)."""
    out = CliRunner().invoke(app, ["summary", "--format", "json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    rows = {}
    for r in payload["rows"]:
        key = "/".join([r["intervention_family"], r["condition"], r["outcome"], r["comparison"]])
        rows[key] = {**{k: r.get(k) for k in NUMBERS}, "measure": r["measure"], "certainty": r["certainty"],
                     "downgrades": r["downgrades"]}  # fmt: skip
    sof = [{k: f.get(k) for k in SOF} for f in payload["summary_of_findings"]]
    return {"rows": rows, "summary_of_findings": sof}


def same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and not (math.isnan(a) and math.isnan(b)):
        return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)
    if isinstance(a, float) and isinstance(b, float):
        return True  # both NaN
    return a == b


@pytest.fixture(scope="module")
def pinned() -> dict:
    return json.loads(PIN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def now() -> dict:
    return current()


def test_every_body_keeps_its_numbers_and_certainty(pinned, now):
    assert now["rows"].keys() == pinned["rows"].keys()
    changed = [key for key in pinned["rows"] if not same(now["rows"][key], pinned["rows"][key])]
    assert changed == []


def test_summary_of_findings_rows_are_unchanged(pinned, now):
    assert same(now["summary_of_findings"], pinned["summary_of_findings"])


def test_the_comparison_notices_a_change(pinned):
    """The check above can fail: one number moved by 1e-9 relative is a difference."""
    rows = json.loads(json.dumps(pinned["rows"]))
    key = next(k for k, r in rows.items() if isinstance(r["estimate"], float))
    rows[key]["estimate"] *= 1 + 1e-9
    assert not same(rows[key], pinned["rows"][key])


if __name__ == "__main__" and "--regenerate" in sys.argv:  # pragma: no cover
    data = {"about": json.loads(PIN.read_text())["about"], **current()}
    PIN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
