"""Benchmark: fetch N PubMed records from the loopback fake E-utilities at NCBI's limits.

Prints the requests used against the minimum needed (one esearch + ceil(N / batch) efetches),
the wall time against the rate-limit lower bound, their ratio, and the 429s provoked.

Lower bound: with at most ``r`` requests in any one-second window, request number ``k``
(0-based) cannot start before ``floor(k / r)`` seconds, so ``R`` requests need at least
``floor((R - 1) / r)`` seconds before the last one starts (transfer and parsing time excluded,
which makes the bound generous to us only in the sense of being unreachable).

Target (issues 2 and 15): wall time within 1.25 x the lower bound with an API key and
1.10 x without, zero 429s; the median of ``--repeat`` runs (default 3) is judged.

Usage: ``python benchmarks/fetch.py [--records 9000] [--batch-size 500] [--api-key] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_eutils import FakeEutils  # noqa: E402

from hairmeta.evidence.library.store import Store
from hairmeta.extractors.http import RetryPolicy  # noqa: E402
from hairmeta.extractors.pubmed import EutilsClient, EutilsConfig, search_into  # noqa: E402


def serve(conn, records: int) -> None:
    """Child process: run the fake server until told to stop, then send back its counters."""
    with FakeEutils(records, rate_limit=3, key_rate_limit=10) as fake:
        conn.send(fake.url)
        conn.recv()
        conn.send({"too_many": fake.too_many, "max_in_window": fake.max_in_window, "requests": len(fake.log)})


def run(records: int, batch_size: int, api_key: bool) -> dict:
    """One fetch of ``records`` synthetic records into a fresh library; the figures.

    The fake server runs in its own process, as NCBI would, so its XML generation does not
    compete with the client for the interpreter lock.
    """
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child, records), daemon=True)
    server.start()
    url = parent.recv()
    try:
        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.sqlite") as store:
            config = EutilsConfig(
                base_url=url,
                api_key="BENCH" if api_key else "",
                email="bench@example.invalid",
                retry=RetryPolicy(tries=5, base=1.0),
            )
            client = EutilsClient(config)
            start, cpu, kids = time.perf_counter(), time.process_time(), os.times()
            report = search_into(store, "benchmark", batch_size=batch_size, client=client)
            wall, cpu, after = time.perf_counter() - start, time.process_time() - cpu, os.times()
            # the parse workers are reaped when the fetch ends: their CPU is in the children's times
            workers = (after.children_user + after.children_system) - (kids.children_user + kids.children_system)
            stored = store.count_records()
    finally:
        parent.send("stop")
        counters = parent.recv()
        server.join(timeout=10)
    rate = config.requests_per_second
    minimum = 1 + math.ceil(records / batch_size)
    bound = math.floor((minimum - 1) / rate)
    return {
        "records": records,
        "stored": stored,
        "rate": rate,
        "requests": client.stats.requests,
        "minimum": minimum,
        "wall": wall,
        "cpu": cpu,
        "worker_cpu": workers,
        "bound": bound,
        "ratio": wall / bound if bound else None,
        "server_429": counters["too_many"],
        "max_per_second": counters["max_in_window"],
        "failed": len(report.failed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=9000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--api-key", action="store_true", help="run at 10/s (with a key) instead of 3/s")
    parser.add_argument("--repeat", type=int, default=3, help="runs, each into a fresh library; the median is judged")
    args = parser.parse_args()
    runs = [run(args.records, args.batch_size, args.api_key) for _ in range(max(1, args.repeat))]
    r = sorted(runs, key=lambda x: x["wall"])[len(runs) // 2]
    print(f"records            {r['records']} fetched, {r['stored']} stored, {r['failed']} batches failed")
    print(f"rate limit         {r['rate']:g} requests/s ({'with' if args.api_key else 'without'} API key)")
    print(f"requests used      {r['requests']} (minimum {r['minimum']})")
    walls = ", ".join(f"{x['wall']:.2f}" for x in runs)
    print(
        f"wall time          {r['wall']:.2f} s median of {len(runs)} runs ({walls} s); lower bound {r['bound']:.2f} s"
    )
    print(f"client CPU time    {r['cpu']:.2f} s here (requests, storing) + {r['worker_cpu']:.2f} s in parse workers")
    print(f"load average       {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    ratio = f"{r['ratio']:.3f}" if r["ratio"] is not None else "n/a (bound is 0 s)"
    print(f"ratio              {ratio} x lower bound (target <= {1.25 if args.api_key else 1.10})")
    too_many = sum(x["server_429"] for x in runs)
    busiest = max(x["max_per_second"] for x in runs)
    print(f"429s provoked      {too_many} over all runs (busiest server-side second: {busiest} requests)")


if __name__ == "__main__":
    main()
