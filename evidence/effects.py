"""Effect sizes for tables: ``compute_effects`` (metafor's ``escalc`` on a DataFrame),
``read_effect_input`` (a CSV with metafor's column names) and ``from_outcomes`` (coded
evidence rows → one effect per study for a chosen outcome and comparison).

Rows are numbered as in the file: the header is line 1, so the first data row is row 2.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from evidence import derive
from evidence.errors import DataError, UnknownNameError
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
    try:
        names = _header(path)
        frame = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"not a readable UTF-8 CSV table ({exc})".splitlines()[0], file=str(path))
    for position, name in enumerate(names, start=1):
        if not name or names.count(name) > 1:
            raise DataError("duplicate or empty column name", file=str(path), row=1,
                            field=name or f"column {position}")
    frame.columns = names
    return _numbers_where_clean(frame)


def _header(path: Path) -> list[str]:
    """The header row's names, stripped (pandas would silently rename duplicates)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        names = next(csv.reader(handle), None)
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
            raise DataError(f"not a number: {series.iloc[bad[0]]!r}", file=source, row=int(bad[0]) + 2,
                            field=column)
    infinite = np.flatnonzero(np.isinf(values))
    if infinite.size:
        raise DataError(f"not a finite number: {series.iloc[infinite[0]]!r}", file=source,
                        row=int(infinite[0]) + 2, field=column)
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
            checks.append((table_b, ~np.isnan(total) & ~np.isnan(size) & (total != size),
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


def _missing(columns: dict[str, np.ndarray], used: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per input column, the rows where it is missing and no companion supplies it (metafor's
    ``replmiss``: ``bi`` may be empty when ``n1i`` is given, and so on)."""
    missing = {name: np.isnan(columns[name]) for name in used}
    for b, n in COMPANIONS.values():
        if b in missing and n in missing:
            missing[b], missing[n] = missing[b] & missing[n], missing[n] & missing[b]
    return missing


def _row_notes(columns: dict[str, np.ndarray], used: tuple[str, ...], measure: Measure,
               result, add: float, notes: list[list[str]]) -> None:
    """Say, per row, why yi/vi is missing or which zero-cell correction was applied."""
    missing = _missing(columns, used)
    any_missing = np.logical_or.reduce(list(missing.values())) if missing else np.zeros(len(notes), bool)
    undefined = ~any_missing & (np.isnan(result.yi) | np.isnan(result.vi))
    for i in np.flatnonzero(any_missing | undefined | result.adjusted):
        if any_missing[i]:
            names = [name for name in used if missing[name][i]]
            notes[i].append(f"not computed: {', '.join(names)} missing")
        elif undefined[i]:
            notes[i].append(f"not computed: {measure.name} undefined for these values "
                            "(e.g. n too small, zero SD or zero cells without correction)")
        else:
            notes[i].append(f"added {add:g} to each cell (zero cell; metafor's add/to rule)")


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
    ri = options.pop("ri", None)
    if any("ri" in names for names in measure.inputs):
        frame = _impute_ri(frame, ri, notes)
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


# ================================================================ from_outcomes: coded rows → effects

EFFECT_COLUMNS = ["study_id", "label", "yi", "vi", "sei", "measure", "n", "outcome", "comparison",
                  "intervention_family", "condition", "design", "unit", "timepoint_weeks",
                  "derivation", "outcome_ids"]
EXCLUDED_COLUMNS = ["study_id", "outcome_ids", "reason"]
COMPARISONS = ("control", "placebo", "active", "untreated", "baseline")
MEASURES_FOR = {"control": ("MD", "SMD"), "placebo": ("MD", "SMD"), "active": ("MD", "SMD"),
                "untreated": ("MD", "SMD"), "baseline": ("MC", "SMCR")}
#: Comparisons that keep only studies whose ``comparator_family`` is one of these.
COMPARATOR_FAMILIES = {"placebo": ("placebo",), "active": ("active",),
                       "untreated": ("none", "other", "")}
CHANGE_NOTE = "change-from-baseline scores"
#: Measures for events (e.g. responders) in intervention vs control arms; the first is the default.
BINARY_MEASURES = ("RR", "OR", "RD")
PAIRED_DESIGNS = ("rct_split_scalp",)
NEEDED_OUTCOME_COLUMNS = ("outcome_id", "study_id", "arm", "arm_role", "intervention_family",
                          "outcome", "unit", "timepoint", "timepoint_weeks", "n", "mean", "sd")


@dataclass(frozen=True)
class EffectTable:
    """Effects for one outcome and comparison, the rows that could not be used, and why.

    ``effects`` has :data:`EFFECT_COLUMNS` (one row per study, or per arm for ``baseline``);
    ``excluded`` has :data:`EXCLUDED_COLUMNS`; ``notes`` says how the measure was chosen and
    any caveat that applies to the whole table.
    """

    effects: pd.DataFrame
    excluded: pd.DataFrame
    measure: str
    comparison: str
    outcome: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ArmValues:
    """One arm at one timepoint: n, a mean and SD (verbatim or derived), the change scores."""

    ids: tuple[str, ...]
    n: float
    mean: float
    sd: float
    change_mean: float
    change_sd: float
    unit: str
    notes: tuple[str, ...]
    events: float = math.nan

    @property
    def has_final(self) -> bool:
        return _finite(self.n, self.mean, self.sd)

    @property
    def has_change(self) -> bool:
        return _finite(self.n, self.change_mean, self.change_sd)

    @property
    def has_events(self) -> bool:
        return _finite(self.n, self.events)


@dataclass(frozen=True)
class Candidate:
    """A usable pairing: (intervention, control) arms or (follow-up, baseline) of one arm."""

    study: dict
    first: ArmValues
    second: ArmValues
    paired: bool
    weeks: float
    arm_label: str
    #: A mean difference with its SE derived from an exact p-value (when the arms lack SDs).
    md: float = math.nan
    md_se: float = math.nan
    md_note: str = ""


def _finite(*values: float) -> bool:
    return all(v is not None and isinstance(v, (int, float, np.floating)) and math.isfinite(v)
               for v in values)


def _num(row: dict, column: str) -> float:
    """A numeric cell of a coded row (absent or empty → NaN)."""
    value = row.get(column, math.nan)
    try:
        return float(value) if value not in (None, "") else math.nan
    except (TypeError, ValueError):
        return math.nan


def _text(row: dict, column: str) -> str:
    value = row.get(column, "")
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()


def _sd_from_spread(row: dict, n: float) -> derive.Derived | derive.DerivedMeanSD | None:
    """An SD (or mean and SD) from SE, CI, or median with IQR/range — the first one reported."""
    g = {c: _num(row, c) for c in ("se", "ci_low", "ci_high", "ci_level", "median", "q1", "q3",
                                   "min", "max")}
    if _finite(g["se"]):
        return derive.sd_from_se(g["se"], n)
    if _finite(g["ci_low"], g["ci_high"]):
        level = g["ci_level"] if _finite(g["ci_level"]) else 95
        return derive.sd_from_ci(g["ci_low"], g["ci_high"], n, level=level, dist="t")
    if _finite(g["median"], g["q1"], g["q3"], g["min"], g["max"]):
        return derive.mean_sd_from_five_numbers(g["min"], g["q1"], g["median"], g["q3"], g["max"], n)
    if _finite(g["median"], g["q1"], g["q3"]):
        return derive.mean_sd_from_median_iqr(g["q1"], g["median"], g["q3"], n)
    if _finite(g["median"], g["min"], g["max"]):
        return derive.mean_sd_from_median_range(g["min"], g["median"], g["max"], n)
    return None


def _mean_sd(row: dict) -> tuple[float, float, tuple[str, ...]]:
    """The best-reported mean and SD of one coded row: verbatim first, then derived (noted)."""
    n, mean, sd = _num(row, "n"), _num(row, "mean"), _num(row, "sd")
    if _finite(mean, sd) or not _finite(n):
        return mean, sd, ()
    got = _sd_from_spread(row, n)
    if got is None:
        return mean, sd, ()
    if isinstance(got, derive.DerivedMeanSD):
        return (mean if _finite(mean) else got.mean), got.sd, (got.note,)
    return (mean, got.value, (got.note,)) if _finite(mean) else (mean, sd, ())


def _row_values(row: dict) -> ArmValues:
    """:class:`ArmValues` of one coded row (derivations noted; the coder's own note kept)."""
    mean, sd, notes = _mean_sd(row)
    coded = _text(row, "derivation")
    return ArmValues((_text(row, "outcome_id"),), _num(row, "n"), mean, sd, _num(row, "change_mean"),
                     _num(row, "change_sd"), _text(row, "unit"),
                     ((f"coded: {coded}",) if coded else ()) + notes, _num(row, "events"))


def _combine(arms: list[ArmValues]) -> ArmValues:
    """Several arms as one group (Cochrane Table 6.5.a), for final values and change scores."""
    first = arms[0]
    for other in arms[1:]:
        n, mean, sd, note = (derive.combine_groups(first.n, first.mean, first.sd, other.n, other.mean, other.sd)
                             if first.has_final and other.has_final else (first.n + other.n, math.nan, math.nan, ""))
        cm, csd = math.nan, math.nan
        if first.has_change and other.has_change:
            _, cm, csd, note = derive.combine_groups(first.n, first.change_mean, first.change_sd,
                                                     other.n, other.change_mean, other.change_sd)
        first = ArmValues(first.ids + other.ids, n, mean, sd, cm, csd, first.unit,
                          first.notes + other.notes + ((note or "arms combined into one group",)),
                          first.events + other.events)
    return first


def _usability(row: dict) -> int:
    """Rank of a row's numbers: mean and SD > change scores > events > anything else."""
    if _finite(_num(row, "mean"), _num(row, "sd")):
        return 3
    if _finite(_num(row, "change_mean"), _num(row, "change_sd")):
        return 2
    return 1 if _finite(_num(row, "events")) else 0


def _one_row_per_arm(rows: list[dict]) -> tuple[list[dict], tuple[str, ...]]:
    """The best-reported row of each arm (several rows of one arm at one timepoint are not
    separate groups), and a note naming the rows left out."""
    best: dict[str, dict] = {}
    for row in rows:
        arm = _text(row, "arm")
        if arm not in best or _usability(row) > _usability(best[arm]):
            best[arm] = row
    dropped = [_text(r, "outcome_id") for r in rows if all(r is not b for b in best.values())]
    note = (f"several rows for one arm at this timepoint; left out {', '.join(dropped)}",) if dropped else ()
    return list(best.values()), note


def _arm_values(rows: list[dict], notes: tuple[str, ...] = ()) -> ArmValues:
    """The arm(s) in ``rows`` as one :class:`ArmValues` (combined when there are several)."""
    rows, dropped = _one_row_per_arm(rows)
    values = [_row_values(r) for r in rows]
    one = values[0] if len(values) == 1 else _combine(values)
    return replace(one, notes=notes + dropped + one.notes)


def _unusable_reason(rows: list[dict]) -> str:
    """A specific reason why coded rows give no mean and SD (or change scores)."""
    for row in rows:
        if _text(row, "not_reported").lower() == "all":
            return "outcome numbers not reported in the source (not_reported=all)"
    for row in rows:
        if not _finite(_num(row, "n")):
            return f"n not reported for arm {_text(row, 'arm') or '?'}"
    for row in rows:
        if not _finite(_num(row, "mean")) and not _finite(_num(row, "median")) \
                and not _finite(_num(row, "change_mean")) and _finite(_num(row, "p_value")):
            op = _text(row, "p_operator") or "="
            return (f"only a p-value reported (p{op}{_num(row, 'p_value'):g}"
                    f"{', ' + _text(row, 'p_comparison') if _text(row, 'p_comparison') else ''})")
    for row in rows:
        if _finite(_num(row, "change_mean")) and not _finite(_num(row, "change_sd")) \
                and not _finite(_num(row, "mean")):
            return f"change from baseline without its SD for arm {_text(row, 'arm') or '?'}"
    for row in rows:
        if not _finite(_num(row, "mean")) and not _finite(_num(row, "median")):
            if _finite(_num(row, "events")):
                return (f"event counts only for arm {_text(row, 'arm') or '?'}, with nothing "
                        "matching to compare them with")
            return f"no mean or median for arm {_text(row, 'arm') or '?'}"
    return "mean without SD, SE, CI, IQR or range (SD not derivable)"


# ---------------------------------------------------------------- choosing rows and timepoints

def _is_baseline(row: dict) -> bool:
    weeks = _num(row, "timepoint_weeks")
    return weeks == 0 or (not _finite(weeks) and _text(row, "timepoint").lower() == "baseline")


TimeKey = tuple  # (1, weeks, "") when weeks are coded, else (0, 0.0, timepoint text)


def _time_key(row: dict) -> TimeKey:
    weeks = _num(row, "timepoint_weeks")
    return (1, weeks, "") if _finite(weeks) else (0, 0.0, _text(row, "timepoint"))


def _followups(rows: list[dict]) -> dict[TimeKey, list[dict]]:
    """Follow-up rows grouped by timepoint, in file order (uncoded weeks: by timepoint text)."""
    groups: dict[TimeKey, list[dict]] = {}
    for row in rows:
        if not _is_baseline(row):
            groups.setdefault(_time_key(row), []).append(row)
    return groups


def _pick_time(keys: list[TimeKey], timepoint) -> TimeKey | None:
    """The follow-up to use: ``"last"`` = the latest coded week, else (no week coded) the last
    listed timepoint; a number = exactly that many weeks."""
    if not keys:
        return None
    if timepoint == "last":
        known = [k for k in keys if k[0] == 1]
        return max(known) if known else keys[-1]
    wanted = (1, float(timepoint), "")
    return wanted if wanted in keys else None


def _time_note(key: TimeKey, keys: list[TimeKey]) -> tuple[str, ...]:
    """Say which follow-up was taken when weeks are not coded and there was a choice."""
    if key[0] == 1 or len(keys) == 1:
        return ()
    return (f"timepoint weeks not coded; used the last listed follow-up ({key[2]!r})",)


def _no_time_reason(timepoint, what: str) -> str:
    if timepoint == "last":
        return f"no follow-up timepoint {what}"
    return f"no follow-up row at {float(timepoint):g} weeks {what}"


def _family_ok(row: dict, study: dict, family: str | None) -> bool:
    """Keep control arms always; intervention/single arms of ``family`` (or of the study's only family)."""
    if family is None or _text(row, "arm_role") == "control":
        return True
    own = _text(row, "intervention_family")
    if own:
        return own == family
    return family in _text(study, "intervention_family").split(";")


def _is_paired(study: dict, rows: list[dict]) -> bool:
    return _text(study, "design") in PAIRED_DESIGNS or any(
        _text(r, "within_person").lower() == "yes" for r in rows)


def _control_candidate(study: dict, rows: list[dict], comparison: str, timepoint) -> Candidate | str | None:
    """Intervention vs control arm(s) of one study, or the reason it cannot be used (None: not
    a controlled study for this outcome)."""
    ints = [r for r in rows if _text(r, "arm_role") == "intervention"]
    ctrls = [r for r in rows if _text(r, "arm_role") == "control"]
    if not ints:
        return None
    if not ctrls:
        return "no control-arm row for this outcome"
    wanted = COMPARATOR_FAMILIES.get(comparison)
    if wanted is not None and _text(study, "comparator_family") not in wanted:
        return (f"comparator is {_text(study, 'comparator_family') or 'not coded'}, "
                f"not {' or '.join(w or 'not coded' for w in wanted)}")
    fi, fc = _followups(ints), _followups(ctrls)
    shared = [k for k in fi if k in fc]
    key = _pick_time(shared, timepoint)
    if key is None:
        return _no_time_reason(timepoint, "shared by intervention and control arms")
    first, second = _arm_values(fi[key], _time_note(key, shared)), _arm_values(fc[key])
    if not _kinds(first, second):
        from_p = _p_value_candidate(study, fi[key], fc[key], _is_paired(study, rows), _weeks(key))
        return from_p if from_p is not None else _unusable_reason(fi[key] + fc[key])
    arms = ", ".join(dict.fromkeys(_text(r, "arm") for r in fi[key]))
    return Candidate(study, first, second, _is_paired(study, rows), _weeks(key), arms)


def _exact_p(row: dict) -> float | None:
    """An exact two-sided p-value for a between-arm comparison on this row (else None)."""
    p = _num(row, "p_value")
    if _text(row, "p_operator") not in ("", "=") or not _finite(p) or not 0 < p < 1:
        return None
    return None if "baseline" in _text(row, "p_comparison").lower() else p


def _p_value_candidate(study: dict, ints: list[dict], ctrls: list[dict], paired: bool,
                       weeks: float) -> Candidate | None:
    """Intervention arm vs the one control arm from their means (or mean changes) and an exact
    p-value for the difference: SE = |MD| / t (Cochrane Handbook 6.5.2.3)."""
    ctrls, _ = _one_row_per_arm(ctrls)
    if len(ctrls) != 1:
        return None
    ctrl = ctrls[0]
    for row in ints:
        p = _exact_p(row)
        for column in ("mean", "change_mean"):
            values = (_num(row, column), _num(ctrl, column), _num(row, "n"), _num(ctrl, "n"))
            if p is None or not _finite(*values):
                continue
            diff = values[0] - values[1]
            se = (derive.se_from_p(p, diff, n=min(values[2:])) if paired
                  else derive.se_from_p(p, diff, n=values[2], n2=values[3]))
            test = "paired t test" if paired else "two-sample t test"
            kind = f"{CHANGE_NOTE}; " if column == "change_mean" else ""
            note = f"{kind}MD {diff:g} with SE from the exact p-value ({test} assumed): {se.note}"
            return Candidate(study, _row_values(row), _row_values(ctrl), paired, weeks, _text(row, "arm"),
                             diff, se.value, note)
    return None


def _kinds(a: ArmValues, b: ArmValues) -> set[str]:
    """What two arms allow: ``continuous`` (means/SDs or change scores) and/or ``binary`` (events)."""
    kinds = set()
    if (a.has_final and b.has_final) or (a.has_change and b.has_change):
        kinds.add("continuous")
    if a.has_events and b.has_events:
        kinds.add("binary")
    return kinds


def _empty_arm() -> ArmValues:
    return ArmValues((), math.nan, math.nan, math.nan, math.nan, math.nan, "", ())


def _baseline_candidate(study: dict, rows: list[dict], timepoint) -> Candidate | str:
    """Follow-up vs baseline of one arm, or the reason it cannot be used."""
    base = [r for r in rows if _is_baseline(r)]
    follow = _followups(rows)
    key = _pick_time(list(follow), timepoint)
    if key is None:
        return _no_time_reason(timepoint, "after baseline")
    post = _arm_values(follow[key], _time_note(key, list(follow)))
    pre = _arm_values(base) if base else _empty_arm()
    if not post.has_change and not (post.has_final and pre.has_final):
        if not base and post.has_final:
            return "no baseline row and no change scores"
        return _unusable_reason(follow[key] + base)
    return Candidate(study, post, pre, True, _weeks(key), _text(rows[0], "arm"))


def _weeks(key: TimeKey) -> float:
    return key[1] if key[0] == 1 else math.nan


# ---------------------------------------------------------------- measure choice and effect sizes

def _valid_measures(comparison: str) -> tuple[str, ...]:
    return MEASURES_FOR[comparison] + (BINARY_MEASURES if comparison != "baseline" else ())


def _unit(c: Candidate) -> str:
    """The unit of a pairing ("a | b" when its two arms were coded in different units)."""
    units = list(dict.fromkeys(a.unit for a in (c.first, c.second) if a.ids))
    return " | ".join(units)


def _choose_measure(candidates: list[Candidate], comparison: str, measure: str | None,
                    outcome: str) -> tuple[str, str | None, str]:
    """(measure, unit or None, why).  Given: used as is.  Else RR when only event counts are
    usable; MD/MC when every usable row shares one unit; with several units, the standardised
    measure unless the largest one-unit group holds more usable rows than it can use."""
    if measure is not None:
        name = str(measure).upper()
        if name not in _valid_measures(comparison):
            raise UnknownNameError(f"effect measure for comparison {comparison!r}", measure,
                                   _valid_measures(comparison))
        units = {_unit(c) for c in candidates if _fits(c, comparison, name, None) is None}
        mixed = f"; units differ ({', '.join(sorted(units))}) and are pooled as they are" \
            if name in ("MD", "MC") and len(units) > 1 else ""
        return name, None, f"{name} as requested{mixed}"
    raw, standardised = MEASURES_FOR[comparison]
    continuous = [c for c in candidates if _fits(c, comparison, raw, None) is None]
    if not continuous:
        if candidates:
            return "RR", None, f"RR: the usable studies report event counts ({outcome} is binary here)"
        return raw, None, f"{raw}: no usable studies, so no unit to compare"
    counts = pd.Series([_unit(c) for c in continuous]).value_counts()
    groups = counts.iloc[sorted(range(len(counts)), key=lambda i: (-counts.iloc[i], counts.index[i]))]
    unit, size = str(groups.index[0]), int(groups.iloc[0])
    if len(groups) == 1 and unit:
        return raw, unit, f"{raw}: all {size} usable rows report {outcome} in {unit}"
    usable = sum(_fits(c, comparison, standardised, None) is None for c in continuous)
    shown = ", ".join(u or "(unit not coded)" for u in groups.index)
    if unit and size > usable:
        return raw, unit, (f"{raw} in {unit}: units differ ({shown}); {size} rows share {unit}, "
                           f"more than the {usable} {standardised} could use")
    return standardised, None, f"{standardised}: units differ or are not coded ({shown}), so effects are standardised"


def _fits(c: Candidate, comparison: str, measure: str, unit: str | None) -> str | None:
    """None when candidate ``c`` can give ``measure`` (in ``unit``, if given); else why not."""
    if unit is not None and _unit(c) != unit:
        return f"unit {_unit(c) or '(not coded)'} differs from {unit}, the unit used for {measure}"
    if comparison == "baseline":
        if measure == "SMCR" and not (c.first.has_final and c.second.has_final) and not _finite(c.second.sd):
            return "SMCR needs the baseline SD, which is not reported"
        return None
    if _finite(c.md_se) and measure == "SMD" and c.paired:
        return "a paired SMD cannot be built from a p-value without the arms' SDs"
    kinds = {"continuous"} if _finite(c.md_se) else _kinds(c.first, c.second)
    if measure in BINARY_MEASURES and "binary" not in kinds:
        return f"no event counts in both arms, which {measure} needs"
    if measure not in BINARY_MEASURES and "continuous" not in kinds:
        return f"event counts only; {measure} needs means and SDs (or change scores) in both arms"
    return None


def _compute_one(name: str, **columns: float) -> tuple[float, float]:
    yi, vi = get_measure(name).compute({k: np.array([v], dtype=float) for k, v in columns.items()})
    return float(yi[0]), float(vi[0])


def _r_note(ri: float) -> str:
    low, high = derive.CORRELATION_RANGE
    return f"ri imputed at {ri:g} (correlation not reported; re-run with ri={low:g} and {high:g} for sensitivity)"


def _binary_effect(c: Candidate, measure: str) -> tuple[float, float, float, list[str]]:
    """RR/OR/RD from event counts (metafor's zero-cell rule, said when applied)."""
    a, b = c.first, c.second
    got = get_measure(measure).detail({"ai": np.array([a.events]), "n1i": np.array([a.n]),
                                       "ci": np.array([b.events]), "n2i": np.array([b.n])})
    notes = ["added 0.5 to each cell (zero cell; metafor's add/to rule)"] if got.adjusted[0] else []
    if c.paired:
        notes.append("within-person arms analysed as independent groups (pairing of binary data "
                     "not reported; conservative)")
    return float(got.yi[0]), float(got.vi[0]), a.n + b.n, notes


def _p_value_effect(c: Candidate, measure: str) -> tuple[float, float, float, list[str]]:
    """MD (vi = SE²) or, for parallel arms, SMD with the SD implied by the SE of the difference."""
    n1, n2 = c.first.n, c.second.n
    if measure == "MD":
        return c.md, c.md_se ** 2, (min(n1, n2) if c.paired else n1 + n2), [c.md_note]
    sd = derive.sd_from_se_difference(c.md_se, n1, n2)
    yi, vi = _compute_one("SMD", m1i=c.md, sd1i=sd.value, n1i=n1, m2i=0.0, sd2i=sd.value, n2i=n2)
    return yi, vi, n1 + n2, [c.md_note, sd.note]


def _control_effect(c: Candidate, measure: str, ri: float) -> tuple[float, float, float, list[str]]:
    """yi, vi, n and notes for intervention vs control (parallel or within-person)."""
    if measure in BINARY_MEASURES:
        return _binary_effect(c, measure)
    if _finite(c.md_se):
        return _p_value_effect(c, measure)
    a, b = c.first, c.second
    change = a.has_change and b.has_change and (measure == "MD" or not (a.has_final and b.has_final))
    m1, s1, m2, s2 = ((a.change_mean, a.change_sd, b.change_mean, b.change_sd) if change
                      else (a.mean, a.sd, b.mean, b.sd))
    notes = [CHANGE_NOTE] if change else []
    if not c.paired:
        yi, vi = _compute_one(measure, m1i=m1, sd1i=s1, n1i=a.n, m2i=m2, sd2i=s2, n2i=b.n)
        return yi, vi, a.n + b.n, notes
    n = min(a.n, b.n)
    notes.append(f"within-person design (split-scalp): arms analysed as paired, n={n:g} patients; " + _r_note(ri))
    if measure == "MD":
        yi, vi = _compute_one("MC", m1i=m1, m2i=m2, sd1i=s1, sd2i=s2, ni=n, ri=ri)
    else:
        pooled = math.sqrt((s1 ** 2 + s2 ** 2) / 2)
        notes.append("paired SMD standardised by the average of the two arms' SDs (SMCR variance)")
        yi, vi = _compute_one("SMCR", m1i=m1, m2i=m2, sd1i=pooled, ni=n, ri=ri)
    return yi, vi, n, notes


def _baseline_effect(c: Candidate, measure: str, ri: float) -> tuple[float, float, float, list[str]]:
    """yi, vi, n and notes for follow-up vs baseline of one arm (MC or SMCR)."""
    post, pre = c.first, c.second
    n = post.n if _finite(post.n) else pre.n
    if post.has_change and measure == "MC":
        return post.change_mean, post.change_sd ** 2 / n, n, ["change scores as reported"]
    if post.has_change:
        if not _finite(pre.sd):
            return math.nan, math.nan, n, ["SMCR needs the baseline SD, which is not reported"]
        r, note = ri, _r_note(ri)
        if _finite(post.sd) and post.sd > 0 and pre.sd > 0:
            implied = derive.correlation_from_sds(pre.sd, post.sd, post.change_sd)
            if -1 <= implied.value <= 1:
                r, note = implied.value, implied.note
        yi, vi = _compute_one("SMCR", m1i=post.change_mean, m2i=0.0, sd1i=pre.sd, ni=n, ri=r)
        return yi, vi, n, ["change scores standardised by the baseline SD", note]
    if measure == "MC":
        yi, vi = _compute_one("MC", m1i=post.mean, m2i=pre.mean, sd1i=post.sd, sd2i=pre.sd, ni=n, ri=ri)
    else:
        yi, vi = _compute_one("SMCR", m1i=post.mean, m2i=pre.mean, sd1i=pre.sd, ni=n, ri=ri)
    notes = ["follow-up minus baseline means"] + (["standardised by the baseline SD"] if measure == "SMCR" else [])
    return yi, vi, n, notes + [_r_note(ri)]


# ---------------------------------------------------------------- from_outcomes

def _label(study: dict, arm: str, per_arm: bool) -> str:
    author, year = _text(study, "first_author"), _num(study, "year")
    base = f"{author} {year:.0f}" if author and _finite(year) else _text(study, "study_id")
    return f"{base} ({arm})" if per_arm and arm else base


def _effect_row(c: Candidate, measure: str, comparison: str, outcome: str, ri: float,
                family: str | None, per_arm: bool) -> dict:
    compute = _baseline_effect if comparison == "baseline" else _control_effect
    yi, vi, n, notes = compute(c, measure, ri)
    notes = list(c.first.notes) + list(c.second.notes) + notes
    study = c.study
    return {"study_id": study["study_id"], "label": _label(study, c.arm_label, per_arm), "yi": yi,
            "vi": vi, "sei": math.sqrt(vi) if _finite(vi) and vi >= 0 else math.nan,
            "measure": measure, "n": n, "outcome": outcome, "comparison": comparison,
            "intervention_family": family or _text(study, "intervention_family"),
            "condition": _text(study, "condition"), "design": _text(study, "design"),
            "unit": c.first.unit or c.second.unit,
            "timepoint_weeks": c.weeks,
            "derivation": "; ".join(dict.fromkeys(n for n in notes if n)),
            "outcome_ids": ";".join(c.first.ids + c.second.ids)}


def _study_results(study: dict, records: list[dict], comparison: str, timepoint) -> list[tuple]:
    """(rows, Candidate | reason | None) for one study: one pairing per arm for ``baseline``."""
    if comparison != "baseline":
        return [(records, _guarded(_control_candidate, study, records, comparison, timepoint))]
    arms: dict[str, list[dict]] = {}
    for row in records:
        if _text(row, "arm_role") in ("intervention", "single"):
            arms.setdefault(_text(row, "arm"), []).append(row)
    return [(rows, _guarded(_baseline_candidate, study, rows, timepoint)) for rows in arms.values()]


def _candidates(rows: pd.DataFrame, studies: dict[str, dict], comparison: str, timepoint,
                family: str | None) -> tuple[list[Candidate], list[dict]]:
    """Usable pairings and excluded rows (with reasons) across all studies."""
    found, excluded = [], []
    by_study: dict[str, list[dict]] = {}
    for record in rows.to_dict("records"):  # once: per-group to_dict is slow in pandas 3
        by_study.setdefault(record["study_id"], []).append(record)
    for study_id in sorted(by_study):
        study = studies.get(study_id, {"study_id": study_id})
        records = [r for r in by_study[study_id] if _family_ok(r, study, family)]
        for used, result in _study_results(study, records, comparison, timepoint):
            if isinstance(result, Candidate):
                found.append(result)
            elif isinstance(result, str):
                ids = ";".join(_text(r, "outcome_id") for r in used)
                excluded.append({"study_id": study_id, "outcome_ids": ids, "reason": result})
    return found, excluded


def _guarded(build, *args):
    """``build(*args)``; a derivation that fails on the coded values becomes an exclusion reason."""
    try:
        return build(*args)
    except DataError as exc:
        return f"cannot derive mean/SD from the coded values ({exc})"


def _check_inputs(outcomes: pd.DataFrame, comparison: str, timepoint) -> None:
    if comparison not in COMPARISONS:
        raise UnknownNameError("comparison", comparison, COMPARISONS)
    missing = [c for c in NEEDED_OUTCOME_COLUMNS if c not in outcomes.columns]
    if missing:
        raise DataError("missing column in the outcomes table", file="outcomes", row=1, field=missing[0])
    if timepoint != "last":
        try:
            float(timepoint)
        except (TypeError, ValueError):
            raise UnknownNameError("timepoint", str(timepoint), ("last", "<weeks, e.g. 24>")) from None


def _study_rows(studies: pd.DataFrame, condition: str | None) -> dict[str, dict]:
    records = studies.to_dict("records")
    return {r["study_id"]: r for r in records if condition is None or _text(r, "condition") == condition}


def from_outcomes(outcomes: pd.DataFrame | None = None, studies: pd.DataFrame | None = None, *,
                  outcome: str, comparison: str, intervention_family: str | None = None,
                  condition: str | None = None, measure: str | None = None,
                  ri: float = derive.DEFAULT_CORRELATION, timepoint="last") -> EffectTable:
    """Coded outcome rows → one effect per study (per arm for ``baseline``) for one outcome.

    Parameters
    ----------
    outcomes, studies : the coded tables (default: the shipped ``data/outcomes.csv`` and
        ``data/studies.csv`` via :mod:`evidence.outcomes`).
    outcome : the outcome vocabulary term, e.g. ``"hair_density"``.
    comparison : ``"control"`` (intervention vs control arm of the same study, any comparator);
        ``"placebo"``, ``"active"`` or ``"untreated"`` (the same, only studies whose
        comparator_family is placebo; active; none/other) or ``"baseline"`` (follow-up vs
        baseline within each intervention/single arm).
    intervention_family, condition : filters (``"prp"``, ``"aga_male"``…); None keeps all.
    measure : MD or SMD for control/placebo, MC or SMCR for baseline; None chooses the raw
        measure when every usable row shares one unit, else the standardised one (said in notes).
    ri : correlation imputed for paired data (within-person designs, pre–post) when not
        reported; :data:`evidence.derive.CORRELATION_RANGE` is the suggested sensitivity range.
    timepoint : ``"last"`` (latest follow-up shared by the arms) or a number of weeks.

    Notes
    -----
    Per arm, the best-reported form is used: mean and SD as reported; else SD from SE, from a
    t-based CI, or mean and SD from median with IQR/range (see :mod:`evidence.derive`).  For
    control comparisons change scores are used when both arms report them (MD; for SMD only
    when final values are missing, to avoid mixing scales); several intervention (or control)
    arms are combined (Cochrane Table 6.5.a).  Split-scalp designs are paired: MD uses the MC
    variance and SMD the SMCR variance with the imputed ``ri``.  Every derivation is written to
    the row's ``derivation``; rows that cannot be used go to ``excluded`` with the reason.
    """
    outcomes, studies = _default_tables(outcomes, studies)
    _check_inputs(outcomes, comparison, timepoint)
    chosen = _study_rows(studies, condition)
    rows = outcomes[outcomes["outcome"] == outcome]
    if condition is not None:  # studies missing from the studies table are kept unless filtering
        rows = rows[rows["study_id"].isin(chosen)]
    found, excluded = _candidates(rows, chosen, comparison, timepoint, intervention_family)
    name, unit, why = _choose_measure(found, comparison, measure, outcome)
    found = _drop_misfits(found, excluded, comparison, name, unit)
    counts = pd.Series([c.study["study_id"] for c in found]).value_counts()
    effects = [_effect_row(c, name, comparison, outcome, ri, intervention_family,
                           comparison == "baseline" or counts[c.study["study_id"]] > 1) for c in found]
    notes = [why] + _table_notes(effects, name)
    effects, excluded = _split_uncomputable(effects, excluded)
    return EffectTable(pd.DataFrame(effects, columns=EFFECT_COLUMNS),
                       pd.DataFrame(excluded, columns=EXCLUDED_COLUMNS), name, comparison, outcome,
                       tuple(notes))


def _drop_misfits(found: list[Candidate], excluded: list[dict], comparison: str,
                  measure: str, unit: str | None) -> list[Candidate]:
    """Candidates that can give ``measure``; the others go to ``excluded`` with the reason."""
    keep = []
    for c in found:
        reason = _fits(c, comparison, measure, unit)
        if reason is None:
            keep.append(c)
        else:
            excluded.append({"study_id": c.study["study_id"], "outcome_ids": ";".join(c.first.ids + c.second.ids),
                             "reason": reason})
    return keep


def _default_tables(outcomes, studies) -> tuple[pd.DataFrame, pd.DataFrame]:
    if outcomes is None or studies is None:
        from evidence.outcomes import load_outcomes, load_studies
        outcomes = load_outcomes() if outcomes is None else outcomes
        studies = load_studies() if studies is None else studies
    return outcomes, studies


def _table_notes(effects: list[dict], measure: str) -> list[str]:
    """Caveats for the whole table: SMD mixing change and final values, imputed correlations."""
    notes = []
    change = sum(CHANGE_NOTE in e["derivation"] for e in effects)
    if measure == "SMD" and 0 < change < len(effects):
        notes.append(f"{change} of {len(effects)} SMDs use change scores and the rest final values: "
                     "their SDs differ in meaning (Cochrane Handbook 10.5.2)")
    if any("ri imputed" in e["derivation"] for e in effects):
        low, high = derive.CORRELATION_RANGE
        notes.append(f"some variances rest on an imputed correlation; check ri={low:g} and ri={high:g}")
    return notes


def _split_uncomputable(effects: list[dict], excluded: list[dict]) -> tuple[list[dict], list[dict]]:
    """Rows whose yi or vi came out undefined move to ``excluded`` with their note."""
    keep = []
    for e in effects:
        if _finite(e["yi"], e["vi"]) and e["vi"] > 0:
            keep.append(e)
        else:
            excluded.append({"study_id": e["study_id"], "outcome_ids": e["outcome_ids"],
                             "reason": "effect undefined for these values: " + (e["derivation"] or "zero or missing variance")})
    return keep, excluded
