"""Checks of the coded tables: every problem as a :class:`Problem` printed ``file:row:column: message``
(row = line in the file, header = line 1).  Numbers must stand in their verbatim quote unless a
``derivation`` says how they were derived.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.paths import data_file
from hairmeta.evidence.tables.load import _load, row_dicts, table_paths
from hairmeta.evidence.tables.vocab import (
    ARM_FAMILIES,
    ARM_NUMERIC,
    ARM_ROLES,
    COMPARATOR_FAMILIES,
    COMPARISONS,
    CONDITIONS,
    DESIGNS,
    EFFECT_MEASURES,
    INTERVENTION_FAMILIES,
    OUTCOME_STATS,
    OUTCOMES,
    P_OPERATORS,
    PROVENANCE,
    QUOTED_NUMBERS,
    QUOTED_TEXT,
    ROB_JUDGEMENTS,
    SEXES,
    SPECS,
    VERIFICATIONS,
    WITHIN_PERSON,
    TableSpec,
)


@dataclass(frozen=True)
class Problem:
    """One finding of :func:`check_tables`, printed ``file:row:column: message``.

    ``level`` is ``"error"`` (the table is wrong) or ``"warning"`` (legal but worth a look, e.g.
    one outcome reported in different units by different studies); warnings carry a
    ``warning:`` prefix in their message.
    """

    file: str
    row: int
    column: str
    message: str
    level: str = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.level == "warning" else ""
        return f"{self.file}:{self.row}:{self.column}: {prefix}{self.message}"


_NUMBER_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+")


_WORD_VALUES = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_WORD_VALUES.update(
    {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
)


_WORD_TOKEN_RE = re.compile(r"[A-Za-z]+")


def _word_numbers(text: str) -> set[float]:
    """Numbers written in English words: ``Twenty-five`` → 25, ``One hundred twenty-five`` → 125."""
    found: set[float] = set()
    current, active = 0, False
    for match in _WORD_TOKEN_RE.finditer(text):
        word = match.group().lower()
        if word in _WORD_VALUES:
            current, active = current + _WORD_VALUES[word], True
        elif word == "hundred" and active:
            current *= 100
        elif word == "thousand" and active:
            current *= 1000
        elif word == "and" and active:
            continue
        else:
            if active:
                found.add(float(current))
            current, active = 0, False
    if active:
        found.add(float(current))
    return found


@functools.lru_cache(maxsize=4096)
def quoted_numbers(quote: str) -> frozenset[float]:
    """Every number written in ``quote``: digits (``0.80``, ``.80``, ``1,569``) and English
    number words (``Twenty-five`` → 25, ``One hundred twenty-five`` → 125).  Signs are ignored."""
    return frozenset({float(m.replace(",", "")) for m in _NUMBER_RE.findall(quote)} | _word_numbers(quote))


def number_in_quote(value: float, quote: str) -> bool:
    """True when ``|value|`` is written in ``quote`` (formatting-insensitive, see above)."""
    return any(math.isclose(abs(value), n, rel_tol=0, abs_tol=1e-9) for n in quoted_numbers(quote))


def derived_columns(derivation: str) -> set[str]:
    """Columns named in a ``derivation`` note written ``column: how; column: how``."""
    names = set()
    for part in derivation.split(";"):
        head = part.split(":", 1)[0].strip()
        names.update(h.strip() for h in head.split(",") if ":" in part)
    return names


class _Collector:
    """Collects problems for one file; ``add(row_index, column, message)``."""

    def __init__(self, file: str) -> None:
        self.file, self.items = file, []

    def add(self, index: int, column: str, message: str, level: str = "error") -> None:
        self.items.append(Problem(self.file, index + 2, column, message, level))


def _check_vocab(frame: pd.DataFrame, column: str, valid: Sequence[str], out: _Collector, multi: bool = False) -> None:
    for index, value in enumerate(frame[column]):
        parts = value.split(";") if multi and value else [value]
        bad = [p for p in parts if p not in valid]
        if bad:
            out.add(index, column, f"{bad[0]!r} is not one of: {', '.join(v for v in valid if v)}")


def _check_provenance(frame: pd.DataFrame, spec: TableSpec, out: _Collector) -> None:
    for index, row in enumerate(row_dicts(frame)):
        for column in PROVENANCE:
            if not row[column].strip():
                out.add(index, column, "missing provenance: every row needs source, location, quote and coder")


def _check_quotes(frame: pd.DataFrame, kind: str, out: _Collector) -> None:
    has_derivation = "derivation" in frame.columns
    for index, row in enumerate(row_dicts(frame)):
        derived = derived_columns(row["derivation"]) if has_derivation else set()
        for column in QUOTED_NUMBERS[kind]:
            value = row[column]
            if not math.isnan(value) and column not in derived and not number_in_quote(value, row["quote"]):
                out.add(
                    index,
                    column,
                    f"{_fmt(value)} does not appear in the quote (quote it, or name the column in derivation)",
                )
        for column in QUOTED_TEXT.get(kind, ()):
            for number in _NUMBER_RE.findall(row[column]):
                if not number_in_quote(float(number.replace(",", "")), row["quote"]):
                    out.add(
                        index,
                        column,
                        f"{number} (in {row[column]!r}) does not appear in "
                        "the quote (quote it, or leave the cell empty)",
                    )


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else repr(value)


def _check_no_newlines(frame: pd.DataFrame, out: _Collector) -> None:
    for column in frame.columns:
        if frame[column].dtype == float:
            continue
        broken = frame[column].astype(str).str.contains("[\r\n]", regex=True)
        for index in broken.to_numpy().nonzero()[0]:
            out.add(int(index), str(column), "line break inside a field (keep each row on one line)")


def _check_unique(frame: pd.DataFrame, column: str, out: _Collector) -> None:
    seen: dict[str, int] = {}
    for index, value in enumerate(frame[column]):
        if not value:
            out.add(index, column, "empty id")
        elif value in seen:
            out.add(index, column, f"duplicate id {value!r} (first on line {seen[value] + 2})")
        else:
            seen[value] = index


def _check_known_study(frame: pd.DataFrame, study_ids: set[str], out: _Collector) -> None:
    for index, value in enumerate(frame["study_id"]):
        if value not in study_ids:
            out.add(index, "study_id", f"unknown study id {value!r} (not in studies.csv)")


def _nonneg(row: pd.Series, index: int, columns: Iterable[str], out: _Collector) -> None:
    for column in columns:
        if row[column] < 0:
            out.add(index, column, f"impossible value {_fmt(row[column])}: must not be negative")


def _ordered(row: pd.Series, index: int, low: str, high: str, out: _Collector, column: str | None = None) -> None:
    if not (math.isnan(row[low]) or math.isnan(row[high])) and row[low] > row[high]:
        out.add(index, column or high, f"impossible value: {low} {_fmt(row[low])} > {high} {_fmt(row[high])}")


def _ci_estimate(row: pd.Series) -> tuple[str, float]:
    """The estimate a CI belongs to: mean, else change_mean, else median."""
    for column in ("mean", "change_mean", "median"):
        if not math.isnan(row[column]):
            return column, row[column]
    return "", math.nan


def _check_outcome_values(row: pd.Series, index: int, out: _Collector) -> None:
    _nonneg(row, index, ("n", "sd", "se", "change_sd", "events", "timepoint_weeks"), out)
    if row["n"] == 0:
        out.add(index, "n", "impossible value 0: an arm has at least one participant")
    if not math.isnan(row["events"]) and not math.isnan(row["n"]) and row["events"] > row["n"]:
        out.add(index, "events", f"impossible value: events {_fmt(row['events'])} > n {_fmt(row['n'])}")
    p = row["p_value"]
    if not math.isnan(p) and not 0 < p <= 1:
        out.add(index, "p_value", f"impossible value {_fmt(p)}: a p-value lies in (0, 1]")
    if row["p_operator"] and math.isnan(p):
        out.add(index, "p_operator", "p_operator given without a p_value")
    level = row["ci_level"]
    if not math.isnan(level) and not 0 < level < 100:
        out.add(index, "ci_level", f"impossible value {_fmt(level)}: a CI level lies in (0, 100)")
    _check_ci(row, index, out)
    for low, high in (
        ("q1", "median"),
        ("median", "q3"),
        ("q1", "q3"),
        ("min", "median"),
        ("median", "max"),
        ("min", "max"),
        ("min", "mean"),
        ("mean", "max"),
    ):
        _ordered(row, index, low, high, out)


def _check_ci(row: pd.Series, index: int, out: _Collector) -> None:
    low, high = row["ci_low"], row["ci_high"]
    if math.isnan(low) != math.isnan(high):
        out.add(index, "ci_high" if math.isnan(high) else "ci_low", "a CI needs both ci_low and ci_high")
        return
    if math.isnan(low):
        return
    if low > high:
        out.add(index, "ci_low", f"impossible value: ci_low {_fmt(low)} > ci_high {_fmt(high)}")
        return
    name, estimate = _ci_estimate(row)
    if name and not low <= estimate <= high:
        out.add(
            index, "ci_low", f"CI [{_fmt(low)}, {_fmt(high)}] does not contain the estimate ({name} {_fmt(estimate)})"
        )


def _check_not_reported(row: pd.Series, index: int, out: _Collector) -> None:
    text = row["not_reported"].strip()
    if not text:
        return
    if text == "all":
        filled = [c for c in OUTCOME_STATS if not math.isnan(row[c])]
        if filled:
            out.add(index, filled[0], "not_reported=all but a value is filled in")
        return
    for name in (t.strip() for t in text.split(";")):
        if name not in OUTCOME_STATS:
            out.add(index, "not_reported", f"{name!r} is not a statistic column ({', '.join(OUTCOME_STATS)}) or 'all'")
        elif not math.isnan(row[name]):
            out.add(index, name, f"{name} is listed as not reported but has a value")


def _check_outcome_ids(frame: pd.DataFrame, out: _Collector) -> None:
    _check_unique(frame, "outcome_id", out)
    for index, row in enumerate(row_dicts(frame)):
        if row["outcome_id"] and not re.fullmatch(re.escape(row["study_id"]) + r"-\d{2,}", row["outcome_id"]):
            out.add(index, "outcome_id", f"{row['outcome_id']!r} is not '<study_id>-<nn>'")


def _check_units(frame: pd.DataFrame, out: _Collector) -> None:
    """Same outcome, different unit: an error within one study, a warning across studies."""
    for outcome, group in frame.groupby("outcome", sort=False):
        for study, rows in group.groupby("study_id", sort=False):
            first = rows.iloc[0]["unit"]
            for index in rows.index[rows["unit"] != first]:
                out.add(
                    index,
                    "unit",
                    f"unit {frame.at[index, 'unit']!r} differs from {first!r} "
                    f"used for {outcome} elsewhere in study {study}",
                )
        units = group.loc[group["unit"] != "", "unit"]
        if units.nunique() > 1:
            common = units.value_counts().index[0]
            for index in units.index[units != common]:
                out.add(
                    index,
                    "unit",
                    f"{outcome} in {frame.at[index, 'unit']!r} while most rows use "
                    f"{common!r}: do not pool without converting",
                    level="warning",
                )


def _check_studies(frame: pd.DataFrame, out: _Collector) -> None:
    _check_unique(frame, "study_id", out)
    for index, value in enumerate(frame["study_id"]):
        if value and not re.fullmatch(r"[a-z0-9_]+", value):
            out.add(index, "study_id", f"{value!r}: use lowercase letters, digits and '_'")
    _check_vocab(frame, "design", DESIGNS, out)
    _check_vocab(frame, "condition", CONDITIONS, out)
    _check_vocab(frame, "intervention_family", INTERVENTION_FAMILIES, out, multi=True)
    _check_vocab(frame, "comparator_family", COMPARATOR_FAMILIES + ("",), out)
    _check_vocab(frame, "rob_judgement", ROB_JUDGEMENTS, out)
    for index, row in enumerate(row_dicts(frame)):
        _nonneg(row, index, ("n_total",), out)
        if not row["rob_reason"].strip():
            out.add(index, "rob_reason", "a risk-of-bias judgement needs a reason")


def _check_arms(frame: pd.DataFrame, out: _Collector) -> None:
    _check_vocab(frame, "arm_role", ARM_ROLES, out)
    _check_vocab(frame, "intervention_family", ARM_FAMILIES, out)
    _check_vocab(frame, "sex", SEXES, out)
    _check_vocab(frame, "verification", VERIFICATIONS, out)
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(row_dicts(frame)):
        key = (row["study_id"], row["arm"])
        if key in seen:
            out.add(index, "arm", f"duplicate arm {row['arm']!r} of {row['study_id']} (first on line {seen[key] + 2})")
        seen.setdefault(key, index)
        _nonneg(row, index, ARM_NUMERIC, out)
        _ordered(row, index, "sessions_min", "sessions_max", out)
        _ordered(row, index, "follow_up_months_min", "follow_up_months_max", out)
        total = (0 if math.isnan(row["n_male"]) else row["n_male"]) + (
            0 if math.isnan(row["n_female"]) else row["n_female"]
        )
        if not math.isnan(row["n"]) and total > row["n"]:
            out.add(index, "n", f"impossible value: n_male + n_female = {_fmt(total)} > n {_fmt(row['n'])}")


def _check_outcomes(frame: pd.DataFrame, out: _Collector) -> None:
    _check_outcome_ids(frame, out)
    _check_vocab(frame, "arm_role", ARM_ROLES, out)
    _check_vocab(frame, "intervention_family", ARM_FAMILIES, out)
    _check_vocab(frame, "outcome", OUTCOMES, out)
    _check_vocab(frame, "p_operator", P_OPERATORS, out)
    _check_vocab(frame, "within_person", WITHIN_PERSON, out)
    for index, row in enumerate(row_dicts(frame)):
        _check_outcome_values(row, index, out)
        _check_not_reported(row, index, out)
    _check_units(frame, out)


def _check_meta(frame: pd.DataFrame, out: _Collector) -> None:
    _check_unique(frame, "ma_id", out)
    _check_vocab(frame, "condition", CONDITIONS, out)
    _check_vocab(frame, "intervention_family", INTERVENTION_FAMILIES, out, multi=True)
    _check_vocab(frame, "outcome", OUTCOMES, out)
    _check_vocab(frame, "effect_measure", EFFECT_MEASURES, out)
    _check_vocab(frame, "p_operator", P_OPERATORS, out)
    for index, row in enumerate(row_dicts(frame)):
        if row["comparison"] not in COMPARISONS and not (row["comparison"] == "" and math.isnan(row["estimate"])):
            out.add(
                index,
                "comparison",
                f"{row['comparison']!r} is not one of: {', '.join(COMPARISONS)} "
                "(empty only for reviews without a pooled estimate)",
            )
        p = row["p"]
        if not math.isnan(p) and not 0 < p <= 1:
            out.add(index, "p", f"impossible value {_fmt(p)}: a p-value lies in (0, 1]")
        _nonneg(row, index, ("tau2", "i2", "k_studies", "n_participants"), out)
        if row["i2"] > 100:
            out.add(index, "i2", f"impossible value {_fmt(row['i2'])}: I² is a percentage")
        _ordered(row, index, "ci_low", "ci_high", out, column="ci_low")
        if (
            not (math.isnan(row["ci_low"]) or math.isnan(row["estimate"]))
            and not row["ci_low"] <= row["estimate"] <= row["ci_high"]
        ):
            out.add(
                index,
                "estimate",
                f"CI [{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}] does not "
                f"contain the estimate {_fmt(row['estimate'])}",
            )


_TABLE_CHECKS: dict[str, Callable[[pd.DataFrame, _Collector], None]] = {
    "studies": _check_studies,
    "arms": _check_arms,
    "outcomes": _check_outcomes,
    "meta": _check_meta,
}


def _check_one(kind: str, path: Path, study_ids: set[str] | None) -> tuple[list[Problem], pd.DataFrame | None]:
    """All problems of one table; a table that cannot be loaded gives its one load problem."""
    spec = SPECS[kind]
    out = _Collector(str(path))
    try:
        frame = _load(kind, path)
    except DataError as exc:
        return [Problem(exc.file or str(path), exc.row or 1, exc.field or "", exc.detail)], None
    for extra in [c for c in frame.columns if c not in spec.columns]:
        out.items.append(Problem(str(path), 1, str(extra), "unknown column (see data/README.md)"))
    _check_no_newlines(frame, out)
    _TABLE_CHECKS[kind](frame, out)
    if study_ids is not None and "study_id" in spec.columns and kind != "studies":
        _check_known_study(frame, study_ids, out)
    _check_provenance(frame, spec, out)
    _check_quotes(frame, kind, out)
    return sorted(out.items, key=lambda p: p.row), frame


def check_tables(
    studies_path: str | Path | None = None,
    outcomes_path: str | Path | None = None,
    arms_path: str | Path | None = None,
    meta_path: str | Path | None = None,
) -> list[Problem]:
    """Validate the evidence tables; return every problem (errors and warnings), in file order.

    Paths default to the shipped ``data/`` files.  Checks: duplicate and unknown study ids,
    vocabulary violations, impossible values (negative n/SD/SE, events > n, CI not containing its
    estimate, p outside (0, 1], q1 ≤ median ≤ q3, min ≤ median ≤ max), unit mismatches of one
    outcome (error within a study, warning across studies), missing provenance, and that every
    number of a row is written in its quote unless its column is named in ``derivation``.
    Outcome rows of a study that has rows in ``arms.csv`` must name one of its arms, with the
    same ``arm_role`` and ``intervention_family``.
    """
    paths = {
        kind: Path(p) if p is not None else data_file(SPECS[kind].filename)
        for kind, p in (
            ("studies", studies_path),
            ("outcomes", outcomes_path),
            ("arms", arms_path),
            ("meta", meta_path),
        )
    }
    problems, studies = _check_one("studies", paths["studies"], None)
    study_ids = set(studies["study_id"]) if studies is not None else None
    frames = {}
    for kind in ("arms", "outcomes", "meta"):
        found, frames[kind] = _check_one(kind, paths[kind], study_ids)
        problems += found
    if frames["arms"] is not None and frames["outcomes"] is not None:
        problems += _check_arm_links(frames["outcomes"], frames["arms"], str(paths["outcomes"]))
    return problems


def _check_arm_links(outcomes: pd.DataFrame, arms: pd.DataFrame, file: str) -> list[Problem]:
    """Outcome rows whose study lists its arms in arms.csv must match one of those arms."""
    out = _Collector(file)
    known = {(r["study_id"], r["arm"]): r for r in row_dicts(arms)}
    studies_with_arms = {study for study, _ in known}
    for index, row in enumerate(row_dicts(outcomes)):
        if row["study_id"] not in studies_with_arms:
            continue
        arm = known.get((row["study_id"], row["arm"]))
        if arm is None:
            valid = sorted(a for s, a in known if s == row["study_id"])
            out.add(
                index, "arm", f"arm {row['arm']!r} is not an arm of {row['study_id']} in arms.csv ({', '.join(valid)})"
            )
            continue
        for column in ("arm_role", "intervention_family"):
            if row[column] != arm[column]:
                out.add(index, column, f"{row[column]!r} differs from {arm[column]!r} given for this arm in arms.csv")
    return out.items


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    """The error-level problems (warnings dropped)."""
    return [p for p in problems if p.level == "error"]


def check_files(file: str | Path | None = None, data_dir: str | Path | None = None) -> list[Problem]:
    """:func:`check_tables` on the tables chosen as in :func:`table_paths`."""
    paths = table_paths(file, data_dir)
    return check_tables(
        studies_path=paths["studies"], outcomes_path=paths["outcomes"], arms_path=paths["arms"], meta_path=paths["meta"]
    )


def problems_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """Problems as a DataFrame (file, row, column, level, message) for table/CSV/JSON output."""
    return pd.DataFrame(
        [{"file": p.file, "row": p.row, "column": p.column, "level": p.level, "message": p.message} for p in problems],
        columns=["file", "row", "column", "level", "message"],
    )
