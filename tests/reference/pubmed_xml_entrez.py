"""Golden Records for the PubMed XML reader, made by the ``Bio.Entrez.read``-based reader.

Until commit c402eb1, :mod:`hairmeta.extractors.pubmed_xml` read efetch XML with
``Bio.Entrez.read`` (validating against Biopython's bundled PubMed DTD).  It was replaced by an
ElementTree reader for speed (issue 15); this script records what the old reader made of every
efetch file we have, so ``tests/extractors/test_pubmed_xml_golden.py`` can show the new reader
gives the same Records, field for field.

Regenerate (only to add inputs; the reference reader is the old one)::

    git show c402eb1:extractors/pubmed_xml.py > /tmp/entrez_reader.py
    python tests/reference/pubmed_xml_entrez.py --reader /tmp/entrez_reader.py

Inputs: the real efetch replies in ``../shared/fixtures/efetch_pubmed/`` (by file name), the
hand-made ``tests/data/pubmed/markup_cases.xml`` (inline markup, MathML, entities, books) and
60 synthetic articles of the loopback fake server (``tests/fake_eutils.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
sys.path.insert(0, str(TESTS))

from fake_eutils import PUBMED_HEAD, synthetic_article  # noqa: E402

FIXTURES = TESTS.parent.parent / "shared" / "fixtures" / "efetch_pubmed"
OUT = HERE / "pubmed_xml_entrez.json"


def inputs() -> dict[str, bytes]:
    """Every input by a stable name: ``fixture:<file>``, ``markup_cases.xml``, ``fake``."""
    found = {f"fixture:{p.name}": p.read_bytes() for p in sorted(FIXTURES.glob("*.xml"))}
    found["markup_cases.xml"] = (TESTS / "data" / "pubmed" / "markup_cases.xml").read_bytes()
    fake = "".join(synthetic_article(40_000_000 + n, date(2020, 1, 1 + n % 28)) for n in range(60))
    found["fake"] = (PUBMED_HEAD + fake + "</PubmedArticleSet>\n").encode()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", type=Path, required=True, help="the Entrez.read-based pubmed_xml.py")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("entrez_reader", args.reader)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    golden = {name: [dataclasses.asdict(r) for r in module.parse_pubmed_xml(raw)] for name, raw in inputs().items()}
    OUT.write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{OUT.name}: {sum(map(len, golden.values()))} records from {len(golden)} inputs")


if __name__ == "__main__":
    main()
