"""The HTML report opened in a real browser (headless Chromium): it renders, with its plots.

An inline script in the page writes each plot's rendered size into ``#svg-sizes``; Chromium's
``--dump-dom`` prints the DOM after scripts ran, so the sizes read back are the browser's own.
Skipped when ``chromium`` is not on PATH, unless the ``CI`` environment variable is set.
"""

import os
import re
import shutil
import subprocess

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed in CI (.ci/run installs Debian's chromium)")
        pytest.skip("chromium not on PATH: install Debian's 'chromium' to run the browser test")
    return path


def dump_dom(page, profile, width: int = 1280) -> str:
    args = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={width},2000",
        "--dump-dom",
        page.as_uri(),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_report_renders_in_chromium_with_its_plots(tmp_path):
    from hairmeta.evidence.present.report import write_report

    page = write_report(tmp_path / "report.html", study="hassan2024", db=None)
    dom = dump_dom(page, tmp_path / "profile")
    sizes = re.search(r'<span id="svg-sizes">([^<]*)</span>', dom)
    assert sizes and sizes.group(1) != "(script not run)", "the page's script did not run"
    measured = dict(item.rsplit(":", 1) for item in sizes.group(1).split())
    kinds = {name.split("+")[0] for name in measured}
    assert {"forest", "funnel"} <= kinds, measured
    for name, size in measured.items():
        width, height = (int(x) for x in size.split("x"))
        assert width > 50 and height > 50, f"{name} rendered at {size}"
    assert "Evidence summary" in dom and "hassan2024 against the literature" in dom
    assert "forest-sof" in " ".join(measured), "no forest plot of a Summary of Findings row rendered"
    # the key findings come first: SoF tables, then the case series, then the forest plots
    order = [dom.index(f'id="{anchor}"') for anchor in ("key-findings", "comparison", "forests", "rob", "published")]
    assert order == sorted(order)
    # the page never scrolls sideways (wide tables and plots scroll inside their own boxes)
    for width in (1280, 390):
        page_width = re.search(r'<span id="page-width">(\d+)/(\d+)</span>', dump_dom(page, tmp_path / "p", width))
        assert page_width and int(page_width.group(1)) <= int(page_width.group(2)), (width, page_width)
