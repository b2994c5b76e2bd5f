"""The formats ``hairmeta export`` writes (kept apart from :mod:`.export`, which needs the whole
library, so the command line can list them at start-up)."""

from __future__ import annotations

from enum import Enum


class ExportFormat(str, Enum):
    """The formats ``hairmeta export`` writes."""

    ris = "ris"
    csv = "csv"
    bibtex = "bibtex"
