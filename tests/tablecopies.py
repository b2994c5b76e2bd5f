"""Helpers for tests that work on private copies of the coded tables (tests never touch data/)."""

import csv
from pathlib import Path

TABLES = ("studies.csv", "arms.csv", "outcomes.csv", "published_meta_analyses.csv")


def edit(path: Path, key_column: str, key: str, **changes: str) -> int:
    """Change cells of the row whose ``key_column`` is ``key``; return its line number."""
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    fields = list(rows[0].keys())
    index = next(i for i, r in enumerate(rows) if r[key_column] == key)
    rows[index].update(changes)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return index + 2


def new_row(**changes) -> dict:
    row = {
        "study_id": "wan2025",
        "arm": "exosome",
        "arm_role": "single",
        "intervention_family": "exosome",
        "outcome": "hair_density",
        "unit": "hairs/cm2",
        "timepoint": "12 months",
        "timepoint_weeks": 52,
        "n": 16,
        "change_mean": 35.0,
        "change_sd": 6.5,
        "source": "https://m.booksci.cn/literature/143717895.htm",
        "location": "abstract",
        "coder": "test",
        "quote": "At the 12-month follow-up, the average increase in hair density was 35 hairs/cm2, with a standard deviation of 6.5 in 16 patients",
    }
    row.update(changes)
    return row
