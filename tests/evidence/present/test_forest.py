"""forest_rows / export_forest: study, pooled, prediction and heterogeneity rows (metafor
forest's study CIs are Wald z intervals; values checked against the fit and by hand)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.meta.pooling import pool
from hairmeta.evidence.present.forest import COLUMNS, forest_rows, heterogeneity_text
from hairmeta.evidence.present.plots import export_forest


@pytest.fixture
def fit():
    return pool(
        [-0.5, -0.2, 0.1, -0.9], [0.04, 0.09, 0.05, 0.2], method="DL", labels=["A 2001", "B 2005", "C 2010", "D 2015"]
    )


def test_rows_columns_and_types(fit):
    rows = forest_rows(fit)
    assert tuple(rows.columns) == COLUMNS
    assert list(rows["row_type"]) == ["study"] * 4 + ["pooled", "prediction", "heterogeneity"]
    assert rows["weight"][:4].sum() == pytest.approx(100.0)


def test_study_rows_are_wald_intervals_by_hand(fit):
    rows = forest_rows(fit)
    # study A: -0.5 ± 1.959964 × 0.2
    assert rows["ci_low"][0] == pytest.approx(-0.5 - 1.959963984540054 * 0.2, rel=1e-12)
    assert rows["se"][0] == pytest.approx(0.2)


def test_pooled_and_prediction_rows_carry_the_fit(fit):
    rows = forest_rows(fit).set_index("row_type")
    assert rows.loc["pooled", "yi"] == fit.estimate and rows.loc["pooled", "ci_high"] == fit.ci_high
    assert rows.loc["prediction", "ci_low"] == fit.pi_low and rows.loc["pooled", "weight"] == 100
    assert "I² = " in rows.loc["heterogeneity", "label"] and f"df = {fit.q_df}" in heterogeneity_text(fit)


def test_exp_transform_back_transforms_estimates_not_se(fit):
    raw, exp = forest_rows(fit), forest_rows(fit, transform="exp")
    for col in ("yi", "ci_low", "ci_high"):
        np.testing.assert_allclose(exp[col][:6], np.exp(raw[col][:6]))
    np.testing.assert_allclose(exp["se"][:5], raw["se"][:5])
    with pytest.raises(UnknownNameError, match="transform"):
        forest_rows(fit, transform="logit")


def test_export_csv_and_json_round_trip(fit, tmp_path):
    csv = export_forest(fit, tmp_path / "f.csv")
    back = pd.read_csv(csv)
    assert len(back) == 7 and back["yi"][0] == pytest.approx(-0.5, rel=1e-15)
    data = json.loads(export_forest(fit, tmp_path / "f.json").read_text())
    assert data[4]["row_type"] == "pooled" and data[6]["yi"] is None
    assert data[4]["yi"] == fit.estimate  # full precision


def test_export_unknown_suffix_is_a_data_error(fit, tmp_path):
    with pytest.raises(DataError, match="unsupported output type '.txt'"):
        export_forest(fit, tmp_path / "f.txt")
    assert not (tmp_path / "f.txt").exists()
