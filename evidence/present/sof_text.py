"""Summary of Findings tables as plain text for a terminal of a given width.

Each question gets a title line, then per row one line (outcome and population, participants
(studies), certainty symbols and word with footnote letters) followed by the effect and the
plain-language statement, wrapped at word boundaries (a word is never split), then the table's
footnotes.  No line is wider than ``width`` unless a single word is.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace

from hairmeta.evidence.synthesis.sof import BAYES_NOTE, SofTable, effect_text

INDENT = "   "


def _wrap(text: str, width: int, indent: str = INDENT) -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def row_lines(row, width: int) -> list[str]:
    """The lines of one SoF row."""
    right = f"{row.participants:g} ({row.studies}) {row.certainty_symbols} {row.certainty.upper()}"
    if row.footnotes:
        right += " " + ",".join(row.footnotes)
    left = f" {row.outcome[0].upper()}{row.outcome[1:]}, {row.population}"
    if len(left) + 2 + len(right) <= width:
        head = [left + " " * (width - len(left) - len(right)) + right]
    else:
        head = _wrap(left.strip(), width, " ") + [" " * max(width - len(right), 1) + right]
    unit = f" {row.effect['unit']}" if row.effect.get("unit") else ""
    interval = "CrI" if row.model.startswith("Bayesian") else "CI"
    effect = effect_text(row.effect).replace(" (", f"{unit} ({interval} ", 1)
    body = f"{effect}. " + (f"{row.absolute_effect}. " if row.absolute_effect else "") + row.statement
    return head + _wrap(body, width)


def table_lines(table: SofTable, width: int, letters: dict[str, str], *, details: bool = False) -> list[str]:
    """The lines of one question's SoF table; ``letters`` maps footnote sentences to the letters
    shared by every table on the screen (each footnote is printed once, after the tables)."""
    lines = [f"■ {table.question.title}"]
    for row in table.rows:
        row = replace(row, footnotes=sorted(letters[table.footnotes[x]] for x in row.footnotes))
        lines += row_lines(row, width)
    if table.statement:
        lines += _wrap(table.statement, width)
    if details and table.without_numbers:
        lines.append(" Critical outcomes coded without usable numbers:")
        for item in table.without_numbers:
            lines += _wrap("- " + item, width)
    return lines


CERTAINTY_ORDER = ("very low", "low", "moderate", "high")


def glance_lines(tables: list[SofTable], width: int = 80) -> list[str]:
    """One line per question, before the tables: the highest certainty any of its outcomes reaches
    (or that no controlled study with results answers it), so the first screen answers every
    question of the review."""
    lines = textwrap.wrap(
        "At a glance — the highest certainty any outcome reaches, per question:",
        width=width,
        initial_indent=" ",
        subsequent_indent=" ",
        break_long_words=False,
    )
    for table in tables:
        rated = [r for r in table.rows if r.certainty in CERTAINTY_ORDER]
        if rated:
            best = max(rated, key=lambda r: CERTAINTY_ORDER.index(r.certainty))
            answer = f"{best.certainty_symbols} {best.certainty.upper()}"
            text = f"{table.question.title} ({len(rated)} outcome{'s' if len(rated) > 1 else ''})"
        else:
            answer, text = "no controlled results", table.question.title
        lines += textwrap.wrap(
            text,
            width=width,
            initial_indent=f" {answer:<21} ",
            subsequent_indent=" " * 23,
            break_long_words=False,
            break_on_hyphens=False,
        )
    return lines


def sof_lines(tables: list[SofTable], width: int = 80, *, details: bool = False) -> list[str]:
    """Every SoF table as text lines at most ``width`` wide, then the footnotes once."""
    sentences = list(dict.fromkeys(text for t in tables for text in t.footnotes.values()))
    letters = {text: "abcdefghijklmnopqrstuvwxyz"[i % 26] for i, text in enumerate(sentences)}
    header = "participants (studies) · certainty"
    lines = glance_lines(tables, width) + [" " * max(width - len(header), 1) + header]
    for table in tables:
        lines += table_lines(table, width, letters, details=details)
    lines += textwrap.wrap("Footnotes. " + BAYES_NOTE, width=width, break_long_words=False)
    for text, letter in letters.items():
        lines += textwrap.wrap(
            f"{letter} {text}", width=width, initial_indent=" ", subsequent_indent="   ", break_long_words=False
        )
    missing = sum(len(t.without_numbers) for t in tables)
    if not details:
        more = f"{missing} critical outcome bodies lack usable numbers: " if missing else "All details: "
        lines += textwrap.wrap(f"{more}hairmeta summary --details", width)
    return lines
