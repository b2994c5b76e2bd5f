"""hairmeta forest / funnel: files written, rows on stdout, back-transform, errors."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from hairmeta.cli import app


@pytest.fixture
def effects_csv(tmp_path):
    path = tmp_path / "rr.csv"
    path.write_text("study,yi,vi\nA 2001,-0.5,0.04\nB 2005,-0.2,0.09\nC 2010,0.1,0.05\nD 2015,-0.9,0.2\n")
    return path


def test_forest_csv_with_exp_transform(runner, effects_csv, tmp_path):
    out = tmp_path / "forest.csv"
    result = runner.invoke(
        app,
        [
            "forest",
            "--effects",
            str(effects_csv),
            "--output",
            str(out),
            "--transform",
            "exp",
            "--no-knha",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    rows = pd.read_csv(out)
    assert list(rows["row_type"]) == ["study"] * 4 + ["pooled", "prediction", "heterogeneity"]
    assert rows["yi"][0] == pytest.approx(math.exp(-0.5))
    assert json.loads(result.stdout)[4]["label"] == "RE Model (REML)"
    assert f"wrote {out}" in result.stderr


def test_forest_png_and_funnel_svg(runner, effects_csv, tmp_path):
    png, svg = tmp_path / "forest.png", tmp_path / "funnel.svg"
    assert runner.invoke(app, ["forest", "--effects", str(effects_csv), "-o", str(png)]).exit_code == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    result = runner.invoke(app, ["funnel", "--effects", str(effects_csv), "-o", str(svg), "-f", "json"])
    assert result.exit_code == 0 and "<svg" in svg.read_text()
    assert json.loads(result.stdout)["k"] == 4


def test_forest_errors(runner, effects_csv, tmp_path):
    result = runner.invoke(
        app, ["forest", "--effects", str(effects_csv), "-o", str(tmp_path / "f.csv"), "--transform", "sqrt"]
    )
    assert result.exit_code == 1 and "unknown transform 'sqrt'" in result.stderr
    assert not (tmp_path / "f.csv").exists()
    result = runner.invoke(app, ["forest", "--effects", str(effects_csv), "-o", str(tmp_path / "f.doc")])
    assert result.exit_code == 1 and "unsupported output type '.doc'" in result.stderr
