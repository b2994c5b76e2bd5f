"""De-duplication on CoLRev curations: real multi-source exports with the curators' merges (issue 11).

A CoLRev curation (https://github.com/CoLRev-curations, e.g. ``european-journal-of-
information-systems``, ``information-systems-research``, ``mis-quarterly``) keeps every
search result it loaded -- ``data/search/CROSSREF.bib``, ``DBLP.bib``, ``pdfs.bib`` (metadata
read from the PDFs) -- and, in ``data/records.bib``, one record per work whose
``colrev_origin`` lists the search records the curators merged into it.  Records whose
``colrev_status`` is past de-duplication (:data:`DEDUPED`) give a labelled set: search records
with one origin list are one work.  These sets are not in ``../shared/dedup`` and were never
used to choose a threshold; the closing note of issue 11 says which of them were looked at
while writing rules.

    git clone https://github.com/CoLRev-curations/information-systems-research /tmp/isr
    python benchmarks/dedup_colrev.py /tmp/isr@55165b9 [/tmp/ejis ...]
        [--proceedings=/tmp/icis@2a77be5:data/search/DBLP.bib]

``--proceedings`` pools the labelled sets with an unlabelled proceedings file and counts the
decisions between a proceedings paper and a journal record (a conference paper and its later
journal version are two publications: ``related``, never ``merge``).

``PATH@COMMIT`` reads the files at that commit (default ``HEAD``); large ``records.bib`` files
are absent from some snapshots, so pick a commit that has them (``git log -- data/records.bib``).
Scores use the removal convention of ``../shared/dedup/score.py``; every false merge is printed
with the argument for or against a label error (:func:`dedup.label_error_argument`).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import bibtexparser
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# CoLRev's record states after ``colrev dedupe`` (colrev.record.record_state.RecordState).
DEDUPED = frozenset(
    """md_processed rev_prescreen_included rev_prescreen_excluded pdf_needs_manual_retrieval
    pdf_imported pdf_not_available pdf_needs_manual_preparation pdf_prepared rev_excluded
    rev_included rev_synthesized""".split()
)
FIELDS = ("author", "year", "title", "journal", "booktitle", "volume", "number", "pages", "abstract", "doi", "isbn")


def _git_show(repo: Path, commit: str, path: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "show", f"{commit}:{path}"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{repo}@{commit}: cannot read {path}: {done.stderr.strip()}")
    return done.stdout


def _entries(text: str) -> dict[str, dict[str, str]]:
    library = bibtexparser.parse_string(text)
    return {
        entry.key: {"ENTRYTYPE": entry.entry_type, **{f.key.lower(): str(f.value) for f in entry.fields}}
        for entry in library.entries
    }


def _clone(spec: str) -> tuple[Path, str]:
    """``CLONE[@COMMIT]`` as a path and a commit (``HEAD`` when none is given)."""
    path, _, commit = spec.partition("@")
    return Path(path), commit or "HEAD"


def labelled_set(repo: Path, commit: str = "HEAD") -> tuple[pd.DataFrame, dict[str, str]]:
    """The search records behind every de-duplicated record of a curation, and their gold works."""
    curated = _entries(_git_show(repo, commit, "data/records.bib"))
    sources: dict[str, dict] = {}
    rows, gold = [], {}
    for key, record in curated.items():
        if record.get("colrev_status", "").strip() not in DEDUPED:
            continue
        for origin in filter(None, (o.strip() for o in re.split(r";\s*", record.get("colrev_origin", "")))):
            file, _, source_key = origin.partition("/")
            if file not in sources:
                sources[file] = _entries(_git_show(repo, commit, f"data/search/{file}"))
            source = sources[file].get(source_key)
            if source is None:
                continue
            ident = f"{file.removesuffix('.bib')}/{source_key}"
            rows.append({"ID": ident, "ENTRYTYPE": source["ENTRYTYPE"], **{f: source.get(f, "") for f in FIELDS}})
            gold[ident] = key
    return pd.DataFrame(rows), gold


def run(spec: str) -> None:
    from dedup import _score_module, false_merges, missed_by_rule

    from hairmeta.evidence.library.dedup.match import find_duplicates

    repo, commit = _clone(spec)
    frame, gold = labelled_set(repo, commit)
    started = time.process_time()
    result = find_duplicates(frame)
    cpu = time.process_time() - started
    removal = _score_module().score_clusters(gold, dict(zip(result.ids, result.labels)))["removal"]
    works = len(set(gold.values()))
    print(
        f"{repo.name}@{commit}  n={len(frame)} works={works}  precision={removal['precision']:.4f}  "
        f"recall={removal['recall']:.4f}  false_merges={removal['FP']}  cpu={cpu:.2f}s  "
        f"review_queue={len(result.queued())}"
    )
    misses = missed_by_rule(gold, result)
    if misses:
        print("    gold pairs left apart, by rule: " + "; ".join(f"{n} {why}" for why, n in list(misses.items())[:6]))
    for merge in false_merges(frame, gold, result):
        print(f"    false merge {merge['ids']}: {merge['argument']}")
        for ident, title, cite in zip(merge["ids"], merge["titles"], merge["cites"]):
            print(f"        {ident}: {title[:110]}\n            {cite}")


def cross_venue(specs: list[str], proceedings: str) -> None:
    """Pool the labelled sets with an unlabelled proceedings file (``CLONE@COMMIT:PATH``, e.g. the
    ICIS curation's ``data/search/DBLP.bib``) and count decisions between a proceedings paper
    and a journal record: the issue wants ``related``, never ``merge``."""
    from hairmeta.evidence.library.dedup.match import find_duplicates

    where, _, path = proceedings.rpartition(":")
    repo, commit = _clone(where)
    papers = _entries(_git_show(repo, commit, path))
    frames = [
        pd.DataFrame(
            [
                {"ID": f"proc/{k}", "ENTRYTYPE": e["ENTRYTYPE"], **{f: e.get(f, "") for f in FIELDS}}
                for k, e in papers.items()
            ]
        )
    ]
    for spec in specs:
        clone, clone_commit = _clone(spec)
        frame, _ = labelled_set(clone, clone_commit)
        frame["ID"] = clone.name + "/" + frame["ID"]
        frames.append(frame)
    pooled = pd.concat(frames, ignore_index=True).fillna("")
    pairs = find_duplicates(pooled).pairs
    across = pairs[pairs["id_a"].str.startswith("proc/") != pairs["id_b"].str.startswith("proc/")]
    counts = across["decision"].value_counts().to_dict()
    print(
        f"proceedings {repo.name}:{path} ({len(papers)} papers) pooled with the journals "
        f"({len(pooled)} records): decisions between a proceedings paper and a journal record: "
        + ", ".join(f"{d} {counts.get(d, 0)}" for d in ("merge", "related", "review", "distinct"))
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    proceedings = [a.removeprefix("--proceedings=") for a in args if a.startswith("--proceedings=")]
    specs = [a for a in args if not a.startswith("--proceedings=")]
    if not specs:
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    for spec in specs:
        run(spec)
    for extra in proceedings:
        cross_venue(specs, extra)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
