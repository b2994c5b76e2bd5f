"""hairmeta pool on malformed effects files: one clear line each, notes for what is guessed (issue 12)."""

from __future__ import annotations

import json

from hairmeta.cli import app

GOOD = "study,yi,vi\nA,0.1,0.02\nB,0.3,0.05\nC,-0.1,0.04\n"


def test_both_vi_and_sei_note_on_stderr(runner, tmp_path):
    path = tmp_path / "both.csv"
    path.write_text("study,yi,vi,sei\nA,0.1,0.02,9\nB,0.3,0.05,9\nC,-0.1,0.04,9\n")
    result = runner.invoke(app, ["pool", "--effects", str(path), "-f", "json"])
    assert result.exit_code == 0
    assert f"Note: {path}: has both vi and sei; vi is used, sei ignored" in result.stderr
    assert "Warning" not in result.stderr and json.loads(result.stdout)["k"] == 3


def test_ragged_and_duplicate_columns_are_errors(runner, tmp_path):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("study,yi,vi\nA,0.1,0.02\nB,0.3\n")
    dup = tmp_path / "dup.csv"
    dup.write_text("study,yi,vi,vi\nA,0.1,0.02,0.5\n")
    for path, message in ((ragged, f"Error: {ragged}:3: 2 cells, header has 3"), (dup, f"Error: {dup}:1: column 'vi'")):
        result = runner.invoke(app, ["pool", "--effects", str(path)])
        assert result.exit_code == 1 and result.stderr.startswith(message), result.stderr


def test_utf16_file_pools_like_utf8(runner, tmp_path):
    utf8, utf16 = tmp_path / "a.csv", tmp_path / "b.csv"
    utf8.write_text(GOOD)
    utf16.write_bytes(GOOD.encode("utf-16"))
    a = runner.invoke(app, ["pool", "--effects", str(utf8), "-f", "json"])
    b = runner.invoke(app, ["pool", "--effects", str(utf16), "-f", "json"])
    assert a.exit_code == b.exit_code == 0 and json.loads(a.stdout) == json.loads(b.stdout)
    assert "UTF-16" in b.stderr


def test_overflowing_values_stop_with_one_line_not_a_numpy_warning(runner, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("study,yi,vi\nA,1e308,1e-308\nB,-1e308,1e-308\n")
    result = runner.invoke(app, ["pool", "--effects", str(path), "-f", "json"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: numerical failure") and len(result.stderr.splitlines()) == 1
    assert "RuntimeWarning" not in result.stderr and ".py" not in result.stderr


def test_library_warnings_become_notes_and_developer_warnings_stay_hidden(runner, tmp_path, monkeypatch):
    import warnings

    from hairmeta.evidence.meta import pooling

    real = pooling.pool_file

    def noisy(*args, **kwargs):
        warnings.warn("an old API", DeprecationWarning, stacklevel=1)
        warnings.warn("something the user should know", UserWarning, stacklevel=1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pooling, "pool_file", noisy)
    path = tmp_path / "a.csv"
    path.write_text(GOOD)
    result = runner.invoke(app, ["pool", "--effects", str(path)])
    assert result.exit_code == 0
    assert "Note: something the user should know (user)" in result.stderr
    assert "old API" not in result.stderr and "Warning" not in result.stderr and ".py" not in result.stderr
