"""The coded evidence tables: loading and listing (schema in :mod:`.vocab`, checks in :mod:`.check`,
editing in :mod:`.edit`).

Four CSV files live in ``data/`` (see ``data/README.md`` for every column):

* ``studies.csv`` — one row per study (design, condition, families, risk of bias, provenance);
* ``arms.csv`` — one row per study arm (n, sex, age, sessions, follow-up);
* ``outcomes.csv`` — long format, one row per study × arm × outcome × timepoint;
* ``published_meta_analyses.csv`` — published pooled results.

Loaders return DataFrames whose numeric columns are ``float`` (NaN = not reported) and whose text
columns are ``str`` ("" = empty).  :func:`check_tables` returns every problem as a
:class:`Problem` printed ``file:row:column: message``; *row* is the line number in the file
(header = line 1, first data row = line 2).  Fields may not contain line breaks, so the line
number of a row is always its data index + 2.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.paths import data_file
from hairmeta.evidence.tables.vocab import OUTCOME_COLUMNS, OUTCOMES, SPECS, TableSpec


def read_csv_text(path: str | Path) -> pd.DataFrame:
    """A CSV file as all-text cells ("" for empty); ``DataError`` if missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=str(path))
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"not a readable UTF-8 CSV table ({exc})".splitlines()[0], file=str(path)) from None


def _read_text_table(path: Path, spec: TableSpec) -> pd.DataFrame:
    """Read ``path`` as all-text; raise ``DataError`` for a missing file or column."""
    frame = read_csv_text(path)
    for column in spec.columns:
        if column not in frame.columns:
            raise DataError("missing column", file=str(path), row=1, field=column)
    return frame


def parse_number(text: str) -> float:
    """A finite float from a cell (``""`` → NaN); raise ``ValueError`` otherwise."""
    text = text.strip()
    if text == "":
        return math.nan
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _typed(frame: pd.DataFrame, path: Path, spec: TableSpec) -> pd.DataFrame:
    """Convert the numeric columns of ``frame`` to float, naming the first bad cell."""
    for column in spec.numeric:
        values = []
        for index, text in enumerate(frame[column]):
            try:
                values.append(parse_number(text))
            except ValueError:
                raise DataError(f"not a number: {text!r}", file=str(path), row=index + 2, field=column) from None
        frame[column] = pd.Series(values, index=frame.index, dtype=float)
    return frame


def _load(kind: str, path: str | Path | None) -> pd.DataFrame:
    spec = SPECS[kind]
    path = Path(path) if path is not None else data_file(spec.filename)
    return _typed(_read_text_table(path, spec), path, spec)


