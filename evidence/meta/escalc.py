"""Effect sizes for tables: ``compute_effects`` (metafor's ``escalc`` on a DataFrame) and
``read_effect_input`` (a CSV with metafor's column names).  Coded evidence rows become effects in
:mod:`hairmeta.evidence.synthesis.contrasts`.

Rows are numbered as in the file: the header is line 1, so the first data row is row 2.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.meta.csvinput import check_shape, decode_text
from hairmeta.evidence.meta.measures import Measure, get_measure

#: Columns that must be > 0 (group sizes), ≥ 0 (SDs and counts), or within [-1, 1].
POSITIVE = ("n1i", "n2i", "ni")


NONNEGATIVE = ("sd1i", "sd2i", "ai", "bi", "ci", "di", "xi", "mi")


#: (count, its group size) pairs: the count may not exceed the size.
WITHIN = (("ai", "n1i"), ("ci", "n2i"), ("xi", "ni"), ("bi", "n1i"), ("di", "n2i"), ("mi", "ni"))


#: Optional metafor columns a measure can use besides its chosen input set.
COMPANIONS = {"ai": ("bi", "n1i"), "ci": ("di", "n2i"), "xi": ("mi", "ni")}


def read_effect_input(path: str | Path) -> pd.DataFrame:
    """Read a CSV with metafor's column names.

    Columns whose every non-empty cell is a number become numeric (blank cells NaN);
    other columns stay text, so :func:`compute_effects` can name a bad cell's row and column.

    Raises
    ------
    DataError
        ``file: …`` for a missing, empty or unparsable file, ``file:1:column: …`` for a duplicate
        or empty column name.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=str(path))
    text = decode_text(path)  # UTF-8 (BOM optional) or UTF-16 with a BOM
    check_shape(text, str(path))  # ragged rows, unclosed quotes: file:line
    try:
        names = _header(path, text)
        frame = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"not a readable UTF-8 CSV table ({exc})".splitlines()[0], file=str(path)) from None
    for position, name in enumerate(names, start=1):
        if not name or names.count(name) > 1:
            raise DataError("duplicate or empty column name", file=str(path), row=1, field=name or f"column {position}")
    frame.columns = names
    return _numbers_where_clean(frame)


def _header(path: Path, text: str) -> list[str]:
    """The header row's names, stripped (pandas would silently rename duplicates)."""
    names = next(csv.reader(io.StringIO(text, newline="")), None)
    if names is None:
        raise pd.errors.EmptyDataError("no header row")
    return [name.strip() for name in names]


