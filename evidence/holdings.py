"""What the shipped data holds: files, rows and studies per intervention family."""

from __future__ import annotations

import pandas as pd

from evidence.paths import data_dir


def holdings() -> pd.DataFrame:
    """One row per shipped CSV file: its name, row count and, where present, distinct studies."""
    rows = []
    for path in sorted(data_dir().glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        studies = frame["study_id"].nunique() if "study_id" in frame.columns else None
        rows.append({"file": path.name, "rows": len(frame), "studies": studies})
    return pd.DataFrame(rows, columns=["file", "rows", "studies"])
