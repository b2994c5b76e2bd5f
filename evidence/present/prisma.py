"""The PRISMA 2020 flow diagram as SVG, and the flow written by file suffix (``.svg`` or ``.json``).

Boxes follow Page MJ et al. The PRISMA 2020 statement. BMJ 2021;372:n71, Figure 1; the counts come from
:mod:`hairmeta.evidence.library.prisma`.
"""

from __future__ import annotations

from html import escape

from hairmeta.evidence.library.prisma import PrismaFlow
from hairmeta.evidence.present.output import suffix_of, write_output
from hairmeta.evidence.present.render import dumps_json

BOX_W, BOX_H, GAP = 300, 64, 34


def _box(x: int, y: int, lines: list[str], h: int, w: int = BOX_W) -> str:
    text = "".join(
        f'<tspan x="{x + 10}" dy="{0 if i == 0 else 15}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return (
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#fff" stroke="#333"/>'
        f'<text x="{x + 10}" y="{y + 20}" font-family="sans-serif" font-size="12">{text}</text>'
    )


def _arrow(x1: int, y1: int, x2: int, y2: int) -> str:
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#333" marker-end="url(#arrow)"/>'


def flow_svg(flow: PrismaFlow) -> str:
    """The PRISMA 2020 flow diagram (identification → screening → included) as standalone SVG."""
    left, right = 20, 20 + BOX_W + 60
    ids = [f"{s}: n = {n}" for s, n in flow.identified.items()] or ["no sources"]
    steps = [
        (["Records identified", *ids], [f"Duplicates removed: n = {flow.duplicates_removed}"]),
        (
            [f"Records screened: n = {flow.screened}", f"(awaiting a decision: {flow.awaiting_screening})"],
            [
                f"Records excluded: n = {flow.excluded_screening}",
                *[f"{k}: {v}" for k, v in flow.excluded_screening_reasons.items()],
            ],
        ),
        ([f"Reports sought for retrieval: n = {flow.reports_sought}"], []),
        (
            [
                f"Reports assessed for eligibility: n = {flow.assessed}",
                f"(awaiting assessment: {flow.awaiting_full_text})",
            ],
            [
                f"Reports excluded: n = {flow.excluded_full_text}",
                *[f"{k}: {v}" for k, v in flow.excluded_full_text_reasons.items()],
            ],
        ),
        ([f"Studies included in review: n = {flow.included}"], []),
    ]
    parts, y = [], 20
    for main, side in steps:
        h = max(BOX_H, 20 + 15 * max(len(main), len(side)))
        parts.append(_box(left, y, main, h))
        if side:
            parts.append(_box(right, y, side, h))
            parts.append(_arrow(left + BOX_W, y + h // 2, right, y + h // 2))
        if main is not steps[-1][0]:
            parts.append(_arrow(left + BOX_W // 2, y + h, left + BOX_W // 2, y + h + GAP))
        y += h + GAP
    width, height = right + BOX_W + 20, y
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="prisma" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="PRISMA 2020 flow diagram"><defs><marker id="arrow" markerWidth="8" '
        f'markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" '
        f'fill="#333"/></marker></defs>{"".join(parts)}</svg>'
    )


def write_flow(flow: PrismaFlow, path) -> None:
    """Write the flow as ``.svg`` (diagram) or ``.json`` (counts) chosen by the file suffix."""
    writers = {".svg": flow_svg, ".json": lambda f: dumps_json(f.to_dict())}
    write_output(path, writers[suffix_of(path, writers, "PRISMA output type")](flow) + "\n")
