"""Fellegi-Sunter de-duplication with splink (EM on DuckDB) on the labelled sets, held out (issue 11).

Benchmark-only: splink and duckdb are not dependencies of hairmeta.  Install them anywhere on
the path (``pip install --target DIR splink``; ``PYTHONPATH=DIR python benchmarks/dedup_splink.py``).

Model (Fellegi & Sunter 1969, JASA 64:1183; splink: Linacre et al. 2022, IJPDS 7(3)): the same
normalised fields hairmeta's matcher reads (``prepare``), compared as levels -- title
Jaro-Winkler >= 0.98/0.93/0.85, author key >= 0.95/0.85, year, volume, first page, DOI, journal
exact -- with u estimated by random sampling and m by EM *on each set's own records* (no
labels).  Blocking: DOI, whole title, title head, first author+year+page, year+volume+page.

Held out: the one free number, the match-probability threshold, is chosen for each set from
``THRESHOLDS`` on the other sets only (fewest false merges, then highest mean recall), and the
set is scored with it (removal convention, ../shared/dedup/score.py).  Clusters are connected
components of the pairs above the threshold, as splink clusters them.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "dedup"
THRESHOLDS = (0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999)


def _score_module():
    sys.path.insert(0, str(SHARED))
    import score

    return score


def _frame(name: str):
    from hairmeta.evidence.library.dedup.match import prepare

    score = _score_module()
    raw = score.load_records(name)
    prep = prepare(raw)
    cols = ["tkey", "authors", "first_author", "year", "volume", "page", "doi", "journal"]
    frame = prep[["ID", *cols]].rename(columns={"ID": "unique_id", "tkey": "title"}).copy()
    frame["year"] = frame["year"].astype(int).astype(str).where(frame["year"] > 0, "")
    for column in frame.columns:
        if column != "unique_id":
            frame[column] = frame[column].where(frame[column] != "", None)
    frame["title_head"] = frame["title"].str.slice(0, 30)
    return raw, frame


def predict_set(name: str) -> dict:
    """Train on the set's own records (EM, no labels) and score every blocked pair."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator
    from splink.backends.duckdb import DuckDBAPI

    score = _score_module()
    start = time.perf_counter()
    _, frame = _frame(name)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("title", [0.98, 0.93, 0.85]),
            cl.JaroWinklerAtThresholds("authors", [0.95, 0.85]),
            cl.ExactMatch("year"),
            cl.ExactMatch("volume"),
            cl.ExactMatch("page"),
            cl.ExactMatch("doi"),
            cl.ExactMatch("journal"),
        ],
        blocking_rules_to_generate_predictions=[
            "l.doi = r.doi",
            "l.title = r.title",
            "l.title_head = r.title_head",
            "l.first_author = r.first_author and l.year = r.year and l.page = r.page",
            "l.year = r.year and l.volume = r.volume and l.page = r.page",
        ],
    )
    db = DuckDBAPI()
    linker = Linker(db.register(frame), settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        ["l.doi = r.doi", "l.title = r.title and l.year = r.year"], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in ("l.title = r.title", "l.year = r.year and l.page = r.page"):
        linker.training.estimate_parameters_using_expectation_maximisation(rule, record_sample_proportion=1.0)
    pairs = linker.inference.predict(threshold_match_probability=min(THRESHOLDS)).as_pandas_dataframe()
    elapsed = time.perf_counter() - start
    gold = score.load_gold(name)
    ids = frame["unique_id"].tolist()
    rows = []
    for threshold in THRESHOLDS:
        kept = pairs[pairs["match_probability"] >= threshold]
        labels = _components(ids, zip(kept["unique_id_l"], kept["unique_id_r"]))
        removal = score.score_clusters(gold, labels)["removal"]
        rows.append({"threshold": threshold, "FP": removal["FP"], "recall": removal["recall"]})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"name": name, "rows": rows, "time": elapsed, "peak_mb": peak, "pairs": len(pairs)}


def _components(ids: list, edges) -> dict:
    parent = {i: i for i in ids}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: find(i) for i in ids}


def main() -> int:
    try:
        import splink  # noqa: F401
    except ImportError:
        print("splink is not installed: nothing to compare (see the module docstring)", file=sys.stderr)
        return 1
    if not SHARED.exists():
        print(f"{SHARED} not found", file=sys.stderr)
        return 1
    names = sys.argv[1].split(",") if len(sys.argv) > 1 else _score_module().list_datasets()
    results = {}
    for name in names:
        with mp.get_context("spawn").Pool(1) as pool:
            results[name] = pool.apply(predict_set, (name,))
    print("splink Fellegi-Sunter (EM per set), leave-one-set-out threshold; removal convention")
    print(f"{'set':<19} {'held-out recall':>15} {'held-out FP':>11}  threshold  time    peak_mem  pairs")
    for held in names:
        others = [n for n in names if n != held]

        def loss(k: int) -> tuple:
            fp = sum(results[n]["rows"][k]["FP"] for n in others)
            return (fp, -sum(results[n]["rows"][k]["recall"] for n in others))

        best = min(range(len(THRESHOLDS)), key=loss)
        row = results[held]["rows"][best]
        res = results[held]
        print(
            f"{held:<19} {row['recall']:>15.4f} {row['FP']:>11}  {THRESHOLDS[best]:<9}  {res['time']:.1f}s  "
            f"{res['peak_mb']:.0f}MB  {res['pairs']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
