"""Writing a command's output file: the one place that chooses a writer by the file's suffix and
writes atomically (a temporary file in the target folder, then a rename), so a failure never leaves
a half-written file and the message names the file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from hairmeta.evidence.errors import DataError, UnknownNameError


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
