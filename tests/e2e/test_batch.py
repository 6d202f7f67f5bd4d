"""`--batch`: backfills and digests through the provider's Batch API, against the OpenAI stand-in's
Files and Batches endpoints (OpenAI semantics: openai-python `types/batch.py`, the batch guide).

The stand-in runs a batch on its own clock in well under a second; SUMMARIZER_BATCH_POLL=0.1.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import Run, Stage, child_env
from tests.support.files import (
    GOLDEN,
    assert_whole,
    batches,
    files_under,
    placed_once,
    read_digests,
    recorded_cost,
)
from tests.support.mailings import (
    FIRST,
    LAST,
    WEEKDAYS,
    expected_day,
    two_weeks,
    week,
)

Cli = Callable[..., Run]
RANGE = ["--from", str(FIRST), "--to", str(LAST)]


def batch_days(out: Path) -> list[str]:
    with sqlite3.connect(out / "summarizer.sqlite3") as conn:
        rows = conn.execute(
            "SELECT batch_key, COUNT(DISTINCT day) FROM batch_requests GROUP BY batch_key"
        ).fetchall()
    assert all(n == 1 for _, n in rows), "a batch holds one day's requests"
    with sqlite3.connect(out / "summarizer.sqlite3") as conn:
        return [d for (d,) in conn.execute("SELECT day FROM batch_requests GROUP BY batch_key")]


def total_cost(run: Run) -> float:
    """The total of the run table's cost column."""
    total = 0.0
    for line in run.err.splitlines():
        cells = line.split()  # day papers new stored missing tokens cached cost
        if len(cells) == 8 and cells[0][:4].isdigit() and cells[0].count("-") == 2:
            total += float(cells[7])
    return total


def test_two_week_backfill_by_batch_matches_the_live_path(
    batch_env: Stage, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage = batch_env
    corpus = two_weeks()
    for paper in corpus:
        stage.arxiv.add(paper)
    run = cli("backfill", *RANGE, "--batch")
    assert run.code == 0, run.err
    # no live chat request at all; at most one batch per day, each of one day
    assert stage.model.requests == 0
    days = batch_days(stage.out)
    assert len(days) == len(set(days)) <= len(WEEKDAYS)
    assert all(status == "completed" for _, status, _ in batches(stage.out))
    # every paper in the digest whose window holds it, summarized
    digests = read_digests(stage.out)
    expected = {p.id: d for p in corpus if (d := expected_day(p)) is not None}
    assert placed_once(digests) == expected
    assert all(r["brief"] and r["brief"]["tldr"] for records in digests.values() for r in records)
    assert max(stage.model.batch_api.answered.values()) == 1
    assert_whole(stage.out)
    batch_files = files_under(stage.out)
    batch_cost = total_cost(run)

    # the live path over the same papers writes the same bytes, at twice the price
    live_out = tmp_path / "live"
    monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(live_out))
    live = cli("backfill", *RANGE)
    assert live.code == 0, live.err
    assert stage.model.requests == len(expected)
    live_files = files_under(live_out)
    assert sorted(live_files) == sorted(batch_files)
    for name, data in live_files.items():
        assert batch_files[name] == data, name
    live_cost = total_cost(live)
    assert live_cost > 0
    assert batch_cost == pytest.approx(live_cost / 2, rel=0.02)
    # the runs record holds the same costs
    assert sum(recorded_cost(stage.out).values()) == pytest.approx(batch_cost, abs=1e-3)
    assert sum(recorded_cost(live_out).values()) == pytest.approx(live_cost, abs=1e-3)


def test_failed_lines_are_retried_live_and_nothing_is_lost(batch_env: Stage, cli: Cli) -> None:
    stage = batch_env
    corpus = two_weeks()
    for paper in corpus:
        stage.arxiv.add(paper)
    stage.model.batch_api.fail_fraction = 0.10
    run = cli("backfill", *RANGE, "--batch")
    assert run.code == 0, run.err
    expected = {p.id: d for p in corpus if (d := expected_day(p)) is not None}
    digests = read_digests(stage.out)
    assert placed_once(digests) == expected
    assert all(r["brief"] for records in digests.values() for r in records)
    failed = len(expected) - sum(stage.model.batch_api.answered.values())
    assert 0 < failed < len(expected) / 4
    assert stage.model.requests == failed  # each failed line once, live; nothing else
    # nobody answered twice for the same paper
    for title, n in stage.model.batch_api.answered.items():
        assert n + stage.model.by_paper[title] == 1, title


