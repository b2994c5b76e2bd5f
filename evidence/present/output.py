"""Writing a command's output file: the one place that chooses a writer by the file's suffix, checks
the target (:func:`check_target`: never a command's own input, never a record library, never an
existing file unless the user says ``--force``, never a folder that does not exist) and writes
atomically (a temporary file in the target folder, then a rename), so a failure never leaves a
half-written file and the message names the file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from hairmeta.evidence.errors import DataError, UnknownNameError

#: The first bytes of every SQLite database file (https://www.sqlite.org/fileformat.html, 1.3.1).
SQLITE_MAGIC = b"SQLite format 3\x00"


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file (hard links and symlinks included)."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def check_target(
    path: str | Path,
    *,
    inputs: tuple[str | Path | None, ...] = (),
    library: str | Path | None = None,
    force: bool = False,
) -> Path:
    """``path`` if a command may write its output there, else ``DataError`` saying why.

    Refused always (``force`` does not help): one of the command's ``inputs``, the record
    ``library``, any SQLite database, a folder, a path whose folder does not exist.  Refused
    unless ``force``: any other existing file.  Call it before any work is done, so nothing runs
    only to be thrown away.
    """
    path = Path(path)
    where = str(path)
    if not path.parent.is_dir():
        raise DataError(f"cannot write: folder {str(path.parent)!r} does not exist", file=where)
    if path.is_dir():
        raise DataError("is a folder; give a file name", file=where)
    if library is not None and _same_file(path, Path(library)):
        raise DataError("is the record library; the output must go to another file", file=where)
    for given in inputs:
        if given is not None and _same_file(path, Path(given)):
            raise DataError("is this command's input; the output must go to another file", file=where)
    if path.exists():
        if _is_sqlite(path):
            raise DataError("is an SQLite database (a record library?); it is never replaced", file=where)
        if not force:
            raise DataError("exists; give --force to replace it", file=where)
    return path


def suffix_of(path: str | Path, choices: Mapping[str, object] | tuple[str, ...], kind: str) -> str:
    """The lower-case suffix of ``path`` if it is one of ``choices``, else an error listing them."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in choices:
        raise UnknownNameError(kind, path.suffix or path.name, tuple(choices))
    return suffix


def write_output(path: str | Path, produce: Callable[[Path], None] | str | bytes) -> Path:
    """Write ``path`` atomically.

    ``produce`` is the text or bytes to write, or a function that writes a given temporary path
    (e.g. matplotlib's ``savefig``).  The temporary file lives beside ``path`` so the final
    ``os.replace`` is atomic; it is removed on any failure.
    """
    path = Path(path)
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise DataError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            if isinstance(produce, str):
                stream.write(produce.encode("utf-8"))
            elif isinstance(produce, bytes):
                stream.write(produce)
        if callable(produce):
            produce(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
