"""`--batch`: backfills and digests through the provider's Batch API, against the OpenAI stand-in's
Files and Batches endpoints (OpenAI semantics: openai-python `types/batch.py`, the batch guide).

The stand-in runs a batch on its own clock in well under a second; SUMMARIZER_BATCH_POLL=0.1.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import SENTINEL_KEY, Run, Stage, files_under
from test_backfill import (
    FIRST,
    LAST,
    WEEKDAYS,
    assert_whole,
    every_three_hours,
    expected_day,
    placed_once,
    read_digests,
    two_weeks,
)

Cli = Callable[..., Run]
RANGE = ["--from", str(FIRST), "--to", str(LAST)]


@pytest.fixture
def batch_env(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> Stage:
    monkeypatch.setenv("SUMMARIZER_BATCH_POLL", "0.1")
    return stage


def batches(out: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(out / "summarizer.sqlite3") as conn:
        return conn.execute(
            "SELECT provider_id, status, total FROM batches ORDER BY key"
        ).fetchall()


def batch_days(out: Path) -> list[str]:
    with sqlite3.connect(out / "summarizer.sqlite3") as conn:
        rows = conn.execute(
            "SELECT batch_key, COUNT(DISTINCT day) FROM batch_requests GROUP BY batch_key"
        ).fetchall()
    assert all(n == 1 for _, n in rows), "a batch holds one day's requests"
    with sqlite3.connect(out / "summarizer.sqlite3") as conn:
        return [d for (d,) in conn.execute("SELECT day FROM batch_requests GROUP BY batch_key")]


def stored_briefs(out: Path) -> set[str]:
    with sqlite3.connect(out / "summarizer.sqlite3") as conn:
        rows = conn.execute("SELECT paper_id FROM summaries WHERE kind = 'brief'").fetchall()
    return {pid for (pid,) in rows}


def total_cost(run: Run) -> float:
    """The total of the run table's cost column."""
    total = 0.0
    for line in run.out.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 8 and cells[0][:4].isdigit():
            total += float(cells[6])
    return total


def test_two_week_backfill_by_batch_matches_the_live_path(
    batch_env: Stage, cli: Cli, tmp_path: Path
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
    os.environ["SUMMARIZER_OUTPUT_DIR"] = str(live_out)
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