def row_dicts(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts (much faster to read cell by cell than ``iterrows``)."""
    columns = [str(c) for c in frame.columns]
    return [dict(zip(columns, values)) for values in zip(*(frame[c].tolist() for c in frame.columns))]


def load_studies(path: str | Path | None = None) -> pd.DataFrame:
    """``data/studies.csv`` (or ``path``) as a DataFrame; numeric: year, n_total."""
    return _load("studies", path)


def load_arms(path: str | Path | None = None) -> pd.DataFrame:
    """``data/arms.csv`` (or ``path``): one row per study arm; numeric columns float."""
    return _load("arms", path)


def load_outcomes(path: str | Path | None = None) -> pd.DataFrame:
    """``data/outcomes.csv`` (or ``path``): long format; statistics float with NaN = not reported."""
    return _load("outcomes", path)


def load_meta_analyses(path: str | Path | None = None) -> pd.DataFrame:
    """``data/published_meta_analyses.csv`` (or ``path``): published pooled results."""
    return _load("meta", path)


@dataclass(frozen=True)
class Tables:
    """The four coded tables of one review, as loaded DataFrames."""

    studies: pd.DataFrame
    arms: pd.DataFrame
    outcomes: pd.DataFrame
    meta: pd.DataFrame


def coded_tables(
    *,
    studies: pd.DataFrame | None = None,
    arms: pd.DataFrame | None = None,
    outcomes: pd.DataFrame | None = None,
    meta: pd.DataFrame | None = None,
) -> Tables:
    """The tables given, and each one not given loaded from the shipped ``data/``.

    The one place that decides "the shipped tables unless given".
    """
    return Tables(
        studies=load_studies() if studies is None else studies,
        arms=load_arms() if arms is None else arms,
        outcomes=load_outcomes() if outcomes is None else outcomes,
        meta=load_meta_analyses() if meta is None else meta,
    )


#: The columns ``hairmeta outcomes list`` shows in a terminal table.
LIST_COLUMNS = (
    "outcome_id",
    "arm",
    "outcome",
    "unit",
    "timepoint_weeks",
    "n",
    "mean",
    "sd",
    "change_mean",
    "change_sd",
    "median",
    "events",
    "p_value",
    "not_reported",
)


def list_outcomes(
    study: str | None = None,
    outcomes: str | Sequence[str] | None = None,
    path: str | Path | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Coded outcome rows, optionally of one ``study`` and/or some ``outcomes`` (names).

    Unknown study ids or outcome names raise ``UnknownNameError`` listing the valid ones.
    ``columns`` selects columns (default: all of ``OUTCOME_COLUMNS``).
    """
    frame = load_outcomes(path)
    if study is not None:
        valid = sorted(set(frame["study_id"]))
        if study not in valid:
            raise UnknownNameError("study", study, valid)
        frame = frame[frame["study_id"] == study]
    if outcomes is not None:
        names = [outcomes] if isinstance(outcomes, str) else list(outcomes)
        for name in names:
            if name not in OUTCOMES:
                raise UnknownNameError("outcome", name, OUTCOMES)
        frame = frame[frame["outcome"].isin(names)]
    return frame.loc[:, list(columns or OUTCOME_COLUMNS)].reset_index(drop=True)


def not_available_messages(rows: pd.DataFrame) -> list[str]:
    """One line per row without any number (``not_reported=all``), saying so and why."""
    return [
        f"{r['outcome_id']}: no numbers (not_reported=all): {r['notes']}"
        for r in row_dicts(rows)
        if r["not_reported"] == "all"
    ]


def _sibling(path: Path, name: str) -> Path:
    """``name`` beside ``path`` if present there, else the shipped file."""
    beside = path.parent / name
    return beside if beside.exists() else data_file(name)


_KIND_MARKERS = (("outcomes", "outcome_id"), ("meta", "ma_id"), ("arms", "arm_role"), ("studies", "design"))


def table_kind(path: str | Path) -> str:
    """Which table ``path`` holds (``studies``, ``arms``, ``outcomes``, ``meta``), from its header."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=str(path))
    with path.open(encoding="utf-8", newline="") as stream:
        header = next(csv.reader(stream), [])
    for kind, marker in _KIND_MARKERS:
        if marker in header:
            return kind
    raise DataError(
        "not an evidence table: the header has none of outcome_id, ma_id, arm_role, design", file=str(path), row=1
    )


def table_paths(file: str | Path | None = None, data_dir: str | Path | None = None) -> dict[str, Path]:
    """Paths of the four tables: ``file`` (any one table, recognised by its header) and the
    other three beside it (else the review's, :func:`~hairmeta.evidence.paths.data_file`); else
    those in ``data_dir``, which must hold all four (``DataError`` naming the missing ones); else
    the review's tables (the active folder, else the shipped ones)."""
    if data_dir is not None:
        missing = [spec.filename for spec in SPECS.values() if not (Path(data_dir) / spec.filename).is_file()]
        if missing:
            raise DataError(f"not a folder of coded tables: {', '.join(missing)} missing", file=str(data_dir))
    base = Path(data_dir) if data_dir is not None else (Path(file).parent if file is not None else None)
    paths = {}
    for kind, spec in SPECS.items():
        candidate = base / spec.filename if base is not None else None
        paths[kind] = candidate if candidate is not None and candidate.exists() else data_file(spec.filename)
    if file is not None:
        paths[table_kind(file)] = Path(file)
    return paths
