"""File-mode de-duplication (``hairmeta dedup --input FILE --output FILE``): read any supported file,
cluster its records, write ``ID,cluster_id``.
"""

from __future__ import annotations

from hairmeta.evidence.library.dedup.match import find_duplicates
from hairmeta.extractors.files import records_frame


def dedup_file(input_path, output_path) -> dict:
    """File mode: cluster the records of one file and write ``ID,cluster_id`` (input's IDs)."""

    frame = records_frame(input_path)
    result = find_duplicates(frame)
    result.cluster_frame().to_csv(output_path, index=False)
    return {
        "records": len(result.ids),
        "clusters": len(set(result.labels)),
        "duplicates_removed": len(result.ids) - len(set(result.labels)),
        "queued_for_review": int((result.pairs["decision"] == "review").sum()),
        "output": str(output_path),
    }
