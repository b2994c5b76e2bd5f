"""The ElementTree PubMed reader gives the Records the ``Entrez.read``-based reader gave.

Golden values: ``tests/reference/pubmed_xml_entrez.json``, made by the old reader (see
``tests/reference/pubmed_xml_entrez.py`` for how and from which inputs).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path

import pytest

from hairmeta.extractors.pubmed_xml import PubmedParseError, inner_markup, parse_pubmed_xml

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
GOLDEN = json.loads((REFERENCE / "pubmed_xml_entrez.json").read_text(encoding="utf-8"))


def _inputs() -> dict[str, bytes]:
    spec = importlib.util.spec_from_file_location("pubmed_golden_inputs", REFERENCE / "pubmed_xml_entrez.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.inputs()


INPUTS = _inputs()


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_same_records_as_the_entrez_reader(name):
    if name not in INPUTS:
        pytest.skip(f"{name}: input not on this machine (../shared absent)")
    got = [json.loads(json.dumps(dataclasses.asdict(r), ensure_ascii=False)) for r in parse_pubmed_xml(INPUTS[name])]
    assert got == GOLDEN[name]


def test_golden_covers_markup_books_and_real_replies():
    assert {"markup_cases.xml", "fake"} <= set(GOLDEN)
    assert any(name.startswith("fixture:") for name in GOLDEN)
    markup = GOLDEN["markup_cases.xml"]
    assert [r["pmid"] for r in markup] == ["90000001", "90000002", "90000004", "90000003"]  # articles, then books
    assert markup[0]["title"].startswith("Effect of platelet-rich plasma on CD34+ cells at <5 \u03bcg/mL < dose")


def test_inline_markup_is_written_back_without_namespaces():
    from xml.etree import ElementTree

    element = ElementTree.fromstring('<T>a <i>b</i> c<m:math xmlns:m="urn:x" m:k="v"><m:mi>x</m:mi></m:math> &lt;d</T>')
    assert inner_markup(element) == 'a <i>b</i> c<math k="v"><mi>x</mi></math> <d'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'<?xml version="1.0" ?>\n<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>',
         "NCBI error: Unable to obtain query #1"),
        (b"<PubmedArticleSet><PubmedArticle>", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"<html><body>502</body></html>", "not a PubmedArticleSet reply (<html>)"),
    ],
)  # fmt: skip
def test_replies_that_are_not_article_sets_are_parse_errors(body, message):
    with pytest.raises(PubmedParseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_pubmed_xml(body)


def test_an_empty_article_set_is_no_records():
    assert parse_pubmed_xml(b"<PubmedArticleSet>\n</PubmedArticleSet>") == []