def _parse_filled(text: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """(non-empty mask, parsed numbers) when every non-empty cell of ``text`` is a number
    (surrounding spaces allowed); None otherwise."""
    for cells in (text, text.str.strip()):
        filled = (cells != "").to_numpy()
        try:
            return filled, pd.to_numeric(cells[filled])
        except (ValueError, TypeError):
            continue
    return None


def _numbers_where_clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns whose every non-empty cell is a number become numeric (integers stay integers)."""
    for column in frame.columns:
        if frame[column].dtype.kind in "iuf":
            continue  # already parsed by the CSV reader
        parsed = _parse_filled(frame[column].fillna("").astype(str))
        if parsed is None or not parsed[0].any():
            continue
        filled, numbers = parsed
        values = np.full(len(frame), np.nan)
        values[filled] = numbers.to_numpy(dtype=float)
        integral = pd.api.types.is_integer_dtype(numbers)
        frame[column] = pd.Series(values, index=frame.index).astype("Int64" if integral else float)
    return frame


def _numeric_column(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    """``frame[column]`` as floats (empty → NaN); a non-number raises ``DataError`` at its row."""
    series = frame[column]
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        cleaned = series.map(lambda c: c.strip() if isinstance(c, str) else c).replace("", np.nan)
        values = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.flatnonzero(np.isnan(values) & cleaned.notna().to_numpy())
        if bad.size:
            raise DataError(f"not a number: {series.iloc[bad[0]]!r}", file=source, row=int(bad[0]) + 2, field=column)
    infinite = np.flatnonzero(np.isinf(values))
    if infinite.size:
        raise DataError(
            f"not a finite number: {series.iloc[infinite[0]]!r}", file=source, row=int(infinite[0]) + 2, field=column
        )
    return values


def _first_row(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) + 2 if hits.size else None


def _check_ranges(columns: dict[str, np.ndarray], source: str) -> None:
    """One-line ``DataError`` for n ≤ 0, negative SDs/counts, counts above n, |r| > 1."""
    checks = [(name, columns[name] <= 0, "must be > 0") for name in POSITIVE if name in columns]
    checks += [(name, columns[name] < 0, "must not be negative") for name in NONNEGATIVE if name in columns]
    if "ri" in columns:
        checks.append(("ri", np.abs(columns["ri"]) > 1, "a correlation must lie in [-1, 1]"))
    for count, size in WITHIN:
        if count in columns and size in columns:
            checks.append((count, columns[count] > columns[size], f"{count} is larger than {size}"))
    for table_b, a, n in (("bi", "ai", "n1i"), ("di", "ci", "n2i"), ("mi", "xi", "ni")):
        if all(k in columns for k in (table_b, a, n)):
            total, size = columns[a] + columns[table_b], columns[n]
            checks.append(
                (table_b, ~np.isnan(total) & ~np.isnan(size) & (total != size), f"{a} + {table_b} differs from {n}")
            )
    for field, mask, message in checks:
        row = _first_row(np.nan_to_num(mask, nan=0).astype(bool))
        if row is not None:
            raise DataError(message, file=source, row=row, field=field)


def _used_columns(measure: Measure, frame: pd.DataFrame, source: str) -> tuple[str, ...]:
    """The input set of ``measure`` present in ``frame`` plus optional companions; else DataError."""
    chosen = measure.input_set(frame.columns)
    if chosen is None:
        missing = [c for c in measure.inputs[0] if c not in frame.columns]
        needs = " or ".join("(" + ", ".join(s) + ")" for s in measure.inputs)
        raise DataError(
            f"missing column for measure {measure.name}; needs {needs}", file=source, row=1, field=missing[0]
        )
    extra = [c for name in chosen for c in COMPANIONS.get(name, ()) if c in frame.columns]
    return tuple(dict.fromkeys(chosen + tuple(extra)))


def _impute_ri(frame: pd.DataFrame, ri: float | None, notes: list[list[str]]) -> pd.DataFrame:
    """Fill a missing ``ri`` column or empty ``ri`` cells with the imputed correlation ``ri``."""
    if ri is None:
        return frame
    if not -1 <= ri <= 1:
        raise DataError(f"imputed correlation ri={ri} is outside [-1, 1]", field="ri")
    frame = frame.copy()
    current = (
        pd.to_numeric(frame["ri"], errors="coerce") if "ri" in frame.columns else pd.Series(np.nan, index=frame.index)
    )
    for i in np.flatnonzero(current.isna().to_numpy()):
        notes[i].append(f"ri imputed at {ri:g} (correlation not reported)")
    frame["ri"] = current.fillna(ri).to_numpy()
    return frame


def _missing(columns: dict[str, np.ndarray], used: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per input column, the rows where it is missing and no companion supplies it (metafor's
    ``replmiss``: ``bi`` may be empty when ``n1i`` is given, and so on)."""
    missing = {name: np.isnan(columns[name]) for name in used}
    for b, n in COMPANIONS.values():
        if b in missing and n in missing:
            missing[b], missing[n] = missing[b] & missing[n], missing[n] & missing[b]
    return missing


def _row_notes(
    columns: dict[str, np.ndarray], used: tuple[str, ...], measure: Measure, result, add: float, notes: list[list[str]]
) -> None:
    """Say, per row, why yi/vi is missing or which zero-cell correction was applied."""
    missing = _missing(columns, used)
    any_missing = np.logical_or.reduce(list(missing.values())) if missing else np.zeros(len(notes), bool)
    undefined = ~any_missing & (np.isnan(result.yi) | np.isnan(result.vi))
    for i in np.flatnonzero(any_missing | undefined | result.adjusted):
        if any_missing[i]:
            names = [name for name in used if missing[name][i]]
            notes[i].append(f"not computed: {', '.join(names)} missing")
        elif undefined[i]:
            notes[i].append(
                f"not computed: {measure.name} undefined for these values "
                "(e.g. n too small, zero SD or zero cells without correction)"
            )
        else:
            notes[i].append(f"added {add:g} to each cell (zero cell; metafor's add/to rule)")


def compute_effects(
    frame: pd.DataFrame, measure: str | Measure, *, source_name: str = "input", **options
) -> pd.DataFrame:
    """Append metafor's ``yi`` and ``vi`` for ``measure`` to a table with metafor's column names.

    Parameters
    ----------
    frame : one row per study or arm, columns named as ``escalc``'s arguments
        (``m1i, sd1i, n1i, m2i, sd2i, n2i``; ``ai, bi, ci, di`` or ``ai, n1i, ci, n2i``;
        ``xi, ni``; ``m1i, m2i, sd1i, sd2i, ni, ri``).  Other columns pass through unchanged.
    measure : a registered name (``"SMD"``) or a :class:`~hairmeta.evidence.meta.measures.Measure`.
    source_name : the file name used in error messages (``file:row:column: message``).
    **options : ``vtype``, ``add``, ``to``, ``drop00`` as in ``escalc``; ``ri`` (float) imputes
        the pre–post correlation where the ``ri`` column is absent or empty, saying so.

    Returns
    -------
    DataFrame
        ``frame`` + ``yi``, ``vi`` (NaN where not computable), + ``derivation`` when any row has a
        note (an existing ``derivation`` column is kept and extended).

    Raises
    ------
    DataError
        missing column (row 1), a non-number, n ≤ 0, negative SD or count, a count above its
        group size, |ri| > 1 — each naming file, row and column.
    """
    measure = measure if isinstance(measure, Measure) else get_measure(measure)
    notes: list[list[str]] = [[] for _ in range(len(frame))]
    ri = options.pop("ri", None)
    if any("ri" in names for names in measure.inputs):
        frame = _impute_ri(frame, ri, notes)
    used = _used_columns(measure, frame, source_name)
    columns = {name: _numeric_column(frame, name, source_name) for name in used}
    _check_ranges(columns, source_name)
    result = measure.detail(columns, **options)
    _row_notes(columns, used, measure, result, options.get("add", measure.default_add), notes)
    return _with_results(frame, result.yi, result.vi, notes)


def _with_results(frame: pd.DataFrame, yi: np.ndarray, vi: np.ndarray, notes: list[list[str]]) -> pd.DataFrame:
    """Copy of ``frame`` with yi, vi and (when any) the merged derivation notes."""
    out = frame.copy()
    out["yi"] = yi
    out["vi"] = vi
    previous = out["derivation"].fillna("").astype(str).tolist() if "derivation" in out.columns else [""] * len(out)
    merged = ["; ".join(part for part in [old.strip(), *new] if part) for old, new in zip(previous, notes)]
    if any(merged):
        out = out.drop(columns=["derivation"], errors="ignore")
        out["derivation"] = merged
    return out
