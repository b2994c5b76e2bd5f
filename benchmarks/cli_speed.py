"""Wall time of the commands a clinician reruns, process start to exit (issue 15).

Each command runs ``--runs`` times (default 5) in a fresh interpreter; the median is printed with
its target and the ratio to a baseline measured in the same run: a fresh interpreter that only
imports pandas (the floor any command that prints a table pays).

    python benchmarks/cli_speed.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {  # seconds, median of 5 (issue 15)
    "hairmeta --help": 0.3,
    "hairmeta summary --format json": 1.2,
    "hairmeta compare hassan2024": 1.0,
    "hairmeta report": 2.5,
}


def wall(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HAIRMETA_HOME": str(Path(tmp) / "home"), "COLUMNS": "80"}
        script = shutil.which("hairmeta")  # the installed console script, as a user runs it
        cli = [script] if script else [sys.executable, "-m", "hairmeta.cli"]
        print(f"command: {cli[0]}")
        commands = {
            "hairmeta --help": [*cli, "--help"],
            "hairmeta summary --format json": [*cli, "summary", "--format", "json"],
            "hairmeta compare hassan2024": [*cli, "compare", "hassan2024"],
            "hairmeta report": [*cli, "report", "--output", str(Path(tmp) / "r.html"), "--force"],
        }
        baseline = statistics.median(wall([sys.executable, "-c", "import pandas"], env) for _ in range(runs))
        print(f"baseline (fresh python importing pandas): {baseline:.3f} s (median of {runs})")
        for name, argv in commands.items():
            times = [wall(argv, env) for _ in range(runs)]
            median = statistics.median(times)
            verdict = "met" if median <= TARGETS[name] else "NOT met"
            print(
                f"{name:<32} median {median:.3f} s (min {min(times):.3f}, max {max(times):.3f}); "
                f"{median / baseline:.2f}x baseline; target <= {TARGETS[name]} s: {verdict}"
            )
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores)")


if __name__ == "__main__":
    main()
