"""Effect sizes for tables: ``compute_effects`` (metafor's ``escalc`` on a DataFrame),
``read_effect_input`` (a CSV with metafor's column names) and ``from_outcomes`` (coded
evidence rows → one effect per study for a chosen outcome and comparison).

Rows are numbered as in the file: the header is line 1, so the first data row is row 2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from evidence.errors import DataError
from evidence.measures import Measure, get_measure

#: Columns that must be > 0 (group sizes), ≥ 0 (SDs and counts), or within [-1, 1].
POSITIVE = ("n1i", "n2i", "ni")
NONNEGATIVE = ("sd1i", "sd2i", "ai", "bi", "ci", "di", "xi", "mi")
#: (count, its group size) pairs: the count may not exceed the size.
WITHIN = (("ai", "n1i"), ("ci", "n2i"), ("xi", "ni"), ("bi", "n1i"), ("di", "n2i"), ("mi", "ni"))
#: Optional metafor columns a measure can use besides its chosen input set.
COMPANIONS = {"ai": ("bi", "n1i"), "ci": ("di", "n2i"), "xi": ("mi", "ni")}


# ---------------------------------------------------------------- reading and validating tables

def read_effect_input(path: str | Path) -> pd.DataFrame:
    """Read a CSV with metafor's column names; cells stay text until :func:`compute_effects`.

    Raises
    ------
    DataError
        ``file: …`` for a missing, empty or unparsable file, ``file:1:column: …`` for a duplicate
        column name.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=str(path))
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"not a readable UTF-8 CSV table ({exc})".splitlines()[0], file=str(path))
    names = [str(c).strip() for c in frame.columns]
    for name in names:
        if names.count(name) > 1 or name.startswith("Unnamed:") and name != names[-1]:
            raise DataError("duplicate or empty column name", file=str(path), row=1, field=name)
    frame.columns = names
    return _numbers_where_clean(frame)


def _numbers_where_clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns whose every non-empty cell is a number become numeric (integers stay integers)."""
    for column in frame.columns:
        values = pd.to_numeric(frame[column].str.strip().replace("", np.nan), errors="coerce")
        filled = frame[column].str.strip() != ""
        if not filled.any() or values[filled].isna().any():
            continue
        integral = ~frame[column].str.contains(r"[.eE]", regex=True) & (values.dropna() % 1 == 0).all()
        frame[column] = values.astype("Int64") if integral.all() else values.astype(float)
    return frame


def _cell_number(cell: object) -> float:
    """A float from one cell: numbers as they are, empty/None/NaN → NaN, text parsed."""
    if cell is None or cell is pd.NA or (isinstance(cell, float) and np.isnan(cell)):
        return np.nan
    if isinstance(cell, (int, float, np.integer, np.floating)):
        return float(cell)
    text = str(cell).strip()
    return np.nan if text == "" else float(text)


def _numeric_column(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    """``frame[column]`` as floats (empty → NaN); a non-number raises ``DataError`` at its row."""
    values = np.empty(len(frame))
    for i, cell in enumerate(frame[column].tolist()):
        try:
            values[i] = _cell_number(cell)
        except ValueError:
            raise DataError(f"not a number: {cell!r}", file=source, row=i + 2, field=column) from None
        if np.isinf(values[i]):
            raise DataError(f"not a finite number: {cell!r}", file=source, row=i + 2, field=column)
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
            checks.append((table_b, columns[a] + columns[table_b] != columns[n],
                           f"{a} + {table_b} differs from {n}"))
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
        raise DataError(f"missing column for measure {measure.name}; needs {needs}", file=source,
                        row=1, field=missing[0])
    extra = [c for name in chosen for c in COMPANIONS.get(name, ()) if c in frame.columns]
    return tuple(dict.fromkeys(chosen + tuple(extra)))


# ---------------------------------------------------------------- compute_effects

def _impute_ri(frame: pd.DataFrame, ri: float | None, notes: list[list[str]]) -> pd.DataFrame:
    """Fill a missing ``ri`` column or empty ``ri`` cells with the imputed correlation ``ri``."""
    if ri is None:
        return frame
    if not -1 <= ri <= 1:
        raise DataError(f"imputed correlation ri={ri} is outside [-1, 1]", field="ri")
    frame = frame.copy()
    current = (pd.to_numeric(frame["ri"], errors="coerce") if "ri" in frame.columns
               else pd.Series(np.nan, index=frame.index))
    for i in np.flatnonzero(current.isna().to_numpy()):
        notes[i].append(f"ri imputed at {ri:g} (correlation not reported)")
    frame["ri"] = current.fillna(ri).to_numpy()
    return frame


def _row_notes(columns: dict[str, np.ndarray], used: tuple[str, ...], measure: Measure,
               result, add: float, notes: list[list[str]]) -> None:
    """Say, per row, why yi/vi is missing or which zero-cell correction was applied."""
    for i in range(len(notes)):
        missing = [name for name in used if np.isnan(columns[name][i])
                   and not _covered_by_companion(name, columns, i)]
        if missing:
            notes[i].append(f"not computed: {', '.join(missing)} missing")
        elif np.isnan(result.yi[i]) or np.isnan(result.vi[i]):
            notes[i].append(f"not computed: {measure.name} undefined for these values "
                            "(e.g. n too small, zero SD or zero cells without correction)")
        elif result.adjusted[i]:
            notes[i].append(f"added {add:g} to each cell (zero cell; metafor's add/to rule)")


def _covered_by_companion(name: str, columns: dict[str, np.ndarray], i: int) -> bool:
    """``bi`` may be missing when ``n1i`` gives it (and so on): metafor's ``replmiss``."""
    for a, (b, n) in COMPANIONS.items():
        if name in (b, n) and b in columns and n in columns:
            other = n if name == b else b
            return not np.isnan(columns[other][i])
    return False


def compute_effects(frame: pd.DataFrame, measure: str | Measure, *, source_name: str = "input",
                    **options) -> pd.DataFrame:
    """Append metafor's ``yi`` and ``vi`` for ``measure`` to a table with metafor's column names.

    Parameters
    ----------
    frame : one row per study or arm, columns named as ``escalc``'s arguments
        (``m1i, sd1i, n1i, m2i, sd2i, n2i``; ``ai, bi, ci, di`` or ``ai, n1i, ci, n2i``;
        ``xi, ni``; ``m1i, m2i, sd1i, sd2i, ni, ri``).  Other columns pass through unchanged.
    measure : a registered name (``"SMD"``) or a :class:`~evidence.measures.Measure`.
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
    frame = _impute_ri(frame, options.pop("ri", None), notes)
    used = _used_columns(measure, frame, source_name)
    columns = {name: _numeric_column(frame, name, source_name) for name in used}
    _check_ranges(columns, source_name)
    result = measure.detail(columns, **options)
    _row_notes(columns, used, measure, result, options.get("add", measure.default_add), notes)
    return _with_results(frame, result.yi, result.vi, notes)


def _with_results(frame: pd.DataFrame, yi: np.ndarray, vi: np.ndarray,
                  notes: list[list[str]]) -> pd.DataFrame:
    """Copy of ``frame`` with yi, vi and (when any) the merged derivation notes."""
    out = frame.copy()
    out["yi"] = yi
    out["vi"] = vi
    previous = (out["derivation"].fillna("").astype(str).tolist() if "derivation" in out.columns
                else [""] * len(out))
    merged = ["; ".join(part for part in [old.strip(), *new] if part) for old, new in zip(previous, notes)]
    if any(merged):
        out = out.drop(columns=["derivation"], errors="ignore")
        out["derivation"] = merged
    return out
