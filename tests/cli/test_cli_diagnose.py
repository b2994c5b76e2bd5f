"""hairmeta diagnose: leave-one-out, cumulative, Egger, rank and trim-and-fill (values from
metafor 3.8.1 via tests/reference/rma_diagnostics.R)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from testpaths import REFERENCE

from hairmeta.cli import app

REF = REFERENCE


@pytest.fixture
def bcg_csv(tmp_path) -> Path:
    data = pd.read_csv(REF / "rma_diagnostics_data.csv")
    path = tmp_path / "bcg.csv"
    data[data["dataset"] == "bcg"][["study", "yi", "vi", "year"]].to_csv(path, index=False)
    return path


def _case():
    cases = json.loads((REF / "rma_diagnostics.json").read_text())["cases"]
    return next(c for c in cases if c["dataset"] == "bcg" and c["method"] == "REML" and not c["knha"])


def test_diagnose_json_matches_metafor(runner, bcg_csv):
    result = runner.invoke(app, ["diagnose", "--effects", str(bcg_csv), "--order", "year", "--no-knha", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    data, ref = json.loads(result.stdout), _case()
    assert [r["estimate"] for r in data["leave_one_out"]["rows"]] == pytest.approx(
        ref["leave1out"]["estimate"], rel=1e-6
    )
    assert [r["label"] for r in data["cumulative"]["rows"]] == ref["cumul"]["order"]
    assert data["egger"]["p"] == pytest.approx(ref["regtest"]["p"], rel=1e-6)
    assert data["rank"]["stat"] == pytest.approx(ref["ranktest"]["tau"], rel=1e-6)
    assert data["trim_fill"]["k0"] == ref["trimfill"]["k0"] and data["trim_fill"]["side"] == ref["trimfill"]["side"]


def test_diagnose_tables_and_csv(runner, bcg_csv):
    table = runner.invoke(app, ["diagnose", "--effects", str(bcg_csv)])
    assert table.exit_code == 0
    for title in ("Leave-one-out", "Cumulative", "Egger"):
        assert title in table.stdout
    csv = runner.invoke(app, ["diagnose", "--effects", str(bcg_csv), "-f", "csv"])
    frame = pd.read_csv(pd.io.common.StringIO(csv.stdout))
    assert set(frame["analysis"]) == {"leave-one-out", "cumulative", "egger", "rank", "trim_fill"}


def test_diagnose_small_k_skips_with_reasons(runner, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("yi,vi\n0.1,0.04\n0.5,0.05\n")
    result = runner.invoke(app, ["diagnose", "--effects", str(path), "-f", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["egger"] is None and "k >= 3" in data["skipped"]["egger"]
    assert "Skipped egger" in result.stderr and len(data["leave_one_out"]["rows"]) == 2


def test_diagnose_unknown_order_column(runner, bcg_csv):
    result = runner.invoke(app, ["diagnose", "--effects", str(bcg_csv), "--order", "decade"])
    assert result.exit_code == 1 and "no column 'decade' to order by" in result.stderr
