"""``hairmeta prisma``: counts to stdout, flow to .svg/.json files, errors for other suffixes."""

import json
import xml.etree.ElementTree as ET

import pytest

from hairmeta.cli import app
from hairmeta.evidence.library.records import Record
from hairmeta.evidence.library.screening import record_decision
from hairmeta.evidence.library.store import Store


@pytest.fixture
def library(db_file):
    with Store(db_file) as s:
        s.upsert_records([Record(pmid=str(i), title=f"T{i}") for i in (1, 2, 3)], source="pubmed")
        s.upsert_records([Record(pmid="3", title="T3")], source="crossref")
        record_decision(s, 1, "exclude", "review article")
    return db_file


def test_json_counts_by_hand(runner, library):
    result = runner.invoke(app, ["prisma", "--format", "json"])
    assert result.exit_code == 0, result.output
    flow = json.loads(result.stdout)
    assert flow["identified"] == {"crossref": 1, "pubmed": 3}
    assert flow["duplicates_removed"] == 1 and flow["screened"] == 3
    assert flow["excluded_screening_reasons"] == {"review article": 1}


def test_svg_and_json_outputs(runner, library, tmp_path):
    svg = tmp_path / "flow.svg"
    assert runner.invoke(app, ["prisma", "--output", str(svg)]).exit_code == 0
    assert "Records excluded: n = 1" in "".join(ET.parse(svg).getroot().itertext())
    js = tmp_path / "flow.json"
    assert runner.invoke(app, ["prisma", "-o", str(js), "-f", "csv"]).exit_code == 0
    assert json.loads(js.read_text())["identified_total"] == 4


def test_other_suffix_is_refused(runner, library, tmp_path):
    result = runner.invoke(app, ["prisma", "--output", str(tmp_path / "flow.png")])
    assert result.exit_code == 1
    assert "unknown PRISMA output type '.png'; valid: .svg, .json" in result.stderr


def test_missing_library_is_not_created(runner, tmp_path):
    path = tmp_path / "none.sqlite"
    result = runner.invoke(app, ["prisma", "--db", str(path), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["notes"] == [f"no record library at {path}"]
    assert not path.exists()
