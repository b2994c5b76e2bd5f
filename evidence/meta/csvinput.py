"""Reading a user's CSV table strictly: the shape is checked before pandas sees it.

pandas quietly renames a repeated column (``vi``, ``vi.1``), pads a short row with blanks and
refuses a UTF-16 file with a decoder message.  :func:`read_csv_checked` reads the text itself
(UTF-8 with or without a byte-order mark; UTF-16 with a byte-order mark, said in an
:class:`~hairmeta.evidence.errors.InputNote`), walks the rows with the :mod:`csv` module and stops
with a :class:`~hairmeta.evidence.errors.DataError` naming ``file:line`` for a repeated or empty
column name, a row whose number of cells differs from the header's, an unclosed quote or a field
longer than the :mod:`csv` module's limit.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
from pathlib import Path

import pandas as pd

from hairmeta.evidence.errors import DataError, InputNote

#: Longest field accepted (the :mod:`csv` module's default limit, 128 KiB): a longer one is
#: nearly always a quote that is never closed, swallowing the rest of the file.
FIELD_LIMIT = 131_072


def decode_text(path: Path) -> str:
    """The text of ``path``: UTF-8 (BOM optional) or UTF-16 with a BOM (noted); else a DataError."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise DataError("is a folder, not a CSV file", file=str(path)) from None
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DataError(f"starts like UTF-16 but is not ({exc.reason})", file=str(path)) from None
        warnings.warn(InputNote(f"{path}: read as UTF-16 text (UTF-8 is the usual CSV encoding)"), stacklevel=2)
        return text
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = "; UTF-16 without a byte-order mark? save it as UTF-8 CSV" if b"\x00" in raw[:200] else ""
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line}){hint or '; save it as UTF-8 CSV'}",
            file=str(path),
        ) from None


def check_shape(text: str, file: str) -> list[str]:
    """The header of CSV ``text`` after checking every row's shape (see the module docstring)."""
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    previous = csv.field_size_limit(FIELD_LIMIT)  # the limit is process-wide: set ours, restore theirs
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise DataError("empty file: no header row", file=file, row=1)
        names = [cell.strip() for cell in header]
        for position, name in enumerate(names, start=1):
            if not name:
                raise DataError(f"column {position} has no name", file=file, row=1)
            if names.count(name) > 1:
                first = names.index(name) + 1
                raise DataError(
                    f"column {name!r} appears twice in the header (columns {first} and "
                    f"{names.index(name, first) + 1}); which one is meant?",
                    file=file,
                    row=1,
                )
        for row in reader:
            if row and any(cell.strip() for cell in row) and len(row) != len(names):
                raise DataError(f"{len(row)} cells, header has {len(names)}", file=file, row=reader.line_num)
    except csv.Error as exc:
        why = str(exc)
        if "field larger than field limit" in why:
            why = f"a field longer than {FIELD_LIMIT:,} characters (a quote that is never closed?)"
        raise DataError(why, file=file, row=reader.line_num) from None
    finally:
        csv.field_size_limit(previous)
    return names


def read_csv_checked(path: str | Path) -> pd.DataFrame:
    """A CSV table whose shape has been checked; column names stripped of spaces.

    Raises
    ------
    DataError
        ``file: …`` when the file is missing, a folder or not text; ``file:line: …`` for the
        first row of the wrong shape (see :func:`check_shape`).
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", file=str(path))
    text = decode_text(path)
    names = check_shape(text, str(path))
    frame = pd.read_csv(io.StringIO(text), skipinitialspace=True, skip_blank_lines=True)
    frame.columns = names
    return frame
