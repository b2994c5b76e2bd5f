"""Benchmark: REML pooling at k = 10, 100, 10,000 and leave-one-out at k = 1,000.

Prints hairmeta's times, an in-process baseline (statsmodels' ``combine_effects`` for a single
fit — DL, as it has no REML —, and a loop of ``pool()`` calls for leave-one-out), and, when
``Rscript`` with metafor is installed, metafor 3.8's times on the same data, measured inside R
with ``system.time`` (R start-up excluded), and the ratio metafor / hairmeta.

metafor's ``rma.uni`` builds dense k × k matrices.  At k = 1,000 one REML fit takes seconds, so
leave-one-out (1,000 such refits) is timed on ``--l1o-sample`` refits done exactly as
``leave1out`` does them (``rma.uni`` on the data minus one study) and scaled to 1,000 — printed
as "extrapolated".  At k = 10,000 each matrix is 0.8 GB; metafor is only run there with
``--metafor-max-k 10000``.  metafor runs with its default convergence control (threshold 1e-5),
hairmeta with its tighter 1e-10, so the comparison does not favour hairmeta.

Usage: ``python benchmarks/pool.py [--reps N] [--l1o-sample M] [--metafor-max-k K]``
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hairmeta.evidence.meta.pooling import pool
from hairmeta.evidence.meta.sensitivity import leave_one_out

R_SCRIPT = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); task <- args[2]; reps <- as.integer(args[3])
if (task == "pool") {
  t <- system.time(for (i in seq_len(reps)) r <- rma(d$yi, d$vi, method = "REML"))[["elapsed"]] / reps
  cat(sprintf("%.9f %.12f\n", t, coef(r)))
} else {
  r <- rma(d$yi, d$vi, method = "REML")
  t <- system.time(for (i in seq_len(reps)) rma(d$yi[-i], d$vi[-i], method = "REML"))[["elapsed"]]
  cat(sprintf("%.9f %.12f\n", t / reps * nrow(d), coef(r)))
}
"""


def simulate(k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """k studies: vi ~ U(0.01, 0.2), yi ~ N(0.3, vi + 0.05) (true τ² = 0.05)."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.2, k)
    return rng.normal(0.3, np.sqrt(vi + 0.05)), vi


def best_time(func, reps: int) -> float:
    """Best wall time of ``reps`` calls, in seconds."""
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def metafor_time(yi, vi, task: str, reps: int) -> tuple[float, float] | None:
    """(seconds per task, metafor's estimate) measured inside R, or None without R/metafor."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data, script = Path(tmp) / "d.csv", Path(tmp) / "bench.R"
        np.savetxt(data, np.column_stack([yi, vi]), delimiter=",", header="yi,vi", comments="", fmt="%.17g")
        script.write_text(R_SCRIPT)
        run = subprocess.run(
            ["Rscript", str(script), str(data), task, str(reps)], capture_output=True, text=True, timeout=3600
        )
    if run.returncode != 0:
        print(f"  metafor not run: {run.stderr.strip().splitlines()[-1] if run.stderr.strip() else 'Rscript failed'}")
        return None
    seconds, estimate = run.stdout.split()
    return float(seconds), float(estimate)


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:10.3f} ms"


def bench_pool(k: int, reps: int, metafor_max_k: int) -> None:
    yi, vi = simulate(k, seed=k)
    ours = best_time(lambda: pool(yi, vi, method="REML"), reps)
    from statsmodels.stats.meta_analysis import combine_effects

    base = best_time(lambda: combine_effects(yi, vi, method_re="chi2"), reps)
    print(
        f"pool REML k={k:>6}: hairmeta {fmt(ours)} | statsmodels combine_effects (DL) "
        f"{fmt(base)} (ratio {base / ours:6.2f})",
        end="",
    )
    mf = metafor_time(yi, vi, "pool", max(1, reps if k <= 1000 else 1)) if k <= metafor_max_k else None
    if mf is None:
        print(" | metafor not run" + (f" (k > --metafor-max-k {metafor_max_k})" if k > metafor_max_k else ""))
        return
    est = pool(yi, vi, method="REML").estimate
    print(f" | metafor {fmt(mf[0])} (metafor/hairmeta {mf[0] / ours:8.1f}x; estimates {est:.6f} vs {mf[1]:.6f})")


def bench_l1o(k: int, reps: int, sample: int) -> None:
    yi, vi = simulate(k, seed=k + 1)
    fit = pool(yi, vi, method="REML")
    ours = best_time(lambda: leave_one_out(fit), reps)
    loop_n = 100
    loop = best_time(lambda: [pool(np.delete(yi, i), np.delete(vi, i)) for i in range(loop_n)], 1) * k / loop_n
    print(
        f"leave-one-out REML k={k}: hairmeta {fmt(ours)} | loop of pool() {fmt(loop)} "
        f"(extrapolated from {loop_n} refits; ratio {loop / ours:6.1f})",
        end="",
    )
    mf = metafor_time(yi, vi, "l1o", sample)
    if mf is None:
        print(" | metafor not run")
        return
    print(f" | metafor {fmt(mf[0])} (extrapolated from {sample} refits; metafor/hairmeta {mf[0] / ours:8.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions per timing (best is kept)")
    parser.add_argument("--l1o-sample", type=int, default=5, help="metafor leave-one-out refits to time")
    parser.add_argument("--metafor-max-k", type=int, default=1000, help="largest k to run metafor's rma at")
    args = parser.parse_args()
    for k in (10, 100, 10_000):
        bench_pool(k, args.reps, args.metafor_max_k)
    bench_l1o(1000, args.reps, args.l1o_sample)


if __name__ == "__main__":
    main()
