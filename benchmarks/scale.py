"""How the main job grows with the size of the coded tables (issue 15).

Builds SYNTHETIC tables in a temporary folder at run time (never shipped, never committed) from the
shipped rows' shapes: every study is copied under new ids (``synNNNNN-<id>``, coder
``SYNTHETIC (benchmarks/scale.py)``) and, to reach the outcome-row count of a large review, each
copy's outcome rows are repeated at later timepoints (``timepoint_weeks`` + 0.01 per repeat), so
every body of evidence gains one study per copy.  Then ``outcomes check``, ``summary`` and
``report`` run on them in a fresh process each; wall times are printed per size with the time per
1,000 outcome rows, and the ratio to the smallest size's rate (near 1 = linear).

    python benchmarks/scale.py [--sizes 1000,5000,5000:50000]   # studies[:outcome rows]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CODER = "SYNTHETIC (benchmarks/scale.py)"


def synthetic(folder: Path, n_studies: int, n_rows: int | None) -> tuple[int, int]:
    """Write synthetic copies of the shipped tables to ``folder``; return (studies, outcome rows)."""
    read = lambda name: pd.read_csv(DATA / name, dtype=str, keep_default_na=False)  # noqa: E731
    studies, arms, outcomes = read("studies.csv"), read("arms.csv"), read("outcomes.csv")
    copies = math.ceil(n_studies / len(studies))
    repeats = max(1, math.ceil((n_rows or 0) / (len(outcomes) * copies)))
    s_parts, a_parts, o_parts = [], [], []
    for c in range(copies):
        prefix = f"syn{c:05d}_"
        s = studies.copy()
        s["study_id"] = prefix + s["study_id"]
        s["coder"] = CODER
        a = arms.copy()
        a["study_id"] = prefix + a["study_id"]
        a["coder"] = CODER
        s_parts.append(s)
        a_parts.append(a)
        for r in range(repeats):
            o = outcomes.copy()
            o["study_id"] = prefix + o["study_id"]
            number = o["outcome_id"].str.rsplit("-", n=1).str[1].astype(int) + 100 * r
            o["outcome_id"] = o["study_id"] + "-" + number.map(lambda n: f"{n:02d}")
            weeks = pd.to_numeric(o["timepoint_weeks"], errors="coerce")
            o["timepoint_weeks"] = [f"{w + 0.01 * r:g}" if w == w and w > 0 else t
                                    for w, t in zip(weeks, o["timepoint_weeks"])]  # fmt: skip
            o["coder"] = CODER
            o_parts.append(o)
    tables = {"studies.csv": s_parts, "arms.csv": a_parts, "outcomes.csv": o_parts}
    for name, parts in tables.items():
        pd.concat(parts, ignore_index=True).to_csv(folder / name, index=False, lineterminator="\n")
    for name in ("published_meta_analyses.csv", "protocol.toml"):
        shutil.copy(DATA / name, folder / name)
    return len(studies) * copies, len(outcomes) * copies * repeats


def timed(argv: list[str], env: dict) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2000,5000:50000")
    sizes = [tuple(int(x) for x in s.split(":")) for s in parser.parse_args().sizes.split(",")]
    script = shutil.which("hairmeta")
    cli = [script] if script else [sys.executable, "-m", "hairmeta.cli"]
    print("SYNTHETIC tables built at run time from the shipped rows' shapes (not data; never shipped)")
    base_rate = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HAIRMETA_HOME": str(Path(tmp) / "home")}
        for size in sizes:
            folder = Path(tmp) / f"tables_{'_'.join(map(str, size))}"
            folder.mkdir()
            n_studies, n_rows = synthetic(folder, size[0], size[1] if len(size) > 1 else None)
            line = [f"{n_studies:>6} studies {n_rows:>7} outcome rows:"]
            for name, argv in (
                ("check", [*cli, "outcomes", "check", "--data-dir", str(folder), "--format", "json"]),
                ("summary", [*cli, "summary", "--data-dir", str(folder), "--format", "json"]),
                (
                    "report",
                    [
                        *cli,
                        "report",
                        "--data-dir",
                        str(folder),
                        "-o",
                        str(folder / "r.html"),
                        "--force",
                        "--study",
                        "syn00000_hassan2024",
                    ],
                ),
            ):
                seconds, code = timed(argv, env)
                per_k = seconds / n_rows * 1000
                ratio = per_k / base_rate.setdefault(name, per_k)
                status = "" if code == 0 or (name == "check" and code == 1) else f" FAILED (exit {code})"
                line.append(f"{name} {seconds:6.2f} s ({per_k * 1000:.1f} ms/1k rows, x{ratio:.2f}){status}")
            print("  ".join(line), flush=True)
    print("x = time per row against the smallest size (near 1: linear; below 1: fixed start-up cost amortised)")


if __name__ == "__main__":
    main()