def test_digest_by_batch_reproduces_the_sample_digest(
    batch_env: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    run = cli("digest", "--date", "2026-01-07", "--batch", "--format", "all")
    assert run.code == 0, run.err
    assert batch_env.model.requests == 0
    assert (batch_env.out / "2026-01-07.md").read_bytes() == (
        GOLDEN / "toc-2026-01-07.md"
    ).read_bytes()
    ((_, status, total),) = batches(batch_env.out)  # brief and detailed in one batch
    assert status == "completed" and total == 2 * 27
    # SUMMARIZER_BATCH=on does the same; everything is stored now, so nothing is submitted
    monkeypatch.setenv("SUMMARIZER_BATCH", "on")
    again = cli("digest", "--date", "2026-01-07", "--format", "all")
    assert again.code == 0, again.err
    assert len(batches(batch_env.out)) == 1 and batch_env.model.requests == 0
    # every layout (the Jekyll post with the detailed analyses too) as the live path writes it
    by_batch = files_under(batch_env.out)
    monkeypatch.delenv("SUMMARIZER_BATCH")
    monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(tmp_path / "live"))
    assert cli("digest", "--date", "2026-01-07", "--format", "all").code == 0
    assert batch_env.model.requests == 2 * 27
    assert files_under(tmp_path / "live") == by_batch
    assert "_posts/2026-01-07-arxiv.md" in by_batch


# --- SIGKILL while polling --------------------------------------------------------------------


def _backfill(stage: Stage, home: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = child_env(stage, SUMMARIZER_BATCH_POLL="0.1")
    command = [sys.executable, "-m", "summarizer", "backfill", "--from", "2026-03-02"]
    return subprocess.Popen(
        [*command, "--to", "2026-03-06", "--batch", *extra],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _submitted(out: Path) -> int:
    try:
        with sqlite3.connect(out / "summarizer.sqlite3") as conn:
            (n,) = conn.execute(
                "SELECT COUNT(*) FROM batches WHERE provider_id IS NOT NULL"
            ).fetchone()
    except sqlite3.Error:
        return 0
    return int(n)


def test_killed_while_polling_resumes_without_resubmitting(
    batch_env: Stage, isolated: Path
) -> None:
    stage = batch_env
    expected = week(stage)
    api = stage.model.batch_api
    api.timing = (0.1, 60.0, 0.1)  # batches that stay in progress until the kill
    proc = _backfill(stage, isolated)
    deadline = time.monotonic() + 60
    while _submitted(stage.out) < 5 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # polling now
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=10)
    out += err  # messages and the run table are on stderr
    assert b"in_progress" in out
    assert api.created == 5 and _submitted(stage.out) == 5
    assert not (stage.out / "data").exists()  # nothing was finished

    api.timing = (0.1, 0.3, 0.1)
    proc = _backfill(stage, isolated)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert api.created == 5, "a batch was submitted again"
    assert stage.model.requests == 0
    digests = read_digests(stage.out)
    assert sorted(digests) == WEEKDAYS[:5]
    assert placed_once(digests) == expected
    assert all(r["brief"] for records in digests.values() for r in records)
    assert max(api.answered.values()) == 1


def test_no_wait_then_status_then_collect(batch_env: Stage, cli: Cli) -> None:
    stage = batch_env
    expected = week(stage)
    api = stage.model.batch_api
    api.timing = (0.1, 3600.0, 0.1)
    started = time.monotonic()
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch", "--no-wait")
    assert run.code == 0, run.err
    assert time.monotonic() - started < 20
    assert api.created == 5 and "waiting for its batch" in (run.out + run.err)
    assert "batch status" in (run.out + run.err)
    assert not (stage.out / "data").exists()

    status = cli("batch", "status")
    assert status.code == 0, status.err
    for batch_id, state, _ in batches(stage.out):
        assert batch_id in (status.out + status.err) and state in {"validating", "in_progress"}
    assert len(batches(stage.out)) == 5

    api.timing = (0.1, 0.2, 0.1)
    later = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch")
    assert later.code == 0, later.err
    assert api.created == 5 and stage.model.requests == 0
    assert placed_once(read_digests(stage.out)) == expected
    status = cli("batch", "status")
    assert (status.out + status.err).count("completed") >= 5


def test_expired_batch_every_paper_summarized_none_paid_twice(batch_env: Stage, cli: Cli) -> None:
    stage = batch_env
    expected = week(stage)
    api = stage.model.batch_api
    api.expire_after = 0.5  # the window runs out with half the requests run
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch")
    assert run.code == 0, run.err
    assert {state for _, state, _ in batches(stage.out)} == {"expired"}
    assert "not run" in (run.out + run.err)
    digests = read_digests(stage.out)
    assert placed_once(digests) == expected
    assert all(r["brief"] for records in digests.values() for r in records)
    answered_by_batch = sum(api.answered.values())
    assert 0 < answered_by_batch < len(expected)
    assert stage.model.requests == len(expected) - answered_by_batch
    for paper_id in expected:
        title = next(p.title for p in stage.arxiv.papers if p.id == paper_id)
        assert api.answered[title] + stage.model.by_paper[title] == 1, paper_id
