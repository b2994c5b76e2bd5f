"""Time and peak memory of ``hairmeta records`` on a large synthetic library.

A library of N records (default 20,000; each with a ~1.5 kB abstract, like PubMed records) is
built in a temporary folder.  Three listings are measured in the same process:

* baseline: the whole library as a DataFrame (``Store.records_frame()``, what ``records`` did for
  every format before it was paged);
* table: the default terminal page (``records_frame(brief=True, limit=50)``);
* csv: every record streamed to a null sink (``stream_rows`` over ``Store.record_rows()``).

Peak memory is Python's allocations (tracemalloc) during each listing.

    python benchmarks/records_listing.py
    python benchmarks/records_listing.py --records 78000
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hairmeta.evidence.library.records import Author, Record  # noqa: E402
from hairmeta.evidence.library.store import RECORD_COLUMNS, Store  # noqa: E402
from hairmeta.evidence.present.render import stream_rows  # noqa: E402


class Null(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def build(path: Path, n: int) -> None:
    abstract = "BACKGROUND: platelet-rich plasma for androgenetic alopecia. " * 25
    with Store(path) as store:
        for start in range(0, n, 5000):
            batch = [
                Record(
                    pmid=str(10_000_000 + i),
                    title=f"Record {i}: a randomised trial of PRP",
                    abstract=abstract,
                    year=1990 + i % 35,
                    journal="J Test",
                    authors=tuple(Author(f"Author{j}", "A", "A") for j in range(6)),
                )
                for i in range(start, min(n, start + 5000))
            ]
            store.upsert_records(batch, source="pubmed")


def measure(label: str, work) -> float:
    tracemalloc.start()
    began = time.perf_counter()
    work()
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label:<34} {seconds:8.3f} s   peak {peak / 2**20:8.1f} MiB")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "library.sqlite"
        build(path, args.records)
        with Store(path) as store:
            print(f"library: {store.count_records():,} records")
            base = measure("baseline: whole DataFrame", lambda: store.records_frame())
            table = measure("table: first page of 50", lambda: store.records_frame(brief=True, limit=50))
            stream = measure(
                "csv: every record, streamed", lambda: stream_rows(Null(), store.record_rows(), "csv", RECORD_COLUMNS)
            )
        print(f"ratio table/baseline {table / base:.4f}; csv stream/baseline {stream / base:.2f}")


if __name__ == "__main__":
    main()
