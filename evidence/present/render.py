"""Turn results (DataFrames, dicts, lists of dicts) into table, CSV or JSON text.

Full precision lives in the core; rounding happens here, on a copy, for tables only.  CSV and
JSON carry every digit (JSON writes NaN/inf as ``null``).
"""

from __future__ import annotations

import io
import json
import math
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console, RenderableType
from rich.table import Table


class OutputFormat(str, Enum):
    """The ``--format`` choices every analysis and listing command shares."""

    table = "table"
    csv = "csv"
    json = "json"


def to_jsonable(value: Any) -> Any:
    """Recursively convert numpy/pandas scalars, NaN and tuples into JSON-ready values."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def dumps_json(value: Any) -> str:
    """JSON text with full precision and ``null`` for missing numbers."""
    return json.dumps(to_jsonable(value), indent=2, ensure_ascii=False, allow_nan=False)


def frame_to_csv(frame: pd.DataFrame) -> str:
    """CSV text (full precision, no index)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def format_cell(value: Any, digits: int = 4) -> str:
    """Render one cell for a terminal table: floats rounded, missing values as ``—``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "—"
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def frame_to_table(frame: pd.DataFrame, title: str | None = None, digits: int = 4) -> Table:
    """A rich Table of ``frame``; numeric columns right-justified."""
    table = Table(title=title, show_lines=False)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left", overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(format_cell(v, digits) for v in row))
    return table


def mapping_to_table(mapping: dict, title: str | None = None, digits: int = 4) -> Table:
    """A two-column rich Table (field, value) for one result object."""
    table = Table(title=title, show_header=False)
    table.add_column("field")
    table.add_column("value", justify="right")
    for key, value in mapping.items():
        if isinstance(value, (dict, list)) and value and isinstance(value, list) and isinstance(value[0], dict):
            continue
        table.add_row(str(key), format_cell(value, digits))
    return table


def render(data: pd.DataFrame | dict | list, fmt: OutputFormat | str, title: str | None = None) -> str | RenderableType:
    """Render ``data`` as ``fmt``: a rich renderable for ``table``, text for csv/json."""
    fmt = OutputFormat(fmt)
    if isinstance(data, list):
        data = pd.DataFrame(data)
    if fmt is OutputFormat.json:
        return dumps_json(data)
    if fmt is OutputFormat.csv:
        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame([to_jsonable(data)])
        return frame_to_csv(frame)
    if isinstance(data, pd.DataFrame):
        return frame_to_table(data, title)
    return mapping_to_table(data, title)


def emit(console: Console, data: pd.DataFrame | dict | list, fmt: OutputFormat | str, title: str | None = None) -> None:
    """Write ``data`` to ``console`` (stdout) in ``fmt``; text formats bypass rich markup."""
    out = render(data, fmt, title)
    if isinstance(out, str):
        console.file.write(out if out.endswith("\n") else out + "\n")
    else:
        console.print(out)


def stream_rows(stream, rows, fmt: OutputFormat | str, columns: tuple[str, ...] | list[str]) -> int:
    """Write ``rows`` (an iterator of dicts) to ``stream`` as CSV or JSON one row at a time.

    The output equals :func:`render` of the same rows (a JSON list of objects; CSV with a
    header), but nothing is held in memory beyond one row.  Returns the number of rows.
    """
    import csv

    fmt = OutputFormat(fmt)
    count = 0
    if fmt is OutputFormat.csv:
        writer = csv.DictWriter(stream, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for count, row in enumerate(rows, start=1):
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
        return count
    if fmt is not OutputFormat.json:
        raise ValueError("stream_rows writes csv or json")
    stream.write("[")
    for count, row in enumerate(rows, start=1):
        item = json.dumps(to_jsonable(row), indent=2, ensure_ascii=False, allow_nan=False)
        stream.write(("," if count > 1 else "") + "\n  " + item.replace("\n", "\n  "))
    stream.write("\n]\n" if count else "]\n")
    return count
