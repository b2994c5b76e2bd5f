"""The evidence report: one self-contained HTML page (or Markdown file) from the library's parts.

The page holds the summary tables, a forest and a funnel plot per pooled result (inline SVG from
:mod:`hairmeta.evidence.present.plots`), the comparison of one study with the literature, the PRISMA 2020 diagram
and a provenance appendix in which every coded number links to its source and quote.  Nothing is
fetched when the page is opened: CSS and SVG are inline, and the only URLs are ``<a href>``
links to the sources.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from hairmeta.evidence.errors import UnknownNameError
from hairmeta.evidence.library.prisma import library_flow
from hairmeta.evidence.meta.measures import RATIO_MEASURES
from hairmeta.evidence.meta.options import DEFAULT, ModelOptions
from hairmeta.evidence.present.output import suffix_of, write_output
from hairmeta.evidence.present.plots import forest_svg, funnel_svg
from hairmeta.evidence.present.prisma import flow_svg
from hairmeta.evidence.present.sof_figures import forest_svg as sof_forest_svg
from hairmeta.evidence.present.sof_figures import published_svg
from hairmeta.evidence.synthesis.compare import compare
from hairmeta.evidence.synthesis.sof import BAYES_NOTE, effect_text, findings
from hairmeta.evidence.tables.load import coded_tables

TEMPLATES = {".html": "report.html.j2", ".md": "report.md.j2"}
PROVENANCE_COLUMNS = [
    "outcome_id",
    "study_id",
    "arm",
    "outcome",
    "timepoint",
    "n",
    "mean",
    "sd",
    "change_mean",
    "change_sd",
    "events",
    "p_value",
    "derivation",
    "not_reported",
    "source",
    "location",
    "quote",
]


@dataclass(frozen=True)
class Plot:
    """The forest and funnel plots of one pooled body of evidence."""

    title: str
    forest: str
    funnel: str


def fmt_number(value, digits: int = 2) -> str:
    """Display a number: ``—`` when missing, integers as such, else ``digits`` decimals."""
    if value is None or value is pd.NA:
        return "—"
    if isinstance(value, str):
        return value
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return "—"
    return f"{x:.0f}" if x.is_integer() else f"{x:.{digits}f}"


def _inline(svg: str) -> str:
    """SVG text fit for inlining in HTML: the XML declaration and DOCTYPE removed."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def plots_of(result, settings: dict) -> list[Plot]:
    """A forest and funnel SVG for every body pooled from two or more studies.

    Log-ratio measures (RR, OR, ROM, PR) are drawn back-transformed (``exp``) in the forest plot.
    """

    plots = []
    for body in result.bodies:
        if body.fit is None:
            continue
        title = " · ".join(body.key) + f" ({body.measure}, {settings['model']})"
        transform = "exp" if body.measure in RATIO_MEASURES else None
        plots.append(Plot(title, _inline(forest_svg(body.fit, transform=transform)), _inline(funnel_svg(body.fit))))
    return plots


def provenance(result, outcomes: pd.DataFrame, studies: pd.DataFrame) -> list[dict]:
    """The coded outcome rows behind every summary row, with source, location and quote."""
    used = {
        i
        for body in result.bodies
        for ids in body.effects.get("outcome_ids", pd.Series(dtype=object))
        for i in (ids if isinstance(ids, (list, tuple)) else str(ids).split(";"))
    }
    rows = outcomes[outcomes["outcome_id"].isin({u.strip() for u in used})]
    cols = [c for c in PROVENANCE_COLUMNS if c in rows.columns]
    return rows[cols].to_dict(orient="records")


def _table(frame: pd.DataFrame) -> dict:
    return {"columns": [str(c) for c in frame.columns], "rows": frame.to_dict(orient="records")}


def summary_tables(result) -> dict:
    """The summary as the report shows it: pooled rows with reasons, unpooled rows, published."""
    pooled = result.rows[result.rows["k"] > 0]
    shown = result.display_rows().drop(columns=["#"])
    shown["certainty: reasons; flags"] = [
        r.downgrades + (f" — {r.flags}" if r.flags else "") for r in pooled.itertuples()
    ]
    shown["studies"] = list(pooled["studies"])
    published = result.display_published()
    if len(published):
        published["explanation"] = list(result.published["explanation"])
    return {"summary": _table(shown), "unpooled": _table(result.display_unpooled()), "published": _table(published)}


#: Risk-of-bias domains of RoB 2 (Sterne JAC et al. BMJ 2019;366:l4898); the coded tables hold
#: only an overall judgement, so every domain is shown as not assessed.
ROB_DOMAINS = (
    "Randomisation process",
    "Deviations from intended interventions",
    "Missing outcome data",
    "Measurement of the outcome",
    "Selection of the reported result",
)


