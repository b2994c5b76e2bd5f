"""Editing the coded tables: new outcome rows checked as ``outcomes check`` would, numbered, and appended
atomically; interactive entry validates each field as it is typed.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.paths import data_file, is_shipped, write_atomic
from hairmeta.evidence.tables.check import Problem, _check_arm_links, _check_one
from hairmeta.evidence.tables.load import (
    _sibling,
    load_arms,
    load_outcomes,
    load_studies,
    parse_number,
    read_csv_text,
    row_dicts,
)
from hairmeta.evidence.tables.vocab import (
    ARM_FAMILIES,
    ARM_ROLES,
    OUTCOME_COLUMNS,
    OUTCOME_NUMERIC,
    OUTCOMES,
    P_OPERATORS,
    PROVENANCE,
    WITHIN_PERSON,
)


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
        problems, frame = _check_one("outcomes", candidate, _study_ids(path))
    arms_path = _sibling(path, "arms.csv")
    if frame is not None and arms_path.is_file():  # the cross-table check `outcomes check` makes
        problems = problems + _check_arm_links(frame, load_arms(arms_path), str(candidate))
    first_new = len(existing) + 2
    found = [
        Problem(str(path), p.row, p.column, p.message, p.level)
        for p in problems
        if p.level == "error" and p.row >= first_new
    ]
    return text, found, len(new)


def check_new_rows(rows: pd.DataFrame | list[dict], path: str | Path | None = None) -> list[Problem]:
    """Every error the rows would cause if appended to ``path`` (default: the shipped
    outcomes.csv), with the line numbers they would get; nothing is written."""
    path = Path(path) if path is not None else data_file("outcomes.csv")
    return _candidate(rows, path)[1]


def append_outcomes(
    rows: pd.DataFrame | list[dict], path: str | Path | None = None, *, origin: str | Path | None = None
) -> int:
    """Append validated rows to ``outcomes.csv`` (default: the review's, never the shipped file); return how many.

    The new rows are checked together with the existing table (and the ``studies.csv`` beside
    it, else the shipped one) by :func:`check_tables` on a temporary copy; any error-level
    problem raises ``DataError`` naming the first one (line numbers as the rows would have in
    the file) and nothing is written.  The write is atomic: the old file stays intact until
    ``os.replace`` swaps in the complete new one.  Missing ``outcome_id`` s are assigned.
    With ``origin`` (the CSV the rows came from), errors name that file and its line numbers.
    """
    path = Path(path) if path is not None else data_file("outcomes.csv")
    if is_shipped(path):
        raise DataError(
            "the tables shipped with hairmeta are never written; add rows to your workspace (hairmeta init)",
            file=str(path),
        )
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


#: Fields asked by :func:`prompt_row`, in order.  Statistics may be left empty.
PROMPT_FIELDS = tuple(c for c in OUTCOME_COLUMNS if c != "outcome_id")


_CHOICES = {
    "arm_role": ARM_ROLES,
    "intervention_family": ARM_FAMILIES,
    "outcome": OUTCOMES,
    "p_operator": P_OPERATORS,
    "within_person": WITHIN_PERSON,
}


_REQUIRED = ("study_id", "arm", "arm_role", "intervention_family", "outcome") + PROVENANCE


#: study_id -> arm -> that arm's row of arms.csv (``arm_role``, ``intervention_family``, …).
ArmIndex = dict[str, dict[str, dict]]


def arm_index(arms_path: str | Path) -> ArmIndex:
    """The arms each study lists in ``arms.csv`` (an outcome row must name one of them)."""
    index: ArmIndex = {}
    for row in row_dicts(load_arms(arms_path)):
        index.setdefault(row["study_id"], {})[row["arm"]] = row
    return index


def _arm_problem(column: str, value: str, row: dict[str, str], arms: ArmIndex) -> str | None:
    """The arm (and its role and family) must be those arms.csv gives for the study, if it lists any."""
    listed = arms.get(row.get("study_id", ""), {})
    if not listed:
        return None
    if column == "arm" and value not in listed:
        return f"not an arm of {row['study_id']} in arms.csv; its arms: {', '.join(sorted(listed))}"
    arm = listed.get(row.get("arm", ""))
    if column in ("arm_role", "intervention_family") and arm is not None and value != arm[column]:
        return f"arms.csv gives {arm[column]!r} for arm {row['arm']!r} of {row['study_id']}"
    return None


def validate_field(
    column: str,
    value: str,
    study_ids: set[str] | None = None,
    row: dict[str, str] | None = None,
    arms: ArmIndex | None = None,
) -> str | None:
    """The reason ``value`` is not acceptable for ``column`` (``None`` when it is).

    With ``row`` (the fields entered so far) and ``arms`` (:func:`arm_index`), the arm, its role
    and its family are checked against ``arms.csv`` as ``outcomes check`` does.
    """
    value = value.strip()
    if column in _REQUIRED and not value:
        return f"{column} is required"
    if column == "study_id" and study_ids is not None and value not in study_ids:
        return f"unknown study id {value!r} (add it to studies.csv first)"
    if arms is not None and row is not None and column in ("arm", "arm_role", "intervention_family"):
        problem = _arm_problem(column, value, row, arms)
        if problem is not None:
            return problem
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


def _hint(column: str, row: dict[str, str], arms: ArmIndex | None) -> str:
    listed = (arms or {}).get(row.get("study_id", ""), {})
    if column == "arm" and listed:
        return "/".join(sorted(listed))
    if column in ("arm_role", "intervention_family") and row.get("arm") in listed:
        return listed[row["arm"]][column]
    return "/".join(v or "''" for v in _CHOICES[column]) if column in _CHOICES else ""


def _ask_valid(ask, column: str, hint: str, row: dict[str, str], study_ids, arms, report) -> str:
    """Ask ``column`` until its value passes :func:`validate_field`."""
    while True:
        value = ask(column, hint).strip()
        problem = validate_field(column, value, study_ids, row, arms)
        if problem is None:
            return value
        report(f"{column}: {problem}")


def prompt_row(
    ask: Callable[[str, str], str],
    study_ids: set[str] | None = None,
    report: Callable[[str], None] = lambda message: None,
    *,
    arms: ArmIndex | None = None,
) -> dict[str, str]:
    """Build one outcome row by asking field after field, re-asking until each value is valid.

    ``ask(column, hint)`` returns the user's text for ``column``; ``report(message)`` shows a
    validation message at the field.  With ``arms`` (:func:`arm_index`) the arm must be one the
    study lists in arms.csv, with that arm's role and family.  A ``KeyboardInterrupt`` (or any
    exception) in ``ask`` propagates and, since nothing is written here, leaves every file untouched.
    """
    row: dict[str, str] = {}
    for column in PROMPT_FIELDS:
        row[column] = _ask_valid(ask, column, _hint(column, row, arms), row, study_ids, arms, report)
    return row


#: What the user types, in :func:`correct_row`, to give up on the row (nothing is written).
GIVE_UP = "q"
#: What the user types, in :func:`correct_row`, to empty a field.
EMPTY = "-"


def correct_row(
    ask: Callable[[str, str], str],
    row: dict[str, str],
    problems_of: Callable[[dict[str, str]], list[Problem]],
    report: Callable[[str], None] = lambda message: None,
    *,
    study_ids: set[str] | None = None,
    arms: ArmIndex | None = None,
) -> dict[str, str] | None:
    """Let the user correct a typed row until ``problems_of(row)`` (the table check) finds none.

    Nothing typed is thrown away: each problem is shown at its field (``column: message``, no
    line numbers: the row is not in any file yet); the user names the field to change (Enter =
    the first problem's field; another field, e.g. ``quote``, is fine), then its new value (Enter
    keeps the value, ``-`` empties it).  Returns the corrected row, or ``None`` when the user
    types ``q`` (give up: nothing is written).
    """
    row = dict(row)
    problems = problems_of(row)
    while problems:
        for problem in problems:
            report(f"{problem.column}: {problem.message}")
        first = problems[0].column if problems[0].column in PROMPT_FIELDS else PROMPT_FIELDS[0]
        column = ask("field to correct", f"Enter = {first}, {GIVE_UP} = give up").strip() or first
        if column == GIVE_UP:
            return None
        if column not in PROMPT_FIELDS:
            report(f"{column}: not a field of an outcome row ({', '.join(PROMPT_FIELDS)})")
            continue
        hint = f"now {row[column]!r}; Enter keeps it, {EMPTY} empties it"
        while True:
            answer = ask(column, hint).strip()
            value = row[column] if answer == "" else ("" if answer == EMPTY else answer)
            problem = validate_field(column, value, study_ids, row, arms)
            if problem is None:
                break
            report(f"{column}: {problem}")
        row[column] = value
        problems = problems_of(row)
    return row


def enter_row(
    ask: Callable[[str, str], str],
    outcomes_path: str | Path,
    report: Callable[[str], None] = lambda message: None,
) -> dict[str, str] | None:
    """One new outcome row typed by a person for ``outcomes_path``: each field checked as it is
    entered (:func:`prompt_row`, against the studies and arms beside the file), then the whole row
    checked as ``outcomes check`` would and corrected field by field (:func:`correct_row`).
    Returns a row that :func:`append_outcomes` will accept, or ``None`` if the user gave up."""
    outcomes_path = Path(outcomes_path)
    study_ids = _study_ids(outcomes_path)
    arms_path = _sibling(outcomes_path, "arms.csv")
    arms = arm_index(arms_path) if arms_path.is_file() else None
    row = prompt_row(ask, study_ids, report, arms=arms)
    return correct_row(
        ask, row, lambda typed: check_new_rows([typed], outcomes_path), report, study_ids=study_ids, arms=arms
    )


def read_new_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a CSV to append (text cells); its columns must be outcome columns."""
    frame = read_csv_text(path)
    for column in frame.columns:
        if column not in OUTCOME_COLUMNS:
            raise DataError("unknown column (see data/README.md)", file=str(path), row=1, field=str(column))
    return frame.to_dict(orient="records")
