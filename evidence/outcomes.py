"""The shipped evidence tables: schema, loading, validation, listing and appending.

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
import functools
import io
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd

from evidence.errors import DataError, UnknownNameError
from evidence.paths import data_file

# ----------------------------------------------------------------------------- vocabularies

DESIGNS = ("rct_parallel", "rct_split_scalp", "crossover", "nonrandomised_controlled", "cohort",
           "case_series", "single_arm_trial", "trial_registration")
CONDITIONS = ("aga_male", "aga_female", "aga_mixed", "alopecia_areata", "hair_loss_unspecified",
              "other")
INTERVENTION_FAMILIES = ("prp", "exosome", "conditioned_medium", "stem_cell", "other")
#: Arm-level families add ``comparator`` (saline, minoxidil, triamcinolone, microneedling alone…).
ARM_FAMILIES = INTERVENTION_FAMILIES + ("comparator",)
COMPARATOR_FAMILIES = ("placebo", "active", "none", "other")
ROB_JUDGEMENTS = ("low", "some_concerns", "high", "not_assessed")
ARM_ROLES = ("intervention", "control", "single")
SEXES = ("male", "female", "mixed", "")
VERIFICATIONS = ("verbatim", "secondary")
P_OPERATORS = ("=", "<", ">", "")
WITHIN_PERSON = ("yes", "no", "")
COMPARISONS = ("placebo", "control", "baseline", "active")
EFFECT_MEASURES = ("MD", "SMD", "RD", "OR", "RR", "pre_post_means", "none")
OUTCOMES = (
    "hair_density", "hair_count", "terminal_hair_density", "hair_diameter", "anagen_pct",
    "telogen_pct", "salt_score", "salt_improvement_pct", "responders", "complete_regrowth",
    "hair_regrowth", "relapse", "negative_pull_test", "patient_reported_improvement",
    "patient_reported_coarser_hair", "patient_satisfaction",
    "global_assessment", "hair_growth_rate", "hair_shedding_count", "vas_score",
    "hair_loss_improvement",
)

# ----------------------------------------------------------------------------- columns

STUDY_COLUMNS = (
    "study_id", "citation", "first_author", "year", "pmid", "doi", "url", "journal", "design",
    "country", "condition", "intervention_family", "intervention", "comparator_family",
    "comparator", "n_total", "sessions", "interval", "follow_up", "funding_coi", "rob_judgement",
    "rob_reason", "source", "location", "quote", "coder", "notes",
)
ARM_COLUMNS = (
    "study_id", "arm", "arm_role", "intervention_family", "n", "sex", "n_male", "n_female",
    "age_mean", "sessions_min", "sessions_max", "follow_up_months_min", "follow_up_months_max",
    "source", "location", "quote", "coder", "verification", "notes",
)
OUTCOME_STATS = ("n", "mean", "sd", "se", "ci_low", "ci_high", "median", "q1", "q3", "min",
                 "max", "change_mean", "change_sd", "events", "p_value")
OUTCOME_COLUMNS = (
    "outcome_id", "study_id", "arm", "arm_role", "intervention_family", "outcome", "unit",
    "timepoint", "timepoint_weeks", "n", "mean", "sd", "se", "ci_low", "ci_high", "ci_level",
    "median", "q1", "q3", "min", "max", "change_mean", "change_sd", "events", "p_value",
    "p_operator", "p_comparison", "within_person", "derivation", "not_reported", "source",
    "location", "quote", "coder", "notes",
)
META_COLUMNS = (
    "ma_id", "citation", "year", "pmid", "doi", "population", "condition", "intervention_family",
    "comparison", "outcome", "effect_measure", "estimate", "ci_low", "ci_high", "p", "p_operator",
    "i2", "tau2", "model", "k_studies", "n_participants", "source", "location", "quote", "coder",
    "notes",
)

STUDY_NUMERIC = ("year", "n_total")
ARM_NUMERIC = ("n", "n_male", "n_female", "age_mean", "sessions_min", "sessions_max",
               "follow_up_months_min", "follow_up_months_max")
OUTCOME_NUMERIC = ("timepoint_weeks", "ci_level") + OUTCOME_STATS
META_NUMERIC = ("estimate", "ci_low", "ci_high", "p", "i2", "tau2", "k_studies",
                "n_participants")

#: Numbers that must appear in a row's quote (or be named in its ``derivation``).
QUOTED_NUMBERS = {
    "studies": ("n_total",),
    "arms": ARM_NUMERIC,
    "outcomes": OUTCOME_STATS,
    "meta": ("estimate", "ci_low", "ci_high", "p", "i2", "tau2", "k_studies", "n_participants"),
}
#: Text columns whose numbers (``"4-6 weeks"`` → 4, 6) must appear in the row's quote too.
QUOTED_TEXT = {"studies": ("sessions", "interval", "follow_up"), "outcomes": ("timepoint",)}
PROVENANCE = ("source", "location", "quote", "coder")


@dataclass(frozen=True)
class TableSpec:
    """A shipped table: its file name, columns and numeric columns."""

    kind: str
    filename: str
    columns: tuple[str, ...]
    numeric: tuple[str, ...]


SPECS = {
    "studies": TableSpec("studies", "studies.csv", STUDY_COLUMNS, STUDY_NUMERIC),
    "arms": TableSpec("arms", "arms.csv", ARM_COLUMNS, ARM_NUMERIC),
    "outcomes": TableSpec("outcomes", "outcomes.csv", OUTCOME_COLUMNS, OUTCOME_NUMERIC),
    "meta": TableSpec("meta", "published_meta_analyses.csv", META_COLUMNS, META_NUMERIC),
}

# ----------------------------------------------------------------------------- loading


def read_csv_text(path: str | Path) -> pd.DataFrame:
    """A CSV file as all-text cells ("" for empty); ``DataError`` if missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=str(path))
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"not a readable UTF-8 CSV table ({exc})".splitlines()[0], file=str(path))


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
                raise DataError(f"not a number: {text!r}", file=str(path), row=index + 2,
                                field=column) from None
        frame[column] = pd.Series(values, index=frame.index, dtype=float)
    return frame


