"""Forest and funnel plots: real files written by matplotlib (SVG text, PNG signature)."""

from __future__ import annotations

import pytest

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.meta.pooling import pool
from hairmeta.evidence.present.plots import forest_plot, forest_svg, funnel_plot, funnel_svg

#: Renders whole reports or matplotlib figures: outside the fast lane.
pytestmark = pytest.mark.slow


@pytest.fixture
def fit():
    return pool([-0.5, -0.2, 0.1, -0.9], [0.04, 0.09, 0.05, 0.2], labels=["A 2001", "B 2005", "C 2010", "D 2015"])


def test_forest_svg_names_every_study_and_the_model(fit):
    svg = forest_svg(fit, title="Test forest")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for text in ("A 2001", "D 2015", "RE Model (REML)", "Heterogeneity", "Test forest"):
        assert text in svg


def test_forest_and_funnel_png_and_svg_files(fit, tmp_path):
    png = forest_plot(fit, tmp_path / "forest.png", transform="exp")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in forest_plot(fit, tmp_path / "forest.svg").read_text()
    assert funnel_plot(fit, tmp_path / "funnel.png").read_bytes()[:4] == b"\x89PNG"
    assert "Funnel plot" in funnel_plot(fit, tmp_path / "funnel.svg").read_text()
    assert not list(tmp_path.glob("*.tmp"))


def test_svg_output_is_reproducible(fit):
    assert forest_svg(fit) == forest_svg(fit)
    assert funnel_svg(fit) == funnel_svg(fit) and "Funnel plot (REML, k = 4)" in funnel_svg(fit)


def test_unsupported_image_type(fit, tmp_path):
    with pytest.raises(DataError, match="unsupported image type '.gif'"):
        funnel_plot(fit, tmp_path / "f.gif")


def test_single_study_forest_still_draws(tmp_path):
    one = pool([0.3], [0.05], labels=["Only"])
    assert "Only" in forest_svg(one)
