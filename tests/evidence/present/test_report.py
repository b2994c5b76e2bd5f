"""The report on the shipped data: self-contained HTML, Markdown variant, provenance links."""

import re
from html.parser import HTMLParser

import pytest

from hairmeta.evidence.errors import UnknownNameError
from hairmeta.evidence.meta.options import ModelOptions
from hairmeta.evidence.present.report import fmt_number, gather, render_report, write_report

#: Renders whole reports or matplotlib figures: outside the fast lane.
pytestmark = pytest.mark.slow


class Links(HTMLParser):
    """Collects ids, in-page links, external resource references and svg elements."""

    def __init__(self):
        super().__init__()
        self.ids, self.anchors, self.resources, self.svgs = set(), [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href", "").startswith("#"):
            self.anchors.append(attrs["href"][1:])
        if tag in ("script", "img", "link", "iframe") and (attrs.get("src") or attrs.get("href")):
            self.resources.append((tag, attrs.get("src") or attrs.get("href")))
        self.svgs += tag == "svg"


@pytest.fixture(scope="module")
def context():
    """Everything the report shows, gathered once from the shipped data (no library)."""
    return gather(study="hassan2024", options=ModelOptions("REML", True, 95.0), db=None)


@pytest.fixture(scope="module")
def html(context):
    return render_report(context, ".html")


def test_html_needs_no_network_and_every_in_page_link_resolves(html):
    parsed = Links()
    parsed.feed(html)
    assert parsed.resources == []  # no external script, stylesheet, image or frame
    assert "@import" not in html and "url(http" not in html
    missing = sorted(set(parsed.anchors) - parsed.ids)
    assert missing == []
    assert parsed.svgs >= 2  # at least one forest + funnel pair


def test_html_holds_every_section(html):
    for heading in (
        "Evidence summary",
        "Published meta-analyses beside ours",
        "What the evidence lacks",
        "Forest and funnel plots",
        "hassan2024 against the literature",
        "PRISMA 2020 flow",
        "Provenance appendix",
    ):
        assert heading in html
    assert "outperforming PRP" in html and "Why the data cannot support that claim" in html
    for heading in ("Key findings: Summary of Findings", "Forest plots of the key findings", "Risk of bias", "Details"):
        assert heading in html
    assert html.index("Key findings: Summary of Findings") < html.index("The case series: hassan2024")
    assert "No controlled study with results answers exosomes compared with PRP" in html
    assert "No record library given." in html


def test_sof_rows_link_to_revman_style_forest_plots(context, html):
    rows = [r for t in context["sof"] for r in t["rows"]]
    assert rows
    for r in rows:
        assert f'href="#{r["id"]}"' in html and f'<section id="{r["id"]}">' in html
        assert "Favours" in r["forest"] or "baseline" in r["forest"]
        assert "Heterogeneity" in r["forest"] and "Test for overall effect" in r["forest"]
    relapse = next(r for r in rows if r["key"][2] == "relapse")
    assert "2/40 PRP" in relapse["forest"] and "10/40 ILCs" in relapse["forest"]  # arm events/total as coded
    assert "Favours PRP" in relapse["forest"]  # fewer relapses is better: PRP on the left


def test_details_keep_everything_shown_before(html):
    assert html.count("<details>") >= 4
    assert "Bodies of evidence without poolable numbers" in html and 'class="plot funnel"' in html


def test_rob_grid_says_not_assessed(context):
    assert context["rob"]["rows"] and len(context["rob"]["domains"]) == 5
    assert {r["overall"] for r in context["rob"]["rows"]} <= {"low", "some_concerns", "high", "not_assessed"}


def test_prisma_diagram_of_a_library_is_inlined(context, tmp_path):
    from hairmeta.evidence.library.prisma import prisma_flow
    from hairmeta.evidence.library.records import Record
    from hairmeta.evidence.library.store import Store
    from hairmeta.evidence.present.prisma import flow_svg

    with Store(tmp_path / "lib.sqlite") as store:
        store.upsert_records([Record(pmid="1", title="T")], source="pubmed")
        flow = prisma_flow(store)
    page = render_report(
        dict(context, prisma={"svg": flow_svg(flow), "rows": flow.rows(), "notes": flow.notes}), ".html"
    )
    assert 'class="plot prisma-flow"' in page and "pubmed: n = 1" in page


def test_provenance_rows_carry_source_links_and_quotes(html):
    rows = re.findall(r'<tr id="prov-([^"]+)">(.*?)</tr>', html, flags=re.S)
    assert rows, "no coded outcome rows in the appendix"
    for outcome_id, cells in rows:
        assert '<a href="http' in cells, outcome_id
        assert "“" in cells and "”" in cells


def test_markdown_variant_embeds_plots_as_data_uris(context):
    text = render_report(context, ".md")
    assert text.startswith("# hairmeta evidence report")
    assert "## Evidence summary" in text and "## Provenance appendix" in text
    assert "](data:image/svg+xml;base64," in text
    assert "http" not in "".join(re.findall(r"!\[[^\]]*\]\(([^)]*)\)", text))


def test_unknown_report_type_is_refused_before_any_work(tmp_path):
    with pytest.raises(UnknownNameError, match=r"valid: \.html, \.md"):
        write_report(tmp_path / "report.pdf")
    assert not (tmp_path / "report.pdf").exists()


@pytest.mark.parametrize(
    "value, shown",
    [(None, "—"), (float("nan"), "—"), (3.0, "3"), (0.123456, "0.12"), ("text", "text"), (-1.5, "-1.50"), (0.0, "0")],
)
def test_number_display(value, shown):
    assert fmt_number(value) == shown
