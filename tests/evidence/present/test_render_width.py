"""Terminal tables never split a number or a word with a digit; narrow terminals hide columns
from the right and say so (issue 12: "151.00 printed as 15/1./00 at 80 columns")."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from rich.console import Console

from hairmeta.evidence.present.render import FittedTable, emit, frame_to_table


def _wide_frame() -> pd.DataFrame:
    data = {"study": ["Aronson 1948 with a long label", "Ferguson & Simes 1949"]}
    data |= {f"value_{i}": [151.0 * (i + 1), -12345.678 - i] for i in range(10)}
    data["estimate [CI]"] = ["MD 151.00 [-12.00, 290.00]", "SMD -0.25 [-1.10, 0.61]"]
    return pd.DataFrame(data)


def _print(renderable, width: int) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=False).print(renderable)
    return buffer.getvalue()


@pytest.mark.parametrize("width", [30, 40, 60, 80, 100, 140, 250])
def test_numbers_are_whole_or_their_column_is_named_hidden(width):
    frame = _wide_frame()
    text = _print(frame_to_table(frame), width)
    assert max(len(line) for line in text.splitlines()) <= width
    shown = FittedTable(frame).visible(width)
    tokens = set(re.split(r"[\s│┃]+", text))
    for i, column in enumerate(frame.columns):
        cells = [f"{v:.4f}" for v in frame[column]] if i in range(1, 11) else []
        if column == "estimate [CI]":
            cells = ["151.00", "[-12.00,", "290.00]", "-0.25", "[-1.10,", "0.61]"]
        for cell in cells:
            assert (cell in tokens) == (i in shown), (width, column, cell)
    hidden = [c for i, c in enumerate(frame.columns) if i not in shown]
    if hidden:
        assert "hidden for width" in text and hidden[0] in text.replace("\n", " ")
    assert 0 in shown  # the label column always stays


def test_wide_terminal_shows_every_column_without_caption():
    text = _print(frame_to_table(_wide_frame()), 250)
    assert "hidden" not in text and "value_9" in text


def test_mapping_values_never_wrap():
    buffer = io.StringIO()
    emit(Console(file=buffer, width=24), {"estimate": 151.0, "tau2_ci_high": 12345.6789}, "table")
    assert "151.0000" in buffer.getvalue() and "12345.6789" in buffer.getvalue()
