"""Turn results (DataFrames, dicts, lists of dicts) into table, CSV or JSON text.

Full precision lives in the core; rounding happens here, on a copy, for tables only.  CSV and
JSON carry every digit (JSON writes NaN/inf as ``null``).
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console, RenderableType
from rich.table import Table

from hairmeta.evidence.present.formats import OutputFormat


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


#: The narrowest a text column is squeezed to before columns are hidden instead.
MIN_TEXT_WIDTH = 10


class FittedTable:
    """A table that fits the terminal it is printed on without splitting a number.

    Numeric columns never wrap: each is as wide as its widest cell.  Text columns wrap at
    spaces and are at least as wide as their longest word holding a digit (``[31.82,``), so
    an estimate in text is never split either; other long words (DOIs) are folded.  When the columns cannot all fit at
    their minimum widths (numbers whole, text at :data:`MIN_TEXT_WIDTH`), columns are hidden
    from the right (the first, the row's label, always stays) and the caption names them.
    The width is the console's at print time (rich's ``__rich_console__`` protocol).
    """

    def __init__(self, frame: pd.DataFrame, title: str | None = None, digits: int = 4) -> None:
        self.title = title
        self.names = [str(c) for c in frame.columns]
        self.numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
        self.rows = [[format_cell(v, digits) for v in row] for row in frame.itertuples(index=False)]

    def _need(self, i: int) -> int:
        """Column ``i``'s minimum width: the widest number, or a squeezed text column."""
        cells = [row[i] for row in self.rows]
        if self.numeric[i]:
            return max([len(c) for c in cells] + [min(len(self.names[i]), 8)])
        words = [w for c in cells for w in c.split()]
        longest = max([len(w) for w in words] + [len(self.names[i])])
        numbers = max([len(w) for w in words if any(ch.isdigit() for ch in w)] + [0])
        return max(min(longest, MIN_TEXT_WIDTH), numbers)  # a word with a digit is never split

    def visible(self, width: int) -> list[int]:
        """The columns shown at ``width`` characters (3 per column for borders and padding)."""
        keep = list(range(len(self.names)))
        while len(keep) > 1 and sum(self._need(i) + 3 for i in keep) + 1 > width:
            keep.pop()
        return keep

    def table(self, width: int) -> Table:
        keep = self.visible(width)
        hidden = [self.names[i] for i in range(len(self.names)) if i not in keep]
        caption = f"hidden for width: {', '.join(hidden)} (wider terminal or --format csv)" if hidden else None
        table = Table(title=self.title, show_lines=False, caption=caption)
        for i in keep:
            if self.numeric[i]:
                table.add_column(self.names[i], justify="right", no_wrap=True, min_width=self._need(i))
            else:
                table.add_column(self.names[i], justify="left", overflow="fold", min_width=self._need(i))
        for row in self.rows:
            table.add_row(*(row[i] for i in keep))
        return table

    def __rich_console__(self, console, options):
        yield self.table(options.max_width)


def frame_to_table(frame: pd.DataFrame, title: str | None = None, digits: int = 4) -> FittedTable:
    """A table of ``frame`` for the terminal (see :class:`FittedTable`); numbers right-justified."""
    return FittedTable(frame, title, digits)


def mapping_to_table(mapping: dict, title: str | None = None, digits: int = 4) -> Table:
    """A two-column rich Table (field, value) for one result object."""
    table = Table(title=title, show_header=False)
    table.add_column("field", overflow="fold")
    table.add_column("value", justify="right", no_wrap=True)
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
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
            count += 1
        return count
    if fmt is not OutputFormat.json:
        raise ValueError("stream_rows writes csv or json")
    stream.write("[")
    for count, row in enumerate(rows, start=1):
        item = json.dumps(to_jsonable(row), indent=2, ensure_ascii=False, allow_nan=False)
        stream.write(("," if count > 1 else "") + "\n  " + item.replace("\n", "\n  "))
    stream.write("\n]\n" if count else "]\n")
    return count