def _load(kind: str, path: str | Path | None) -> pd.DataFrame:
    spec = SPECS[kind]
    path = Path(path) if path is not None else data_file(spec.filename)
    return _typed(_read_text_table(path, spec), path, spec)


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


# ----------------------------------------------------------------------------- problems


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


# ----------------------------------------------------------------------------- numbers in quotes

_NUMBER_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+")
_WORD_VALUES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_WORD_VALUES.update({w: 10 * (i + 2) for i, w in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split())})
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


# ----------------------------------------------------------------------------- row checks


class _Collector:
    """Collects problems for one file; ``add(row_index, column, message)``."""

    def __init__(self, file: str) -> None:
        self.file, self.items = file, []

    def add(self, index: int, column: str, message: str, level: str = "error") -> None:
        self.items.append(Problem(self.file, index + 2, column, message, level))


def _check_vocab(frame: pd.DataFrame, column: str, valid: Sequence[str], out: _Collector,
                 multi: bool = False) -> None:
    for index, value in enumerate(frame[column]):
        parts = value.split(";") if multi and value else [value]
        bad = [p for p in parts if p not in valid]
        if bad:
            out.add(index, column, f"{bad[0]!r} is not one of: {', '.join(v for v in valid if v)}")


def _check_provenance(frame: pd.DataFrame, spec: TableSpec, out: _Collector) -> None:
    for index, row in enumerate(_records(frame)):
        for column in PROVENANCE:
            if not row[column].strip():
                out.add(index, column, "missing provenance: every row needs source, location, "
                                       "quote and coder")


