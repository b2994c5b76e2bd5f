"""Paging benchmark for the Europe PMC, Crossref and ClinicalTrials.gov extractors (issue 5).

Each source fetches N synthetic records from the loopback fake server (tests/fake_sources.py)
into a fresh library, with the source's DEFAULT rate limiter while the fake enforces the same
limit on arrival (sliding window) and answers 429 beyond it.  Printed per source: records
stored, requests used against the minimum the paging needs, wall time against the rate-limit
lower bound (the first ``limit`` requests may start at once, each further ``limit`` needs one
more window), their ratio, and the 429s provoked.  The same run with an unlimited client
against an unlimited fake is the baseline in this process (its time is the cost of HTTP,
parsing and storing alone).

    python benchmarks/sources.py            # 600 records per source, page size 50
    python benchmarks/sources.py -n 2000 --page 100
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_sources import FakeSources  # noqa: E402

from hairmeta.evidence.library.store import Store
from hairmeta.extractors import clinicaltrials, crossref, europepmc  # noqa: E402
from hairmeta.extractors.http import RateLimiter, RetryPolicy  # noqa: E402

MODULES = {"europepmc": europepmc, "crossref": crossref, "ctgov": clinicaltrials}
LIMITS = {"europepmc": (5, 1.0), "crossref": (5, 1.0), "ctgov": (3, 1.0)}


def minimum_requests(name: str, n: int, page: int) -> int:
    """Pages needed; Europe PMC and Crossref (exact multiples) need one more, empty, page."""
    pages = math.ceil(n / page)
    if name == "europepmc" or (name == "crossref" and n % page == 0):
        return pages + 1
    return pages


def lower_bound(requests: int, limit: int, window: float) -> float:
    """Seconds ``requests`` need at ``limit`` per sliding ``window``: (ceil(R/limit) - 1) windows."""
    return (math.ceil(requests / limit) - 1) * window


def run(name: str, n: int, page: int, limited: bool) -> dict:
    """Fetch ``n`` records of source ``name``; figures of the run."""
    module = MODULES[name]
    limits = {name: LIMITS[name]} if limited else {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        Store(Path(tmp) / "lib.sqlite") as store,
        FakeSources(n_europepmc=n, n_crossref=n, n_ctgov=n, limits=limits) as fake,
    ):
        overrides = {"base_url": fake.url(name), "policy": RetryPolicy(tries=5, base=0.5)}
        if not limited:  # no limiter, and no re-tuning from Crossref's headers
            overrides.update(limiter=RateLimiter(1e6), on_response=None)
        api = module.client(**overrides)
        start = time.perf_counter()
        report = module.search_into(store, "benchmark", batch_size=page, api=api)
        elapsed = time.perf_counter() - start
        return {
            "stored": store.count_records(),
            "requests": len(fake.requests_to(name)),
            "seconds": elapsed,
            "over_limit": fake.over_limit[name],
            "failed": len(report.failed),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=600, help="records per source")
    parser.add_argument("--page", type=int, default=50, help="records per page")
    args = parser.parse_args()
    for name in MODULES:
        limited, base = run(name, args.n, args.page, True), run(name, args.n, args.page, False)
        limit, window = LIMITS[name]
        bound = lower_bound(limited["requests"], limit, window)
        print(
            f"{name}: {limited['stored']}/{args.n} records stored; requests {limited['requests']} "
            f"(minimum {minimum_requests(name, args.n, args.page)}); wall {limited['seconds']:.2f} s vs "
            f"rate-limit lower bound {bound:.2f} s (ratio {limited['seconds'] / bound:.3f}); "
            f"429s provoked {limited['over_limit']}; failed pages {limited['failed']}; "
            f"unlimited baseline {base['seconds']:.2f} s for {base['requests']} requests"
        )


if __name__ == "__main__":
    main()
