"""report --output r.md escapes HTML (and Markdown links) in data as the HTML report does (issue 12)."""

from __future__ import annotations

import copy

import pytest

from hairmeta.evidence.meta.options import ModelOptions
from hairmeta.evidence.present.report import gather, render_report

#: Renders whole reports or matplotlib figures: outside the fast lane.
pytestmark = pytest.mark.slow

HOSTILE = "<script>alert(1)</script> & <img src=x onerror=alert(2)> [click](javascript:alert(3))"


@pytest.fixture(scope="module")
def context():
    return gather(study="hassan2024", options=ModelOptions("REML", True, 95.0), db=None)


def _poisoned(context):
    poisoned = copy.deepcopy(context)
    poisoned["gaps"] = [HOSTILE]
    poisoned["settings"]["notes"] = [HOSTILE]
    return poisoned


@pytest.mark.parametrize("kind", [".md", ".html"])
def test_data_cannot_inject_markup(context, kind):
    text = render_report(_poisoned(context), kind)
    assert "<script>alert(1)" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in text
    if kind == ".md":
        assert "[click](javascript" not in text and "\\[click\\](javascript:alert(3))" in text


def test_markdown_plots_and_tables_still_work(context):
    text = render_report(context, ".md")
    assert "![Forest plot](data:image/svg+xml;base64," in text
    assert "| --- |" in text


def test_a_pipe_in_a_cell_stays_one_escaped_pipe(context):
    poisoned = copy.deepcopy(context)
    first = poisoned["summary"].rows[0] if hasattr(poisoned["summary"], "rows") else poisoned["summary"]["rows"][0]
    column = next(iter(first))
    first[column] = "a | b"
    assert "a \\| b" in render_report(poisoned, ".md")
