"""The output formats every analysis and listing command shares (``--format``).

Kept apart from :mod:`.render` so the command line can offer the choice without importing pandas.
"""

from __future__ import annotations

from enum import Enum


class OutputFormat(str, Enum):
    """The ``--format`` choices every analysis and listing command shares."""

    table = "table"
    csv = "csv"
    json = "json"