def _bayes_of(row, rows: pd.DataFrame) -> dict | None:
    """The Bayesian numbers of a SoF row's body when the row uses them (analysis scale)."""
    if not row.model.startswith("Bayesian"):
        return None
    match = rows[
        (rows["intervention_family"] == row.key[0])
        & (rows["condition"] == row.key[1])
        & (rows["outcome"] == row.key[2])
        & (rows["comparison"] == row.key[3])
    ].iloc[0]
    names = ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "prob_positive")
    return {n: float(match.get(f"bayes_{n}", math.nan)) for n in names}


def sof_context(found, outcomes: pd.DataFrame, level: float) -> list[dict]:
    """The SoF tables as the templates show them, each row with its forest plot (inline SVG)."""
    bodies = {b.key: b for b in found.summary.bodies}
    tables = []
    for number, table in enumerate(found.tables, start=1):
        rows = []
        for i, row in enumerate(table.rows, start=1):
            bayes = _bayes_of(row, found.summary.rows)
            rows.append(
                {
                    **row.to_dict(),
                    "id": f"forest-{number}-{i}",
                    "effect_text": effect_text(row.effect),
                    "interval": "CrI" if bayes else "CI",
                    "forest": sof_forest_svg(row, bodies[row.key], outcomes, bayes, level),
                }
            )
        tables.append(
            {
                "id": f"sof-{table.question.code}",
                "title": table.question.title,
                "rows": rows,
                "footnotes": table.footnotes,
                "statement": table.statement,
                "without_numbers": table.without_numbers,
            }
        )
    return tables


def rob_context(found, studies: pd.DataFrame) -> dict:
    """Study × domain grid of the studies behind the SoF rows (domains not assessed; overall as coded)."""
    ids = list(dict.fromkeys(s for t in found.tables for r in t.rows for s in r.study_ids))
    info = studies.set_index("study_id")
    rows = [
        {
            "study_id": s,
            "design": info.at[s, "design"],
            "overall": info.at[s, "rob_judgement"] or "not_assessed",
            "reason": info.at[s, "rob_reason"],
        }
        for s in ids
        if s in info.index
    ]
    return {"domains": ROB_DOMAINS, "rows": rows}


def gather(*, study: str | None, options: ModelOptions = DEFAULT, db: Path | None = None) -> dict:
    """Everything the templates need, computed once from the shipped tables and the library."""

    tables = coded_tables()
    studies, outcomes, arms, meta = tables.studies, tables.outcomes, tables.arms, tables.meta
    comparison = compare(study, studies=studies, arms=arms, outcomes=outcomes, options=options) if study else None
    found = findings(options=options, studies=studies, outcomes=outcomes, meta=meta)
    result = found.summary
    flow = library_flow(db) if db is not None else None
    return {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "settings": result.settings,
        "sof": sof_context(found, outcomes, options.level),
        "bayes_note": BAYES_NOTE,
        "rob": rob_context(found, studies),
        "published_svg": published_svg(result.published),
        **summary_tables(result),
        "gaps": result.gaps,
        "plots": plots_of(result, result.settings),
        "comparison": comparison
        and {
            "study": comparison.study,
            "claim": comparison.claim,
            "notes": comparison.notes,
            "sections": [(t, _table(f)) for t, f in comparison.sections() if len(f)],
        },
        "prisma": flow and {"svg": flow_svg(flow), "rows": flow.rows(), "notes": flow.notes},
        "provenance": provenance(result, outcomes, studies),
        "arms": comparison.arms if comparison else [],
        "studies": studies.to_dict(orient="records"),
        "meta": meta.to_dict(orient="records"),
    }


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _md_literal(value):
    """Data in Markdown stays text: ``[``, ``]`` and backticks are backslash-escaped (no links or
    code spans from a title), as the HTML report escapes ``<`` and ``&`` (autoescaping does that here too)."""
    if not isinstance(value, str) or value.startswith("data:image/"):
        return value
    return value.replace("[", "\\[").replace("]", "\\]").replace("`", "\\`")


def render_report(context: dict, kind: str = ".html") -> str:
    """Render ``context`` with the HTML or Markdown template."""
    import jinja2

    if kind not in TEMPLATES:
        raise UnknownNameError("report type", kind, tuple(TEMPLATES))
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("hairmeta.evidence.present", "templates"),
        autoescape=True,  # Markdown too: its renderers pass raw HTML through, so data is HTML-escaped
        finalize=_md_literal if kind == ".md" else None,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["num"] = fmt_number
    env.filters["svg_uri"] = _svg_data_uri
    env.filters["md_cell"] = lambda v: fmt_number(v).replace("|", "\\|").replace("\n", " ")
    return env.get_template(TEMPLATES[kind]).render(**context)


def write_report(
    output: str | Path,
    *,
    study: str | None = "hassan2024",
    options: ModelOptions = DEFAULT,
    db: Path | None = None,
) -> Path:
    """Write the report to ``output`` (``.html`` or ``.md`` by suffix) and return its path."""
    output = Path(output)
    kind = suffix_of(output, TEMPLATES, "report type")
    text = render_report(gather(study=study, options=options, db=db), kind)
    write_output(output, text)
    return output
