"""Speed of ``check_tables`` (``hairmeta outcomes check``) on the shipped tables and on scaled copies.

The outcomes table is replicated (fresh outcome ids) to 1k, 10k and 50k rows in a temporary
directory beside copies of the other three tables; each size is checked once and timed.  The
baseline, run in the same process on the same files, is the bare cost of reading the four CSVs
as text with pandas (what any check must pay at least); the ratio says how much the checks add.

    python benchmarks/outcomes_check.py
    python benchmarks/outcomes_check.py --sizes 1000 5000
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from hairmeta.evidence.paths import data_dir
from hairmeta.evidence.tables.check import check_files, check_tables, errors_only

OTHERS = ("studies.csv", "arms.csv", "published_meta_analyses.csv")


def scaled_copy(folder: Path, rows: int) -> None:
    """The shipped tables in ``folder`` with outcomes.csv replicated to ``rows`` rows."""
    for name in OTHERS:
        shutil.copy(data_dir() / name, folder / name)
    base = pd.read_csv(data_dir() / "outcomes.csv", dtype=str, keep_default_na=False)
    big = pd.concat([base] * (rows // len(base) + 1), ignore_index=True).iloc[:rows].copy()
    big["outcome_id"] = [f"{s}-{i:06d}" for i, s in enumerate(big["study_id"])]
    big.to_csv(folder / "outcomes.csv", index=False)


def timed(func) -> tuple[float, object]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def read_only(folder: Path) -> None:
    for name in OTHERS + ("outcomes.csv",):
        pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def run(sizes: list[int]) -> None:
    seconds, problems = timed(lambda: check_tables())
    base, _ = timed(lambda: read_only(data_dir()))
    print(
        f"shipped tables: check {seconds:.3f} s ({len(errors_only(problems))} errors, "
        f"{len(problems)} lines); read-only baseline {base:.3f} s; ratio {seconds / base:.1f}x"
    )
    for rows in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            scaled_copy(folder, rows)
            seconds, problems = timed(lambda: check_files(data_dir=folder))
            base, _ = timed(lambda: read_only(folder))
            print(
                f"{rows:>7} outcome rows: check {seconds:.3f} s ({rows / seconds:,.0f} rows/s, "
                f"{len(problems)} lines); read-only baseline {base:.3f} s; ratio {seconds / base:.1f}x"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 50000])
    run(parser.parse_args().sizes)
