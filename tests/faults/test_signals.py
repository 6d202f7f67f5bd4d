"""SIGTERM and SIGINT mid-run (issue #10): no new request starts, what arrived is stored, the run is
recorded as interrupted with the right counts, one line is printed, exit 143 / 130; the re-run
asks only for what is missing."""

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

from tests.support.cli import Stage
from tests.support.files import GOLDEN, stored_briefs

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
DAY = "2026-01-07"


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_run_stores_what_arrived_and_the_rerun_asks_only_for_the_rest(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    signum: int,
    code: int,
) -> None:
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "2")
    stage.model.latency = (0.15, 0.0)
    child = subprocess.Popen(
        [sys.executable, "-m", "summarizer", "digest", "--date", DAY],
        cwd=isolated,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while stage.model.requests < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signum)
    out, err = child.communicate(timeout=60)
    text = err.decode()
    assert child.returncode == code, text
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "interrupted" in lines[0], text
    asked = stage.model.requests
    assert asked < 27, "no new request after the signal"

    db = stage.out / "summarizer.sqlite3"
    have = stored_briefs(db)
    assert have, "what arrived was stored"
    assert f"{len(have)} summaries stored" in lines[0]
    assert len(have) == asked, "the requests in flight were let finish, and every answer stored"
    with sqlite3.connect(db) as conn:
        status, stats = conn.execute("SELECT status, stats FROM runs ORDER BY id DESC").fetchone()
        assert conn.execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 0
    assert status == "interrupted"
    stats = json.loads(stats)
    assert stats["summarized"] == len(have) and len(stats["missing"]) == 27 - len(have)
    assert not (stage.out / f"{DAY}.md").exists(), "no digest of half a day"

    stage.model.reset_counters()
    stage.model.latency = (0.0, 0.0)
    again = cli("digest", "--date", DAY)
    assert again.code == 0, again.err
    assert stage.model.requests == 27 - len(have), "the re-run asks only for what is missing"
    assert (stage.out / f"{DAY}.md").read_bytes() == (GOLDEN / f"toc-{DAY}.md").read_bytes()


def test_sigterm_before_any_request_is_one_line(stage: Stage, isolated: Path) -> None:
    stage.arxiv.latency = 3.0  # the run is still reading arXiv
    child = subprocess.Popen(
        [sys.executable, "-m", "summarizer", "digest", "--date", DAY],
        cwd=isolated,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while stage.arxiv.requests < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=30)
    text = err.decode()
    assert child.returncode == 143, text
    assert len(text.strip().splitlines()) == 1 and "SIGTERM" in text and "Traceback" not in text
    assert stage.model.requests == 0
