"""Strict CSV reading for effects files: shape errors name file:line, UTF-16 is read and said,
vi with sei says which is used (issue 12)."""

from __future__ import annotations

import csv
import sys
import warnings

import pytest

from hairmeta.evidence.errors import DataError, InputNote
from hairmeta.evidence.meta.csvinput import FIELD_LIMIT, read_csv_checked
from hairmeta.evidence.meta.pooling import pool_file

GOOD = "study,yi,vi\nA,0.1,0.02\nB,0.3,0.05\nC,-0.1,0.04\n"


def _file(tmp_path, content, name="e.csv"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("study,yi,vi\nA,0.1,0.02\nB,0.3\n", r"e\.csv:3: 2 cells, header has 3$"),
        ("study,yi,vi\nA,0.1,0.02,9\n", r"e\.csv:2: 4 cells, header has 3$"),
        ("study,yi,vi,vi\nA,0.1,0.02,0.5\n", r"e\.csv:1: column 'vi' appears twice in the header \(columns 3 and 4\)"),
        ("study,,vi\nA,0.1,0.02\n", r"e\.csv:1: column 2 has no name"),
        ("", r"e\.csv:1: empty file"),
        ('study,yi,vi\nA,"' + "x" * (FIELD_LIMIT + 10) + '",1\n', rf"e\.csv:2: a field longer than {FIELD_LIMIT:,}"),
        (b"study,yi,vi\nA,\x80,1\n", r"e\.csv: not UTF-8 text \(byte 0x80 at line 2\); save it as UTF-8 CSV"),
    ],
    ids=["short_row", "long_row", "repeated", "unnamed", "empty", "huge_field", "not_utf8"],
)
def test_shape_errors_name_the_file_and_line(tmp_path, content, message):
    previous = csv.field_size_limit(sys.maxsize)  # another module raising the process-wide limit changes nothing
    try:
        with pytest.raises(DataError, match=message):
            read_csv_checked(_file(tmp_path, content))
    finally:
        csv.field_size_limit(previous)


def test_blank_trailing_lines_are_not_ragged(tmp_path):
    assert len(read_csv_checked(_file(tmp_path, GOOD + "\n\n"))) == 3


def test_utf16_with_bom_is_read_and_said(tmp_path):
    path = _file(tmp_path, GOOD.encode("utf-16"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = read_csv_checked(path)
    assert list(frame.columns) == ["study", "yi", "vi"] and frame["yi"].tolist() == [0.1, 0.3, -0.1]
    assert [str(w.message) for w in caught if w.category is InputNote] == [
        f"{path}: read as UTF-16 text (UTF-8 is the usual CSV encoding)"
    ]


def test_vi_and_sei_together_say_vi_is_used(tmp_path):
    path = _file(tmp_path, "study,yi,vi,sei\nA,0.1,0.02,9\nB,0.3,0.05,9\nC,-0.1,0.04,9\n")
    with pytest.warns(InputNote, match="both vi and sei; vi is used, sei ignored"):
        both = pool_file(path, method="DL")
    assert both.estimate == pytest.approx(pool_file(_file(tmp_path, GOOD, "g.csv"), method="DL").estimate)
