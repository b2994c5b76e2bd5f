"""The one exception hierarchy of hairmeta; the CLI translates it once into ``Error: …``."""

from __future__ import annotations


class HairmetaError(Exception):
    """Base class of every error hairmeta raises on purpose (a user-facing message)."""

    exit_code = 1


class DataError(HairmetaError):
    """Bad input data: a file, row and field that cannot be used as given."""

    def __init__(
        self, message: str, *, file: str | None = None, row: int | None = None, field: str | None = None
    ) -> None:
        self.file, self.row, self.field, self.detail = file, row, field, message
        where = ":".join(str(p) for p in (file, row, field) if p not in (None, ""))
        super().__init__(f"{where}: {message}" if where else message)


class UnknownNameError(HairmetaError):
    """A name (measure, estimator, source, format…) outside a registry; lists the valid ones."""

    def __init__(self, kind: str, name: str, valid: list[str] | tuple[str, ...]) -> None:
        self.kind, self.name, self.valid = kind, name, tuple(valid)
        super().__init__(f"unknown {kind} {name!r}; valid: {', '.join(self.valid)}")


class StoreError(HairmetaError):
    """The record library (SQLite) cannot be opened, migrated or written."""


class SourceError(HairmetaError):
    """A remote source (PubMed, Europe PMC, Crossref, ClinicalTrials.gov) failed for good."""


class ModelError(HairmetaError):
    """A statistical model cannot be fitted as asked (k too small, no convergence, bad variances)."""


class ConvergenceError(ModelError):
    """An iterative estimator did not converge within its iteration limit."""


class InputNote(UserWarning):
    """Something the user should know about their input that does not stop the command (which of
    two columns was used, a file read as UTF-16).  Raised with ``warnings.warn``; the CLI prints
    each as one ``Note: …`` line on stderr."""