def _check_quotes(frame: pd.DataFrame, kind: str, out: _Collector) -> None:
    has_derivation = "derivation" in frame.columns
    for index, row in enumerate(_records(frame)):
        derived = derived_columns(row["derivation"]) if has_derivation else set()
        for column in QUOTED_NUMBERS[kind]:
            value = row[column]
            if not math.isnan(value) and column not in derived and not number_in_quote(value, row["quote"]):
                out.add(index, column, f"{_fmt(value)} does not appear in the quote "
                                       "(quote it, or name the column in derivation)")
        for column in QUOTED_TEXT.get(kind, ()):
            for number in _NUMBER_RE.findall(row[column]):
                if not number_in_quote(float(number.replace(",", "")), row["quote"]):
                    out.add(index, column, f"{number} (in {row[column]!r}) does not appear in "
                                           "the quote (quote it, or leave the cell empty)")


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts (much faster to read cell by cell than ``iterrows``)."""
    columns = [str(c) for c in frame.columns]
    return [dict(zip(columns, values)) for values in zip(*(frame[c].tolist() for c in frame.columns))]


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


def _ordered(row: pd.Series, index: int, low: str, high: str, out: _Collector,
             column: str | None = None) -> None:
    if not (math.isnan(row[low]) or math.isnan(row[high])) and row[low] > row[high]:
        out.add(index, column or high,
                f"impossible value: {low} {_fmt(row[low])} > {high} {_fmt(row[high])}")


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
    for low, high in (("q1", "median"), ("median", "q3"), ("q1", "q3"), ("min", "median"),
                      ("median", "max"), ("min", "max"), ("min", "mean"), ("mean", "max")):
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
        out.add(index, "ci_low", f"CI [{_fmt(low)}, {_fmt(high)}] does not contain the "
                                 f"estimate ({name} {_fmt(estimate)})")


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
            out.add(index, "not_reported", f"{name!r} is not a statistic column "
                                           f"({', '.join(OUTCOME_STATS)}) or 'all'")
        elif not math.isnan(row[name]):
            out.add(index, name, f"{name} is listed as not reported but has a value")


def _check_outcome_ids(frame: pd.DataFrame, out: _Collector) -> None:
    _check_unique(frame, "outcome_id", out)
    for index, row in enumerate(_records(frame)):
        if row["outcome_id"] and not re.fullmatch(re.escape(row["study_id"]) + r"-\d{2,}", row["outcome_id"]):
            out.add(index, "outcome_id", f"{row['outcome_id']!r} is not '<study_id>-<nn>'")


def _check_units(frame: pd.DataFrame, out: _Collector) -> None:
    """Same outcome, different unit: an error within one study, a warning across studies."""
    for outcome, group in frame.groupby("outcome", sort=False):
        for study, rows in group.groupby("study_id", sort=False):
            first = rows.iloc[0]["unit"]
            for index in rows.index[rows["unit"] != first]:
                out.add(index, "unit", f"unit {frame.at[index, 'unit']!r} differs from {first!r} "
                                       f"used for {outcome} elsewhere in study {study}")
        units = group.loc[group["unit"] != "", "unit"]
        if units.nunique() > 1:
            common = units.value_counts().index[0]
            for index in units.index[units != common]:
                out.add(index, "unit", f"{outcome} in {frame.at[index, 'unit']!r} while most rows use "
                                       f"{common!r}: do not pool without converting", level="warning")


# ----------------------------------------------------------------------------- table checks


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
    for index, row in enumerate(_records(frame)):
        _nonneg(row, index, ("n_total",), out)
        if not row["rob_reason"].strip():
            out.add(index, "rob_reason", "a risk-of-bias judgement needs a reason")


def _check_arms(frame: pd.DataFrame, out: _Collector) -> None:
    _check_vocab(frame, "arm_role", ARM_ROLES, out)
    _check_vocab(frame, "intervention_family", ARM_FAMILIES, out)
    _check_vocab(frame, "sex", SEXES, out)
    _check_vocab(frame, "verification", VERIFICATIONS, out)
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(_records(frame)):
        key = (row["study_id"], row["arm"])
        if key in seen:
            out.add(index, "arm", f"duplicate arm {row['arm']!r} of {row['study_id']} "
                                  f"(first on line {seen[key] + 2})")
        seen.setdefault(key, index)
        _nonneg(row, index, ARM_NUMERIC, out)
        _ordered(row, index, "sessions_min", "sessions_max", out)
        _ordered(row, index, "follow_up_months_min", "follow_up_months_max", out)
        total = (0 if math.isnan(row["n_male"]) else row["n_male"]) + \
                (0 if math.isnan(row["n_female"]) else row["n_female"])
        if not math.isnan(row["n"]) and total > row["n"]:
            out.add(index, "n", f"impossible value: n_male + n_female = {_fmt(total)} > n {_fmt(row['n'])}")


def _check_outcomes(frame: pd.DataFrame, out: _Collector) -> None:
    _check_outcome_ids(frame, out)
    _check_vocab(frame, "arm_role", ARM_ROLES, out)
    _check_vocab(frame, "intervention_family", ARM_FAMILIES, out)
    _check_vocab(frame, "outcome", OUTCOMES, out)
    _check_vocab(frame, "p_operator", P_OPERATORS, out)
    _check_vocab(frame, "within_person", WITHIN_PERSON, out)
    for index, row in enumerate(_records(frame)):
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
    for index, row in enumerate(_records(frame)):
        if row["comparison"] not in COMPARISONS and not (row["comparison"] == "" and math.isnan(row["estimate"])):
            out.add(index, "comparison", f"{row['comparison']!r} is not one of: {', '.join(COMPARISONS)} "
                                         "(empty only for reviews without a pooled estimate)")
        p = row["p"]
        if not math.isnan(p) and not 0 < p <= 1:
            out.add(index, "p", f"impossible value {_fmt(p)}: a p-value lies in (0, 1]")
        _nonneg(row, index, ("tau2", "i2", "k_studies", "n_participants"), out)
        if row["i2"] > 100:
            out.add(index, "i2", f"impossible value {_fmt(row['i2'])}: I² is a percentage")
        _ordered(row, index, "ci_low", "ci_high", out, column="ci_low")
        if not (math.isnan(row["ci_low"]) or math.isnan(row["estimate"])) and not \
                row["ci_low"] <= row["estimate"] <= row["ci_high"]:
            out.add(index, "estimate", f"CI [{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}] does not "
                                       f"contain the estimate {_fmt(row['estimate'])}")


_TABLE_CHECKS: dict[str, Callable[[pd.DataFrame, _Collector], None]] = {
    "studies": _check_studies, "arms": _check_arms, "outcomes": _check_outcomes, "meta": _check_meta,
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


def check_tables(studies_path: str | Path | None = None, outcomes_path: str | Path | None = None,
                 arms_path: str | Path | None = None, meta_path: str | Path | None = None,
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
    paths = {kind: Path(p) if p is not None else data_file(SPECS[kind].filename) for kind, p in
             (("studies", studies_path), ("outcomes", outcomes_path), ("arms", arms_path),
              ("meta", meta_path))}
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
    known = {(r["study_id"], r["arm"]): r for r in _records(arms)}
    studies_with_arms = {study for study, _ in known}
    for index, row in enumerate(_records(outcomes)):
        if row["study_id"] not in studies_with_arms:
            continue
        arm = known.get((row["study_id"], row["arm"]))
        if arm is None:
            valid = sorted(a for s, a in known if s == row["study_id"])
            out.add(index, "arm", f"arm {row['arm']!r} is not an arm of {row['study_id']} in arms.csv "
                                  f"({', '.join(valid)})")
            continue
        for column in ("arm_role", "intervention_family"):
            if row[column] != arm[column]:
                out.add(index, column, f"{row[column]!r} differs from {arm[column]!r} given for this arm "
                                       "in arms.csv")
    return out.items


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    """The error-level problems (warnings dropped)."""
    return [p for p in problems if p.level == "error"]


# ----------------------------------------------------------------------------- listing

#: The columns ``hairmeta outcomes list`` shows in a terminal table.
LIST_COLUMNS = ("outcome_id", "arm", "outcome", "unit", "timepoint_weeks", "n", "mean", "sd",
                "change_mean", "change_sd", "median", "events", "p_value", "not_reported")


def list_outcomes(study: str | None = None, outcomes: str | Sequence[str] | None = None,
                  path: str | Path | None = None,
                  columns: Sequence[str] | None = None) -> pd.DataFrame:
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
    return [f"{r['outcome_id']}: no numbers (not_reported=all): {r['notes']}"
            for r in _records(rows) if r["not_reported"] == "all"]


# ----------------------------------------------------------------------------- appending


def _cell(value: object) -> str:
    """A CSV cell from a user value: None/NaN → "", floats without spurious digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    return str(value).strip()


