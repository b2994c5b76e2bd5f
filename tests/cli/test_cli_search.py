"""``hairmeta search`` against the loopback fake E-utilities (HAIRMETA_EUTILS_URL)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_eutils import FakeEutils
from testpaths import ROOT

from hairmeta.cli import app
from hairmeta.evidence.library.store import Store

#: Loopback fake E-utilities with NCBI's rate windows: seconds per test, so outside the fast lane.
pytestmark = pytest.mark.slow

ROOT = ROOT


@pytest.fixture
def eutils_env(monkeypatch):
    """Point the client at a fake and make retries quick (rate stays the fake's limit)."""

    def use(fake, rate=None):
        monkeypatch.setenv("HAIRMETA_EUTILS_URL", fake.url)
        monkeypatch.setenv("HAIRMETA_EUTILS_BACKOFF", "0.01")
        monkeypatch.setenv("HAIRMETA_EUTILS_TIMEOUT", "2")
        if rate:
            monkeypatch.setenv("HAIRMETA_EUTILS_RATE", str(rate))

    return use


def test_search_term_stores_records_and_reports_counts(runner, db_file, eutils_env):
    with FakeEutils(120, rate_limit=20) as fake:
        eutils_env(fake, rate=20)
        result = runner.invoke(app, ["search", "prp alopecia", "--batch-size", "50", "--format", "json"])
        again = runner.invoke(app, ["search", "prp alopecia", "--format", "json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["found"], row["new"], row["known"], row["failed"]) == (120, 120, 0, 0)
    assert "pubmed: 120 found; 120 new, 0 updated, 0 already known" in result.stderr
    assert "0 new, 0 updated, 120 already known" in again.stderr
    with Store(db_file) as store:
        assert store.count_records() == 120
        (saved,) = store.searches()
        assert saved.term == "prp alopecia" and saved.last_run is not None


def test_search_without_term_runs_the_protocol(runner, db_file, eutils_env):
    from hairmeta.extractors.searches import load_protocol

    names = [s.term for s in load_protocol().searches]
    with FakeEutils(10, rate_limit=20) as fake:
        eutils_env(fake, rate=20)
        result = runner.invoke(app, ["search", "--format", "csv"])
    assert result.exit_code == 0, result.output
    terms = [e["params"]["term"] for e in fake.requests_to("esearch")]
    assert terms == names and len(names) == 2
    assert '"Platelet-Rich Plasma"[MeSH Terms]' in terms[0] and "exosom*[tiab]" in terms[1]


def test_since_until_and_max_are_passed(runner, db_file, eutils_env):
    with FakeEutils(100, rate_limit=20) as fake:
        eutils_env(fake, rate=20)
        result = runner.invoke(
            app, ["search", "x", "--since", "2020-01-02", "--until", "2020-01-05", "--max", "15", "--format", "json"]
        )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["found"], row["new"]) == (40, 15)
    params = fake.requests_to("esearch")[0]["params"]
    assert (params["mindate"], params["maxdate"]) == ("2020/01/02", "2020/01/05")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "2020-13-01"], "--since: '2020-13-01' is not a date"),
        (["--max", "0"], "--max: must be at least 1"),
        (["--source", "nosuch"], "unknown source 'nosuch'; valid: pubmed"),
    ],
)
def test_bad_options_are_one_line_errors(runner, db_file, args, message):
    result = runner.invoke(app, ["search", "x", *args])
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output


def test_source_not_written_yet_is_reported(runner, db_file, monkeypatch):
    from hairmeta.extractors import base

    monkeypatch.setitem(base.SOURCE_MODULES, "future", "hairmeta.extractors.not_written_yet")
    result = runner.invoke(app, ["search", "x", "--source", "future"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: source 'future' is not available"


def test_failed_batch_exits_2_names_it_and_keeps_the_rest(runner, db_file, eutils_env, monkeypatch):
    monkeypatch.setenv("HAIRMETA_EUTILS_TRIES", "2")
    with FakeEutils(60, rate_limit=20, faults={2: "500", 3: "500"}) as fake:
        eutils_env(fake, rate=20)
        result = runner.invoke(app, ["search", "x", "--batch-size", "20"])
    assert result.exit_code == 2
    assert "1 batch(es) failed: all dates, records 21-40: efetch: HTTP 500 (rerun to resume)" in result.stderr
    with Store(db_file) as store:
        assert store.count_records() == 40


def _count(path: Path, sql: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_process_killed_mid_fetch_then_rerun_is_complete_without_duplicates(tmp_path):
    db = tmp_path / "lib.sqlite"
    with FakeEutils(2000, rate_limit=5) as fake:
        env = {
            **os.environ,
            "HAIRMETA_EUTILS_URL": fake.url,
            "HAIRMETA_DB": str(db),
            "HAIRMETA_EUTILS_RATE": "5",
            "HAIRMETA_EUTILS_BACKOFF": "0.01",
        }
        cmd = [sys.executable, "-c", "from cli import main; main()", "search", "kill me", "--batch-size", "100"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if _count(db, "SELECT count(*) FROM fetch_progress WHERE status='done'") >= 3:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL  # really killed mid-fetch, not finished
        partial = _count(db, "SELECT count(*) FROM records")
        assert 300 <= partial < 2000 and partial % 100 == 0, partial  # whole batches only
        # let a request the killed process had in flight reach the server, and let the server's
        # one-second rate window clear: otherwise the rerun's first requests can meet a 429 and
        # their retries would be counted below as extra fetches
        time.sleep(1.1)
        rerun_start = time.monotonic()
        rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert rerun.returncode == 0, rerun.stderr
        rerun_fetches = [e for e in fake.requests_to("efetch") if e["time"] >= rerun_start]
        assert [e["status"] for e in rerun_fetches if e["status"] != 200] == []
        assert len(rerun_fetches) == (2000 - partial) // 100, (partial, len(rerun_fetches))
    assert f"{2000 - partial} new, 0 updated, {partial} already known" in rerun.stderr
    with Store(db) as store:
        assert store.count_records() == 2000
        assert len(store.pmids()) == 2000
        dup = store.conn.execute(
            "SELECT count(*) FROM (SELECT record_id FROM record_sources GROUP BY record_id, source HAVING count(*) > 1)"
        ).fetchone()[0]
        assert dup == 0
        assert store.conn.execute("SELECT count(*) FROM fetch_progress").fetchone()[0] == 0
