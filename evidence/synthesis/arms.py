"""One arm's numbers from the coded outcome rows: mean and SD as reported or derived, arms combined, timepoints chosen.

Used by :mod:`hairmeta.evidence.synthesis.contrasts`; every derivation is kept as a note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from hairmeta.evidence.meta import derive


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
        return finite(self.n, self.mean, self.sd)

    @property
    def has_change(self) -> bool:
        return finite(self.n, self.change_mean, self.change_sd)

    @property
    def has_events(self) -> bool:
        return finite(self.n, self.events)


def finite(*values: float) -> bool:
    return all(v is not None and isinstance(v, (int, float, np.floating)) and math.isfinite(v) for v in values)


def cell_number(row: dict, column: str) -> float:
    """A numeric cell of a coded row (absent or empty → NaN)."""
    value = row.get(column, math.nan)
    try:
        return float(value) if value not in (None, "") else math.nan
    except (TypeError, ValueError):
        return math.nan


def cell_text(row: dict, column: str) -> str:
    value = row.get(column, "")
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()


def sd_from_spread(row: dict, n: float) -> derive.Derived | derive.DerivedMeanSD | None:
    """An SD (or mean and SD) from SE, CI, or median with IQR/range — the first one reported."""
    g = {c: cell_number(row, c) for c in ("se", "ci_low", "ci_high", "ci_level", "median", "q1", "q3", "min", "max")}
    if finite(g["se"]):
        return derive.sd_from_se(g["se"], n)
    if finite(g["ci_low"], g["ci_high"]):
        level = g["ci_level"] if finite(g["ci_level"]) else 95
        return derive.sd_from_ci(g["ci_low"], g["ci_high"], n, level=level, dist="t")
    if finite(g["median"], g["q1"], g["q3"], g["min"], g["max"]):
        return derive.mean_sd_from_five_numbers(g["min"], g["q1"], g["median"], g["q3"], g["max"], n)
    if finite(g["median"], g["q1"], g["q3"]):
        return derive.mean_sd_from_median_iqr(g["q1"], g["median"], g["q3"], n)
    if finite(g["median"], g["min"], g["max"]):
        return derive.mean_sd_from_median_range(g["min"], g["median"], g["max"], n)
    return None


def mean_sd(row: dict) -> tuple[float, float, tuple[str, ...]]:
    """The best-reported mean and SD of one coded row: verbatim first, then derived (noted)."""
    n, mean, sd = cell_number(row, "n"), cell_number(row, "mean"), cell_number(row, "sd")
    if finite(mean, sd) or not finite(n):
        return mean, sd, ()
    got = sd_from_spread(row, n)
    if got is None:
        return mean, sd, ()
    if isinstance(got, derive.DerivedMeanSD):
        return (mean if finite(mean) else got.mean), got.sd, (got.note,)
    return (mean, got.value, (got.note,)) if finite(mean) else (mean, sd, ())


def row_values(row: dict) -> ArmValues:
    """:class:`ArmValues` of one coded row (derivations noted; the coder's own note kept)."""
    mean, sd, notes = mean_sd(row)
    coded = cell_text(row, "derivation")
    return ArmValues(
        (cell_text(row, "outcome_id"),),
        cell_number(row, "n"),
        mean,
        sd,
        cell_number(row, "change_mean"),
        cell_number(row, "change_sd"),
        cell_text(row, "unit"),
        ((f"coded: {coded}",) if coded else ()) + notes,
        cell_number(row, "events"),
    )


def combine_arms(arms: list[ArmValues]) -> ArmValues:
    """Several arms as one group (Cochrane Table 6.5.a), for final values and change scores."""
    first = arms[0]
    for other in arms[1:]:
        n, mean, sd, note = (
            derive.combine_groups(first.n, first.mean, first.sd, other.n, other.mean, other.sd)
            if first.has_final and other.has_final
            else (first.n + other.n, math.nan, math.nan, "")
        )
        cm, csd = math.nan, math.nan
        if first.has_change and other.has_change:
            _, cm, csd, note = derive.combine_groups(
                first.n, first.change_mean, first.change_sd, other.n, other.change_mean, other.change_sd
            )
        first = ArmValues(
            first.ids + other.ids,
            n,
            mean,
            sd,
            cm,
            csd,
            first.unit,
            first.notes + other.notes + ((note or "arms combined into one group",)),
            first.events + other.events,
        )
    return first


def usability(row: dict) -> int:
    """Rank of a row's numbers: mean and SD > change scores > events > anything else."""
    if finite(cell_number(row, "mean"), cell_number(row, "sd")):
        return 3
    if finite(cell_number(row, "change_mean"), cell_number(row, "change_sd")):
        return 2
    return 1 if finite(cell_number(row, "events")) else 0


def one_row_per_arm(rows: list[dict]) -> tuple[list[dict], tuple[str, ...]]:
    """The best-reported row of each arm (several rows of one arm at one timepoint are not
    separate groups), and a note naming the rows left out."""
    best: dict[str, dict] = {}
    for row in rows:
        arm = cell_text(row, "arm")
        if arm not in best or usability(row) > usability(best[arm]):
            best[arm] = row
    dropped = [cell_text(r, "outcome_id") for r in rows if all(r is not b for b in best.values())]
    note = (f"several rows for one arm at this timepoint; left out {', '.join(dropped)}",) if dropped else ()
    return list(best.values()), note


def arm_values(rows: list[dict], notes: tuple[str, ...] = ()) -> ArmValues:
    """The arm(s) in ``rows`` as one :class:`ArmValues` (combined when there are several)."""
    rows, dropped = one_row_per_arm(rows)
    values = [row_values(r) for r in rows]
    one = values[0] if len(values) == 1 else combine_arms(values)
    return replace(one, notes=notes + dropped + one.notes)


def unusable_reason(rows: list[dict]) -> str:
    """A specific reason why coded rows give no mean and SD (or change scores)."""
    for row in rows:
        if cell_text(row, "not_reported").lower() == "all":
            return "outcome numbers not reported in the source (not_reported=all)"
    for row in rows:
        if not finite(cell_number(row, "n")):
            return f"n not reported for arm {cell_text(row, 'arm') or '?'}"
    for row in rows:
        if (
            not finite(cell_number(row, "mean"))
            and not finite(cell_number(row, "median"))
            and not finite(cell_number(row, "change_mean"))
            and finite(cell_number(row, "p_value"))
        ):
            op = cell_text(row, "p_operator") or "="
            return (
                f"only a p-value reported (p{op}{cell_number(row, 'p_value'):g}"
                f"{', ' + cell_text(row, 'p_comparison') if cell_text(row, 'p_comparison') else ''})"
            )
    for row in rows:
        if (
            finite(cell_number(row, "change_mean"))
            and not finite(cell_number(row, "change_sd"))
            and not finite(cell_number(row, "mean"))
        ):
            return f"change from baseline without its SD for arm {cell_text(row, 'arm') or '?'}"
    for row in rows:
        if not finite(cell_number(row, "mean")) and not finite(cell_number(row, "median")):
            if finite(cell_number(row, "events")):
                return (
                    f"event counts only for arm {cell_text(row, 'arm') or '?'}, with nothing "
                    "matching to compare them with"
                )
            return f"no mean or median for arm {cell_text(row, 'arm') or '?'}"
    return "mean without SD, SE, CI, IQR or range (SD not derivable)"


def is_baseline(row: dict) -> bool:
    weeks = cell_number(row, "timepoint_weeks")
    return weeks == 0 or (not finite(weeks) and cell_text(row, "timepoint").lower() == "baseline")


TimeKey = tuple  # (1, weeks, "") when weeks are coded, else (0, 0.0, timepoint text)


def time_key(row: dict) -> TimeKey:
    weeks = cell_number(row, "timepoint_weeks")
    return (1, weeks, "") if finite(weeks) else (0, 0.0, cell_text(row, "timepoint"))


def followups(rows: list[dict]) -> dict[TimeKey, list[dict]]:
    """Follow-up rows grouped by timepoint, in file order (uncoded weeks: by timepoint text)."""
    groups: dict[TimeKey, list[dict]] = {}
    for row in rows:
        if not is_baseline(row):
            groups.setdefault(time_key(row), []).append(row)
    return groups


def pick_time(keys: list[TimeKey], timepoint) -> TimeKey | None:
    """The follow-up to use: ``"last"`` = the latest coded week, else (no week coded) the last
    listed timepoint; a number = exactly that many weeks."""
    if not keys:
        return None
    if timepoint == "last":
        known = [k for k in keys if k[0] == 1]
        return max(known) if known else keys[-1]
    wanted = (1, float(timepoint), "")
    return wanted if wanted in keys else None


def time_note(key: TimeKey, keys: list[TimeKey]) -> tuple[str, ...]:
    """Say which follow-up was taken when weeks are not coded and there was a choice."""
    if key[0] == 1 or len(keys) == 1:
        return ()
    return (f"timepoint weeks not coded; used the last listed follow-up ({key[2]!r})",)


def no_time_reason(timepoint, what: str) -> str:
    if timepoint == "last":
        return f"no follow-up timepoint {what}"
    return f"no follow-up row at {float(timepoint):g} weeks {what}"


def exact_p(row: dict) -> float | None:
    """An exact two-sided p-value for a between-arm comparison on this row (else None)."""
    p = cell_number(row, "p_value")
    if cell_text(row, "p_operator") not in ("", "=") or not finite(p) or not 0 < p < 1:
        return None
    return None if "baseline" in cell_text(row, "p_comparison").lower() else p


def value_kinds(a: ArmValues, b: ArmValues) -> set[str]:
    """What two arms allow: ``continuous`` (means/SDs or change scores) and/or ``binary`` (events)."""
    kinds = set()
    if (a.has_final and b.has_final) or (a.has_change and b.has_change):
        kinds.add("continuous")
    if a.has_events and b.has_events:
        kinds.add("binary")
    return kinds


def empty_arm() -> ArmValues:
    return ArmValues((), math.nan, math.nan, math.nan, math.nan, math.nan, "", ())


def key_weeks(key: TimeKey) -> float:
    return key[1] if key[0] == 1 else math.nan