def normalise_rows(rows: pd.DataFrame | list[dict]) -> list[dict[str, str]]:
    """New outcome rows as dicts of text cells over ``OUTCOME_COLUMNS``; unknown keys raise."""
    records = rows.to_dict(orient="records") if isinstance(rows, pd.DataFrame) else list(rows)
    result = []
    for number, record in enumerate(records, start=1):
        unknown = [k for k in record if k not in OUTCOME_COLUMNS]
        if unknown:
            raise DataError("unknown column", file="<new rows>", row=number, field=str(unknown[0]))
        result.append({c: _cell(record.get(c)) for c in OUTCOME_COLUMNS})
    return result


def _next_ids(existing: Iterable[str], rows: list[dict[str, str]]) -> None:
    """Give rows without an outcome_id the next free ``<study_id>-<nn>``."""
    taken = set(existing) | {r["outcome_id"] for r in rows if r["outcome_id"]}
    for row in rows:
        if row["outcome_id"] or not row["study_id"]:
            continue
        number = 1
        while f"{row['study_id']}-{number:02d}" in taken:
            number += 1
        row["outcome_id"] = f"{row['study_id']}-{number:02d}"
        taken.add(row["outcome_id"])


def _csv_text(rows: list[dict[str, str]], header: bool) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(OUTCOME_COLUMNS), lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` atomically (temp file in the same directory + ``os.replace``)."""
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sibling(path: Path, name: str) -> Path:
    """``name`` beside ``path`` if present there, else the shipped file."""
    beside = path.parent / name
    return beside if beside.exists() else data_file(name)


def _candidate(rows: pd.DataFrame | list[dict], path: Path) -> tuple[str, list[Problem], int]:
    """The would-be file text after appending ``rows``, its problems on the new rows, and how
    many rows are new (ids assigned; nothing written)."""
    existing = load_outcomes(path)
    new = normalise_rows(rows)
    _next_ids(existing["outcome_id"], new)
    old_text = path.read_text(encoding="utf-8")
    text = (old_text if old_text.endswith("\n") else old_text + "\n") + _csv_text(new, header=False)
    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / path.name
        candidate.write_text(text, encoding="utf-8")
        problems = _check_one("outcomes", candidate, _study_ids(path))[0]
    first_new = len(existing) + 2
    found = [Problem(str(path), p.row, p.column, p.message, p.level) for p in problems
             if p.level == "error" and p.row >= first_new]
    return text, found, len(new)


def check_new_rows(rows: pd.DataFrame | list[dict], path: str | Path | None = None) -> list[Problem]:
    """Every error the rows would cause if appended to ``path`` (default: the shipped
    outcomes.csv), with the line numbers they would get; nothing is written."""
    path = Path(path) if path is not None else data_file("outcomes.csv")
    return _candidate(rows, path)[1]


def append_outcomes(rows: pd.DataFrame | list[dict], path: str | Path | None = None, *,
                    origin: str | Path | None = None) -> int:
    """Append validated rows to ``outcomes.csv`` (default: the shipped file); return how many.

    The new rows are checked together with the existing table (and the ``studies.csv`` beside
    it, else the shipped one) by :func:`check_tables` on a temporary copy; any error-level
    problem raises ``DataError`` naming the first one (line numbers as the rows would have in
    the file) and nothing is written.  The write is atomic: the old file stays intact until
    ``os.replace`` swaps in the complete new one.  Missing ``outcome_id`` s are assigned.
    With ``origin`` (the CSV the rows came from), errors name that file and its line numbers.
    """
    path = Path(path) if path is not None else data_file("outcomes.csv")
    text, found, count = _candidate(rows, path)
    if found:
        first, extra = found[0], len(found) - 1
        more = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
        offset = text.count("\n") - count - 1  # data lines before the new rows
        file, row = (str(path), first.row) if origin is None else (str(origin), first.row - offset)
        raise DataError(first.message + more, file=file, row=row, field=first.column)
    if count:
        write_atomic(path, text)
    return count


def _study_ids(outcomes_path: Path) -> set[str]:
    return set(load_studies(_sibling(outcomes_path, "studies.csv"))["study_id"])


# ----------------------------------------------------------------------------- interactive coding

#: Fields asked by :func:`prompt_row`, in order.  Statistics may be left empty.
PROMPT_FIELDS = tuple(c for c in OUTCOME_COLUMNS if c != "outcome_id")
_CHOICES = {"arm_role": ARM_ROLES, "intervention_family": ARM_FAMILIES, "outcome": OUTCOMES,
            "p_operator": P_OPERATORS, "within_person": WITHIN_PERSON}
_REQUIRED = ("study_id", "arm", "arm_role", "intervention_family", "outcome") + PROVENANCE


def validate_field(column: str, value: str, study_ids: set[str] | None = None) -> str | None:
    """The reason ``value`` is not acceptable for ``column`` (``None`` when it is)."""
    value = value.strip()
    if column in _REQUIRED and not value:
        return f"{column} is required"
    if column == "study_id" and study_ids is not None and value not in study_ids:
        return f"unknown study id {value!r} (add it to studies.csv first)"
    if column in _CHOICES and value not in _CHOICES[column]:
        return f"must be one of: {', '.join(v or '(empty)' for v in _CHOICES[column])}"
    if column in OUTCOME_NUMERIC:
        try:
            number = parse_number(value)
        except ValueError:
            return "not a number"
        if column in ("n", "sd", "se", "change_sd", "events", "timepoint_weeks") and number < 0:
            return "must not be negative"
        if column == "p_value" and not (math.isnan(number) or 0 < number <= 1):
            return "a p-value lies in (0, 1]"
    return None


def prompt_row(ask: Callable[[str, str], str], study_ids: set[str] | None = None,
               report: Callable[[str], None] = lambda message: None) -> dict[str, str]:
    """Build one outcome row by asking field after field, re-asking until each value is valid.

    ``ask(column, hint)`` returns the user's text for ``column``; ``report(message)`` shows a
    validation message.  A ``KeyboardInterrupt`` (or any exception) in ``ask`` propagates and,
    since nothing is written here, leaves every file untouched.
    """
    row: dict[str, str] = {}
    for column in PROMPT_FIELDS:
        hint = "/".join(v or "''" for v in _CHOICES[column]) if column in _CHOICES else ""
        while True:
            value = ask(column, hint).strip()
            problem = validate_field(column, value, study_ids)
            if problem is None:
                row[column] = value
                break
            report(f"{column}: {problem}")
    return row


# ----------------------------------------------------------------------------- file resolution

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
    raise DataError("not an evidence table: the header has none of outcome_id, ma_id, arm_role, "
                    "design", file=str(path), row=1)


def table_paths(file: str | Path | None = None, data_dir: str | Path | None = None) -> dict[str, Path]:
    """Paths of the four tables: ``file`` (any one table, recognised by its header) and the
    other three beside it; else those in ``data_dir``; else the shipped ones.  A table missing
    from the chosen directory falls back to the shipped file."""
    base = Path(data_dir) if data_dir is not None else (Path(file).parent if file is not None else None)
    paths = {}
    for kind, spec in SPECS.items():
        candidate = base / spec.filename if base is not None else None
        paths[kind] = candidate if candidate is not None and candidate.exists() else data_file(spec.filename)
    if file is not None:
        paths[table_kind(file)] = Path(file)
    return paths


def check_files(file: str | Path | None = None, data_dir: str | Path | None = None) -> list[Problem]:
    """:func:`check_tables` on the tables chosen as in :func:`table_paths`."""
    paths = table_paths(file, data_dir)
    return check_tables(studies_path=paths["studies"], outcomes_path=paths["outcomes"],
                        arms_path=paths["arms"], meta_path=paths["meta"])


def problems_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """Problems as a DataFrame (file, row, column, level, message) for table/CSV/JSON output."""
    return pd.DataFrame([{"file": p.file, "row": p.row, "column": p.column, "level": p.level,
                          "message": p.message} for p in problems],
                        columns=["file", "row", "column", "level", "message"])


def read_new_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a CSV to append (text cells); its columns must be outcome columns."""
    frame = read_csv_text(path)
    for column in frame.columns:
        if column not in OUTCOME_COLUMNS:
            raise DataError("unknown column (see data/README.md)", file=str(path), row=1, field=str(column))
    return frame.to_dict(orient="records")
