"""Benchmark: Bayesian random-effects fits (``bayes_pool``) against R's bayesmeta 3.4, k = 1, 5, 20, 100.

For each k the same simulated data (seeded; log-scale effects, half-normal(0.5) prior on τ) are
fitted by hairmeta and, when ``Rscript`` with bayesmeta is installed, by ``bayesmeta()`` at its
default accuracy (``delta = 0.01, epsilon = 1e-4``), timed inside R with ``system.time`` (R start-up
excluded).  One ``bayesmeta()`` call also computes extras hairmeta does not (ML and MAP
estimates, Bayes factors, posterior weights); it is timed as the one call a user makes.

Accuracy: both are compared with an independent reference computed here by brute force
(``scipy.integrate.quad`` over u = log τ at relative tolerance 1e-12, nested for the μ and
predictive CDFs, quantiles by ``brentq``): the largest absolute error over the posterior median and
95% interval of μ and τ and the 95% predictive interval.

Usage: ``python benchmarks/bayes.py [--reps N] [--r-reps M] [--no-r]``
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import integrate, optimize, special

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hairmeta.evidence.meta.bayes import bayes_pool
from hairmeta.evidence.meta.priors import parse_tau_prior

KS = (1, 5, 20, 100)
PRIOR = "halfnormal:0.5"
KEYS = ("mu_median", "mu_ci_low", "mu_ci_high", "tau_median", "tau_ci_low", "tau_ci_high", "pi_low", "pi_high")

R_SCRIPT = r"""
suppressPackageStartupMessages(library(bayesmeta))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); reps <- as.integer(args[2])
out <- list()
for (k in unique(d$k)) {
  s <- d[d$k == k, ]
  n <- if (k >= 100) 1L else reps
  t <- system.time(for (i in seq_len(n)) b <- bayesmeta(s$yi, sqrt(s$vi),
        tau.prior = function(t) dhalfnormal(t, scale = 0.5), interval.type = "central"))[["elapsed"]] / n
  ci <- b$post.interval(mu.level = 0.95); tci <- b$post.interval(tau.level = 0.95)
  pci <- b$post.interval(mu.level = 0.95, predict = TRUE)
  out[[as.character(k)]] <- list(seconds = t, mu_median = b$summary["median", "mu"], mu_ci_low = ci[1],
    mu_ci_high = ci[2], tau_median = b$summary["median", "tau"], tau_ci_low = tci[1], tau_ci_high = tci[2],
    pi_low = pci[1], pi_high = pci[2])
}
cat(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA))
"""


def simulate(k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """k studies: vi ~ U(0.01, 0.2), yi ~ N(0.3, vi + 0.05) (true τ = 0.22)."""
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


def brute_force(yi: np.ndarray, vi: np.ndarray) -> dict:
    """The same posterior summaries by adaptive quadrature over u = log τ (independent of bayes.py)."""
    prior = parse_tau_prior(PRIOR)

    def parts(u: float):
        tau2 = math.exp(2 * u)
        w = 1 / (vi + tau2)
        m = float(w @ yi / w.sum())
        logl = -0.5 * (np.log(vi + tau2).sum() + float(w @ (yi - m) ** 2) + math.log(w.sum()))
        return logl + float(prior.logpdf(math.exp(u))) + u, m, 1 / w.sum(), tau2

    lo, hi = math.log(1e-13), math.log(20.0)
    peak = max(parts(u)[0] for u in np.linspace(lo, hi, 400))
    quad = dict(epsabs=0, epsrel=1e-12, limit=500, points=[-5.0, -2.0, 0.0])

    def dens(u: float) -> float:
        return math.exp(parts(u)[0] - peak)

    z = integrate.quad(dens, lo, hi, **quad)[0]

    def mix_cdf(x: float, pred: bool) -> float:
        def f(u):
            lp, m, v, t2 = parts(u)
            return math.exp(lp - peak) * special.ndtr((x - m) / math.sqrt(v + (t2 if pred else 0.0)))

        return integrate.quad(f, lo, hi, **quad)[0] / z

    def tau_cdf(t: float) -> float:
        return integrate.quad(dens, lo, math.log(t), **quad)[0] / z

    def root(f, p: float, a: float, b: float) -> float:
        return optimize.brentq(lambda x: f(x) - p, a, b, xtol=1e-12)

    span = 10 * math.sqrt(vi.max()) + 5
    out = {
        "mu_median": root(lambda x: mix_cdf(x, False), 0.5, -span, span),
        "mu_ci_low": root(lambda x: mix_cdf(x, False), 0.025, -span, span),
        "mu_ci_high": root(lambda x: mix_cdf(x, False), 0.975, -span, span),
        "pi_low": root(lambda x: mix_cdf(x, True), 0.025, -span, span),
        "pi_high": root(lambda x: mix_cdf(x, True), 0.975, -span, span),
    }
    for key, p in (("tau_median", 0.5), ("tau_ci_low", 0.025), ("tau_ci_high", 0.975)):
        out[key] = root(tau_cdf, p, 1e-8, 19.0)
    return out


def bayesmeta_runs(data: dict[int, tuple[np.ndarray, np.ndarray]], reps: int) -> dict | None:
    """bayesmeta's seconds per fit and summaries per k, or None without R/bayesmeta."""
    if shutil.which("Rscript") is None:
        print("bayesmeta not run: Rscript not found")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = Path(tmp) / "d.csv", Path(tmp) / "bench.R"
        rows = [(k, y, v) for k, (yi, vi) in data.items() for y, v in zip(yi, vi)]
        np.savetxt(csv, np.array(rows), delimiter=",", header="k,yi,vi", comments="", fmt="%.17g")
        script.write_text(R_SCRIPT)
        run = subprocess.run(["Rscript", str(script), str(csv), str(reps)], capture_output=True, text=True,
                             timeout=7200)  # fmt: skip
    if run.returncode != 0:
        last = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "Rscript failed"
        print(f"bayesmeta not run: {last}")
        return None
    return {int(k): v for k, v in json.loads(run.stdout).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=50, help="hairmeta fits per k (best time)")
    parser.add_argument("--r-reps", type=int, default=3, help="bayesmeta fits per k below 100 (mean time)")
    parser.add_argument("--no-r", action="store_true", help="skip bayesmeta")
    args = parser.parse_args()
    data = {k: simulate(k, seed=k) for k in KS}
    r = None if args.no_r else bayesmeta_runs(data, args.r_reps)
    print(f"prior {PRIOR}, uniform prior on mu, central 95% intervals; errors vs brute-force quadrature")
    header = f"{'k':>4} {'hairmeta ms/fit':>16} {'bayesmeta s/fit':>16} {'ratio':>9} {'hairmeta max err':>17} "
    print(header + f"{'bayesmeta max err':>18}")
    for k, (yi, vi) in data.items():
        seconds = best_time(lambda: bayes_pool(yi, vi, tau_prior=PRIOR), args.reps)
        ours = bayes_pool(yi, vi, tau_prior=PRIOR)
        ref = brute_force(yi, vi)
        err = max(abs(getattr(ours, key) - ref[key]) for key in KEYS)
        line = f"{k:>4} {seconds * 1e3:>16.2f}"
        if r is not None and k in r:
            rerr = max(abs(r[k][key] - ref[key]) for key in KEYS)
            rs = r[k]["seconds"]
            line += f" {rs:>16.3f} {rs / seconds:>8.0f}x {err:>17.1e} {rerr:>18.1e}"
        else:
            line += f" {'-':>16} {'-':>9} {err:>17.1e} {'-':>18}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
