"""How long ``hairmeta summary`` and ``hairmeta compare hassan2024`` take on the shipped data.

Target (issue 6): a couple of seconds each.  Prints the median of a few runs of the library calls
behind the two commands, and each as a ratio to a baseline measured in the same process: reading
the four shipped tables once (what any command on the data must do).  Imports are warmed first,
so the figures are the work itself, not interpreter start-up.

Run: ``python benchmarks/summary_compare.py``
"""

from __future__ import annotations

import statistics
import time


def timed(fn, repeats: int = 5) -> float:
    """Median wall time of ``repeats`` calls of ``fn`` in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from hairmeta.evidence.synthesis.compare import compare
    from hairmeta.evidence.synthesis.summary import summary
    from hairmeta.evidence.tables.load import coded_tables

    def load_all():
        coded_tables()

    summary(), compare("hassan2024")  # warm imports and caches
    base = timed(load_all)
    s = timed(summary)
    c = timed(lambda: compare("hassan2024"))
    print(f"baseline (read the 4 shipped tables): {base * 1000:.1f} ms")
    print(f"summary (REML + Knapp-Hartung):       {s * 1000:.1f} ms  ({s / base:.1f}x baseline)")
    print(f"compare hassan2024:                   {c * 1000:.1f} ms  ({c / base:.1f}x baseline)")


if __name__ == "__main__":
    main()
