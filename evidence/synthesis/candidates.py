"""Candidate contrasts of one study: the intervention and control arms (or baseline and follow-up of
one arm) with their numbers at the chosen timepoint, or the reason none can be formed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hairmeta.evidence.meta import derive
from hairmeta.evidence.synthesis.arms import (
    ArmValues,
    arm_values,
    cell_number,
    cell_text,
    empty_arm,
    exact_p,
    finite,
    followups,
    is_baseline,
    key_weeks,
    no_time_reason,
    one_row_per_arm,
    pick_time,
    row_values,
    time_note,
    unusable_reason,
    value_kinds,
)
from hairmeta.evidence.tables.vocab import COMPARISON_INFO, PAIRED_DESIGNS

#: The note that marks an effect computed from change-from-baseline scores.
CHANGE_NOTE = "change-from-baseline scores"


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


def family_ok(row: dict, study: dict, family: str | None) -> bool:
    """Keep control arms always; intervention/single arms of ``family`` (or of the study's only family)."""
    if family is None or cell_text(row, "arm_role") == "control":
        return True
    own = cell_text(row, "intervention_family")
    if own:
        return own == family
    return family in cell_text(study, "intervention_family").split(";")


def is_paired(study: dict, rows: list[dict]) -> bool:
    return cell_text(study, "design") in PAIRED_DESIGNS or any(
        cell_text(r, "within_person").lower() == "yes" for r in rows
    )


def control_candidate(study: dict, rows: list[dict], comparison: str, timepoint) -> Candidate | str | None:
    """Intervention vs control arm(s) of one study, or the reason it cannot be used (None: not
    a controlled study for this outcome)."""
    ints = [r for r in rows if cell_text(r, "arm_role") == "intervention"]
    ctrls = [r for r in rows if cell_text(r, "arm_role") == "control"]
    if not ints:
        return None
    if not ctrls:
        return "no control-arm row for this outcome"
    wanted = COMPARISON_INFO[comparison].comparator_families if comparison in COMPARISON_INFO else None
    if wanted is not None and cell_text(study, "comparator_family") not in wanted:
        return (
            f"comparator is {cell_text(study, 'comparator_family') or 'not coded'}, "
            f"not {' or '.join(w or 'not coded' for w in wanted)}"
        )
    fi, fc = followups(ints), followups(ctrls)
    shared = [k for k in fi if k in fc]
    key = pick_time(shared, timepoint)
    if key is None:
        return no_time_reason(timepoint, "shared by intervention and control arms")
    first, second = arm_values(fi[key], time_note(key, shared)), arm_values(fc[key])
    if not value_kinds(first, second):
        from_p = p_value_candidate(study, fi[key], fc[key], is_paired(study, rows), key_weeks(key))
        return from_p if from_p is not None else unusable_reason(fi[key] + fc[key])
    arms = ", ".join(dict.fromkeys(cell_text(r, "arm") for r in fi[key]))
    return Candidate(study, first, second, is_paired(study, rows), key_weeks(key), arms)


def p_value_candidate(study: dict, ints: list[dict], ctrls: list[dict], paired: bool, weeks: float) -> Candidate | None:
    """Intervention arm vs the one control arm from their means (or mean changes) and an exact
    p-value for the difference: SE = |MD| / t (Cochrane Handbook 6.5.2.3)."""
    ctrls, _ = one_row_per_arm(ctrls)
    if len(ctrls) != 1:
        return None
    ctrl = ctrls[0]
    for row in ints:
        p = exact_p(row)
        for column in ("mean", "change_mean"):
            values = (
                cell_number(row, column),
                cell_number(ctrl, column),
                cell_number(row, "n"),
                cell_number(ctrl, "n"),
            )
            if p is None or not finite(*values):
                continue
            diff = values[0] - values[1]
            se = (
                derive.se_from_p(p, diff, n=min(values[2:]))
                if paired
                else derive.se_from_p(p, diff, n=values[2], n2=values[3])
            )
            test = "paired t test" if paired else "two-sample t test"
            kind = f"{CHANGE_NOTE}; " if column == "change_mean" else ""
            note = f"{kind}MD {diff:g} with SE from the exact p-value ({test} assumed): {se.note}"
            return Candidate(
                study, row_values(row), row_values(ctrl), paired, weeks, cell_text(row, "arm"), diff, se.value, note
            )
    return None


def baseline_candidate(study: dict, rows: list[dict], timepoint) -> Candidate | str:
    """Follow-up vs baseline of one arm, or the reason it cannot be used."""
    base = [r for r in rows if is_baseline(r)]
    follow = followups(rows)
    key = pick_time(list(follow), timepoint)
    if key is None:
        return no_time_reason(timepoint, "after baseline")
    post = arm_values(follow[key], time_note(key, list(follow)))
    pre = arm_values(base) if base else empty_arm()
    if not post.has_change and not (post.has_final and pre.has_final):
        if not base and post.has_final:
            return "no baseline row and no change scores"
        return unusable_reason(follow[key] + base)
    return Candidate(study, post, pre, True, key_weeks(key), cell_text(rows[0], "arm"))
