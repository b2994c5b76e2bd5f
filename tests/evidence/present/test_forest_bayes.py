"""forest_rows with a Bayesian fit: shrinkage estimates, the Bayesian diamond and tau's line."""

from __future__ import annotations

import numpy as np
import pytest

from hairmeta.evidence.meta.bayes import bayes_pool
from hairmeta.evidence.meta.pooling import pool
from hairmeta.evidence.present.forest import COLUMNS, forest_rows
from hairmeta.evidence.present.plots import forest_svg

YI, VI, LABELS = [-0.5, -0.2, 0.1], [0.04, 0.09, 0.05], ["A", "B", "C"]


def test_rows_follow_the_frequentist_ones_and_back_transform():
    fit, bayes = pool(YI, VI, labels=LABELS), bayes_pool(YI, VI, labels=LABELS)
    rows = forest_rows(fit, transform="exp", bayes=bayes)
    assert tuple(rows.columns) == COLUMNS
    assert list(rows["row_type"]) == ["study"] * 3 + ["pooled", "prediction", "heterogeneity"] + ["shrunken"] * 3 + [
        "bayes",
        "bayes_prediction",
        "bayes_heterogeneity",
    ]
    shrunken = rows[rows["row_type"] == "shrunken"]
    np.testing.assert_allclose(shrunken["yi"], np.exp(bayes.theta_median))
    np.testing.assert_allclose(shrunken["ci_low"], np.exp(bayes.theta_low))
    diamond = rows[rows["row_type"] == "bayes"].iloc[0]
    assert diamond["yi"] == pytest.approx(np.exp(bayes.mu_median))
    assert "half-normal(scale = 0.5)" in rows.iloc[-1]["label"]
    assert forest_rows(fit).shape[0] == 6  # without a Bayesian fit nothing changes


def test_the_plot_draws_both_models():
    fit, bayes = pool(YI, VI, labels=LABELS), bayes_pool(YI, VI, labels=LABELS)
    svg = forest_svg(fit, bayes=bayes)
    assert "Bayesian RE" in svg and "shrunken" in svg
