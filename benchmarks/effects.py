"""Effect-size benchmark (issue 3): ``compute_effects`` on large random tables and
``from_outcomes`` on the shipped evidence tables.

For each measure family it prints the wall time of ``compute_effects`` on N rows (numbers read
from CSV text, as ``hairmeta effects`` does) and of a baseline in the same process: the same
measure computed one row at a time (the obvious loop a script would write), with the ratio of
the two.  Then the time per ``from_outcomes`` call on the shipped tables (every outcome ×
comparison), which ``summary`` and ``compare`` call many times.

    python benchmarks/effects.py              # 100,000 rows
    python benchmarks/effects.py --rows 20000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hairmeta.evidence.meta.escalc import compute_effects, read_effect_input
from hairmeta.evidence.meta.measures import get_measure
from hairmeta.evidence.synthesis.contrasts import from_outcomes


def random_tables(rows: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """One random table per input family (means, paired, 2×2, proportions)."""
    rng = np.random.default_rng(seed)
    n1, n2 = rng.integers(2, 200, rows), rng.integers(2, 200, rows)
    ai, ci = rng.binomial(n1, 0.3), rng.binomial(n2, 0.2)
    return {
        "SMD": pd.DataFrame(
            {
                "m1i": rng.normal(150, 30, rows),
                "sd1i": rng.uniform(5, 40, rows),
                "n1i": n1,
                "m2i": rng.normal(140, 30, rows),
                "sd2i": rng.uniform(5, 40, rows),
                "n2i": n2,
            }
        ),
        "SMCR": pd.DataFrame(
            {
                "m1i": rng.normal(150, 30, rows),
                "m2i": rng.normal(140, 30, rows),
                "sd1i": rng.uniform(5, 40, rows),
                "sd2i": rng.uniform(5, 40, rows),
                "ni": n1,
                "ri": rng.uniform(-0.5, 0.9, rows),
            }
        ),
        "OR": pd.DataFrame({"ai": ai, "n1i": n1, "ci": ci, "n2i": n2}),
        "PFT": pd.DataFrame({"xi": ai, "ni": n1}),
    }


def timed(function, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def row_by_row(frame: pd.DataFrame, measure: str) -> np.ndarray:
    """Baseline: the measure applied to one row at a time."""
    m = get_measure(measure)
    out = np.empty(len(frame))
    for i, row in enumerate(frame.to_dict("records")):
        out[i] = m.compute({k: np.array([float(v)]) for k, v in row.items()})[0][0]
    return out


def bench_compute(rows: int, tmp: Path) -> None:
    print(f"compute_effects on {rows:,} rows (read from CSV text) vs a row-by-row loop")
    for measure, frame in random_tables(rows).items():
        path = tmp / f"bench_{measure}.csv"
        frame.to_csv(path, index=False)
        ours, table = timed(lambda: compute_effects(read_effect_input(path), measure))
        base, values = timed(row_by_row, frame, measure)
        same = np.allclose(table["yi"].to_numpy(), values, rtol=1e-12, equal_nan=True)
        print(
            f"  {measure:5s} ours {ours:7.3f} s   baseline {base:7.3f} s   ratio {base / ours:6.1f}x   same yi: {same}"
        )


def bench_from_outcomes() -> None:
    from hairmeta.evidence.tables.load import load_outcomes, load_studies

    outcomes, studies = load_outcomes(), load_studies()
    keys = [(o, c) for o in sorted(set(outcomes["outcome"])) for c in ("control", "baseline")]
    total, effects = timed(lambda: [from_outcomes(outcomes, studies, outcome=o, comparison=c) for o, c in keys])
    k = sum(len(t.effects) for t in effects)
    print(
        f"from_outcomes on the shipped tables: {len(keys)} calls ({len(outcomes)} coded rows, {k} effects) "
        f"in {total:.3f} s = {1000 * total / len(keys):.1f} ms per call"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        bench_compute(args.rows, Path(tmp))
    bench_from_outcomes()


if __name__ == "__main__":
    main()
