import pytest

"""``hairmeta report``: writes the file, reports the path on stderr, refuses other suffixes."""

from hairmeta.cli import app

#: Renders whole reports or matplotlib figures: outside the fast lane.
pytestmark = pytest.mark.slow


def test_report_html_written(runner, tmp_path):
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "--output", str(out), "--study", "hassan2024"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr and result.stdout == ""
    assert out.read_text().startswith("<!DOCTYPE html>") or "<!DOCTYPE html>" in out.read_text()


def test_report_unknown_study_is_a_one_line_error(runner, tmp_path):
    result = runner.invoke(app, ["report", "-o", str(tmp_path / "r.html"), "--study", "nosuch1999"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unknown study 'nosuch1999'; valid:")
    assert not (tmp_path / "r.html").exists()


def test_report_pdf_refused(runner, tmp_path):
    result = runner.invoke(app, ["report", "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code == 1 and "unknown report type '.pdf'" in result.stderr
