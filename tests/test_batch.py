"""`--batch`: backfills and digests through the provider's Batch API, against the OpenAI stand-in's
Files and Batches endpoints (OpenAI semantics: openai-python `types/batch.py`, the batch guide).

The stand-in runs a batch on its own clock in well under a second; SUMMARIZER_BATCH_POLL=0.1.
"""

from __future__ import annotations

import io
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
from conftest import GOLDEN, SENTINEL_KEY, Run, Stage, assert_one_line_exit_2, files_under
from rich.console import Console
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

from summarizer import batch_run, console
from summarizer.llm.batch import BatchLimits

Cli = Callable[..., Run]
RANGE = ["--from", str(FIRST), "--to", str(LAST)]


@pytest.fixture
def batch_env(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> Stage:
    monkeypatch.setenv("SUMMARIZER_BATCH_POLL", "0.05")
    stage.model.batch_api.timing = (0.02, 0.1, 0.02)
    return stage


def batches(out: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(out / "summarizer.sqlite3") as conn:
        return conn.execute(
            "SELECT provider_id, status, total FROM batches ORDER BY rowid"
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
    batch_env: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch
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


# --- SIGKILL while polling --------------------------------------------------------------------


def _backfill(stage: Stage, home: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMARIZER_", "OPENAI_"))}
    env.update(
        ARXIV_API_URL=stage.arxiv.url,
        OPENAI_BASE_URL=stage.model.base_url,
        OPENAI_API_KEY=SENTINEL_KEY,
        SUMMARIZER_OUTPUT_DIR=str(stage.out),
        SUMMARIZER_BATCH_POLL="0.1",
    )
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


def week(stage: Stage) -> dict[str, date]:
    corpus = every_three_hours(
        datetime(2026, 2, 26, tzinfo=UTC), datetime(2026, 3, 6, tzinfo=UTC), prefix="2602"
    )
    for paper in corpus:
        stage.arxiv.add(paper)
    return {p.id: d for p in corpus if (d := expected_day(p, WEEKDAYS[:5])) is not None}


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
    out, _ = proc.communicate(timeout=10)
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
    assert api.created == 5 and "waiting for its batch" in run.out
    assert "batch status" in run.out
    assert not (stage.out / "data").exists()

    status = cli("batch", "status")
    assert status.code == 0, status.err
    for batch_id, state, _ in batches(stage.out):
        assert batch_id in status.out and state in {"validating", "in_progress"}
    assert status.out.count("in_progress") >= 5

    api.timing = (0.1, 0.2, 0.1)
    later = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch")
    assert later.code == 0, later.err
    assert api.created == 5 and stage.model.requests == 0
    assert placed_once(read_digests(stage.out)) == expected
    status = cli("batch", "status")
    assert status.out.count("completed") >= 5


def test_expired_batch_every_paper_summarized_none_paid_twice(batch_env: Stage, cli: Cli) -> None:
    stage = batch_env
    expected = week(stage)
    api = stage.model.batch_api
    api.expire_after = 0.5  # the window runs out with half the requests run
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch")
    assert run.code == 0, run.err
    assert {state for _, state, _ in batches(stage.out)} == {"expired"}
    assert "not run" in run.out
    digests = read_digests(stage.out)
    assert placed_once(digests) == expected
    assert all(r["brief"] for records in digests.values() for r in records)
    answered_by_batch = sum(api.answered.values())
    assert 0 < answered_by_batch < len(expected)
    assert stage.model.requests == len(expected) - answered_by_batch
    for paper_id in expected:
        title = next(p.title for p in stage.arxiv.papers if p.id == paper_id)
        assert api.answered[title] + stage.model.by_paper[title] == 1, paper_id


def test_invalid_answers_are_retried_live(batch_env: Stage, cli: Cli) -> None:
    stage = batch_env
    expected = week(stage)
    stage.model.batch_api.invalid_fraction = 0.2
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch")
    assert run.code == 0, run.err
    assert all(r["brief"] for records in read_digests(stage.out).values() for r in records)
    with sqlite3.connect(stage.out / "summarizer.sqlite3") as conn:
        (invalid,) = conn.execute(
            "SELECT COUNT(*) FROM batch_requests WHERE outcome = 'invalid'"
        ).fetchone()
    assert invalid > 0 and stage.model.requests == invalid
    assert len(stored_briefs(stage.out)) == len(expected)


def test_cancel_collects_what_finished(batch_env: Stage, cli: Cli) -> None:
    stage = batch_env
    expected = week(stage)
    api = stage.model.batch_api
    api.timing = (0.0, 3600.0, 0.1)
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch", "--no-wait")
    assert run.code == 0, run.err
    cancel = cli("batch", "cancel")
    assert cancel.code == 0, cancel.err
    assert {state for _, state, _ in batches(stage.out)} == {"cancelled"}
    assert "cancelled" in cancel.out
    with sqlite3.connect(stage.out / "summarizer.sqlite3") as conn:
        open_ = conn.execute("SELECT COUNT(*) FROM batches WHERE collected_at IS NULL").fetchone()
    assert open_ == (0,)
    # the next run asks again for what the cancelled batches never ran
    api.timing = (0.1, 0.2, 0.1)
    again = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch")
    assert again.code == 0, again.err
    assert placed_once(read_digests(stage.out)) == expected
    assert len(stored_briefs(stage.out)) == len(expected)


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("SUMMARIZER_PROVIDER", "deepseek", ["DeepSeek has no Batch API", "--batch"]),
        ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1", ["Ollama has no Batch API"]),
        ("SUMMARIZER_PROVIDER", "vllm", ["batch export"]),
    ],
)
def test_provider_without_a_batch_api_is_one_line_exit_2(
    batch_env: Stage,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    value: str,
    words: list[str],
) -> None:
    monkeypatch.setenv(setting, value)
    assert_one_line_exit_2(cli("digest", "--date", "2026-01-07", "--batch"), *words)
    assert_one_line_exit_2(cli("backfill", "--from", "2026-01-07", "--to", "2026-01-07", "--batch"))
    assert batch_env.arxiv.requests == 0 and batch_env.model.requests == 0


def test_no_wait_without_batch_is_refused(batch_env: Stage, cli: Cli) -> None:
    assert_one_line_exit_2(cli("digest", "--date", "2026-01-07", "--no-wait"), "--batch")


def test_export_for_vllm_then_import(batch_env: Stage, cli: Cli, tmp_path: Path) -> None:
    stage = batch_env
    requests_file = tmp_path / "requests.jsonl"
    run = cli("batch", "export", str(requests_file), "--from", "2026-01-07")
    assert run.code == 0, run.err
    assert "vllm run_batch" in run.out
    lines = [json.loads(line) for line in requests_file.read_text("utf-8").splitlines()]
    assert len(lines) == 27 and stage.model.requests == 0
    assert {line["url"] for line in lines} == {"/v1/chat/completions"}
    assert all(line["custom_id"].endswith(":gpt-4o-mini") for line in lines)
    # what `vllm run_batch -o` writes: one result per line, in its own order
    results = tmp_path / "results.jsonl"
    with results.open("w", encoding="utf-8") as out:
        for number, line in enumerate(reversed(lines)):
            _, body = stage.model.batch_answer(line["body"], number=number, fault=None)
            record = {
                "id": f"vllm-{number}",
                "custom_id": line["custom_id"],
                "response": {"status_code": 200, "request_id": f"r{number}", "body": body},
                "error": None,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    imported = cli("batch", "import", str(results))
    assert imported.code == 0, imported.err
    assert "27 summaries stored" in imported.out
    digest = cli("digest", "--date", "2026-01-07")
    assert digest.code == 0, digest.err
    assert stage.model.requests == 0
    assert (stage.out / "2026-01-07.md").read_bytes() == (GOLDEN / "toc-2026-01-07.md").read_bytes()


def test_a_run_killed_between_creating_and_recording_adopts_the_batch(
    batch_env: Stage, cli: Cli
) -> None:
    stage = batch_env
    expected = week(stage)
    api = stage.model.batch_api
    api.timing = (0.1, 3600.0, 0.1)
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch", "--no-wait")
    assert run.code == 0, run.err
    assert api.created == 5
    with sqlite3.connect(stage.out / "summarizer.sqlite3") as conn:
        keys = [k for (k,) in conn.execute("SELECT key FROM batches ORDER BY rowid")]
        # killed after the provider created it, before the store heard of it
        conn.execute(
            "UPDATE batches SET provider_id = NULL, status = 'uploaded' WHERE key = ?", (keys[0],)
        )
        # killed while still writing its file: the provider never saw this one
        conn.execute(
            "UPDATE batches SET provider_id = NULL, status = 'writing', input_file = NULL "
            "WHERE key = ?",
            (keys[1],),
        )
    api.timing = (0.1, 0.2, 0.1)
    again = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch")
    assert again.code == 0, again.err
    assert api.created == 6  # only the never-sent one is made again
    assert placed_once(read_digests(stage.out)) == expected
    assert stage.model.requests == 0


def recorded_cost(out: Path) -> dict[str, float]:
    with sqlite3.connect(out / "summarizer.sqlite3") as conn:
        rows = conn.execute("SELECT command, stats FROM runs").fetchall()
    costs: dict[str, float] = {}
    for command, stats in rows:
        costs[command] = costs.get(command, 0.0) + (json.loads(stats).get("cost") or 0.0)
    return costs


def test_status_collects_and_records_what_it_paid(batch_env: Stage, cli: Cli) -> None:
    stage = batch_env
    stage.model.batch_api.timing = (0.0, 1.0, 0.0)
    run = cli("digest", "--date", "2026-01-07", "--batch", "--no-wait")
    assert run.code == 0, run.err
    assert "waiting for its batch" in run.out
    time.sleep(1.2)
    status = cli("batch", "status")
    assert status.code == 0, status.err
    assert "27 summaries stored" in status.out
    paid = recorded_cost(stage.out)
    assert paid["batch status"] > 0
    # the digest then costs nothing more: everything is in the store
    again = cli("digest", "--date", "2026-01-07", "--batch")
    assert again.code == 0 and stage.model.requests == 0
    assert recorded_cost(stage.out)["batch status"] == paid["batch status"]
    assert (stage.out / "2026-01-07.md").read_bytes() == (GOLDEN / "toc-2026-01-07.md").read_bytes()


def test_a_refused_key_stops_the_batch_run_with_one_line(batch_env: Stage, cli: Cli) -> None:
    batch_env.model.expected_key = "sk-some-other-key"
    run = cli("digest", "--date", "2026-01-07", "--batch")
    assert run.code == 3, (run.out, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and "refused access" in lines[0] and "Traceback" not in run.err
    assert SENTINEL_KEY not in run.err + run.out
    assert not (batch_env.out / "2026-01-07.md").exists()


def test_progress_on_a_terminal(
    batch_env: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(console, "err", Console(file=screen, force_terminal=True, width=120))
    week(batch_env)
    batch_env.model.batch_api.fail_fraction = 0.2  # live retries show their own bars
    batch_env.model.batch_api.timing = (0.05, 0.5, 0.05)
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch")
    assert run.code == 0, run.err
    assert "batch batch_standin" in screen.getvalue() and "in_progress" in screen.getvalue()


def test_a_full_provider_queue_is_waited_out_not_paid_live(batch_env: Stage, cli: Cli) -> None:
    """OpenAI refuses a batch beyond the model's enqueued-token limit (token_limit_exceeded);
    such days go in again once the running batches have finished."""
    stage = batch_env
    expected = week(stage)
    api = stage.model.batch_api
    api.queue_limit = 30  # Tuesday (24 papers) fits alone, not beside Monday (8)
    api.timing = (0.05, 0.3, 0.05)
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch")
    assert run.code == 0, run.err
    assert "token_limit_exceeded" in run.out, run.out
    assert stage.model.requests == 0, run.out
    assert placed_once(read_digests(stage.out)) == expected
    assert all(r["brief"] for records in read_digests(stage.out).values() for r in records)
    assert api.created > 5 and max(api.answered.values()) == 1


def test_a_large_remainder_goes_into_a_follow_up_batch(
    batch_env: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_run, "FOLLOW_UP_MIN", 3)
    stage = batch_env
    expected = week(stage)
    api = stage.model.batch_api
    api.fail_fraction = 0.5
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch")
    assert run.code == 0, run.err
    assert "-again" in run.out and api.created > 5
    digests = read_digests(stage.out)
    assert placed_once(digests) == expected
    assert all(r["brief"] for records in digests.values() for r in records)
    # what the follow-ups left went live; every paper answered exactly once in all
    assert stage.model.requests == len(expected) - sum(api.answered.values())
    assert stage.model.requests < len(expected) / 2
    for title, n in api.answered.items():
        assert n + stage.model.by_paper[title] == 1, title


def test_batch_and_live_attempts_together_stay_within_the_limit(
    batch_env: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_run, "FOLLOW_UP_MIN", 3)
    stage = batch_env
    expected = week(stage)
    stage.model.batch_api.fail_fraction = 1.0
    stage.model.always("500")
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-03", "--batch")
    assert run.code == 1, run.err
    with sqlite3.connect(stage.out / "summarizer.sqlite3") as conn:
        tried = dict(
            conn.execute(
                "SELECT paper_id, COUNT(*) FROM batch_requests WHERE outcome = 'failed' "
                "GROUP BY paper_id"
            ).fetchall()
        )
    titles = {p.id: p.title for p in stage.arxiv.papers}
    days = {d for d in expected.values() if d <= date(2026, 3, 3)}
    assert len(tried) == sum(1 for d in expected.values() if d in days)
    for paper_id, batch_attempts in tried.items():
        assert batch_attempts == 2  # the first batch and one follow-up
        assert batch_attempts + stage.model.by_paper[titles[paper_id]] == 3, paper_id


def test_a_live_run_does_not_pay_for_what_an_open_batch_holds(batch_env: Stage, cli: Cli) -> None:
    stage = batch_env
    api = stage.model.batch_api
    api.timing = (0.0, 3600.0, 0.0)
    assert cli("digest", "--date", "2026-01-07", "--batch", "--no-wait").code == 0
    live = cli("digest", "--date", "2026-01-07")
    assert live.code == 1, live.err
    assert stage.model.requests == 0
    assert "waiting in an open batch" in live.out and "lack summaries" in live.err
    api.timing = (0.0, 0.0, 0.0)
    assert cli("batch", "status").code == 0
    again = cli("digest", "--date", "2026-01-07")
    assert again.code == 0 and stage.model.requests == 0
    assert (stage.out / "2026-01-07.md").read_bytes() == (GOLDEN / "toc-2026-01-07.md").read_bytes()


def test_a_batch_the_provider_forgot_is_asked_again(batch_env: Stage, cli: Cli) -> None:
    stage = batch_env
    api = stage.model.batch_api
    api.timing = (0.0, 3600.0, 0.0)
    assert cli("digest", "--date", "2026-01-07", "--batch", "--no-wait").code == 0
    ((batch_id, _, _),) = batches(stage.out)
    del api.batches[batch_id]  # deleted at the provider
    api.timing = (0.0, 0.2, 0.0)
    run = cli("digest", "--date", "2026-01-07", "--batch")
    assert run.code == 0, run.err
    assert "no longer knows it" in run.out and api.created == 2
    assert stage.model.requests == 0
    assert (stage.out / "2026-01-07.md").read_bytes() == (GOLDEN / "toc-2026-01-07.md").read_bytes()


def test_batches_of_another_endpoint_are_not_forgotten(
    batch_env: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage = batch_env
    stage.model.batch_api.timing = (0.0, 3600.0, 0.0)
    assert cli("digest", "--date", "2026-01-07", "--batch", "--no-wait").code == 0
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    run = cli("digest", "--date", "2026-01-07", "--batch")
    assert_one_line_exit_2(run, stage.model.base_url, "OPENAI_BASE_URL")


def test_a_day_beyond_the_provider_limits_is_split(
    batch_env: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_run, "batch_limits", lambda url: BatchLimits(max_requests=10))
    stage = batch_env
    run = cli("digest", "--date", "2026-01-07", "--batch")
    assert run.code == 0, run.err
    assert [total for _, _, total in batches(stage.out)] == [10, 10, 7]
    assert stage.model.requests == 0
    assert (stage.out / "2026-01-07.md").read_bytes() == (GOLDEN / "toc-2026-01-07.md").read_bytes()


@pytest.mark.parametrize(
    ("name", "value"), [("SUMMARIZER_BATCH_POLL", "0"), ("SUMMARIZER_BATCH", "sometimes")]
)
def test_bad_batch_settings_are_one_line_exit_2(
    batch_env: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert_one_line_exit_2(cli("digest", "--date", "2026-01-07"), name)
    assert batch_env.arxiv.requests == 0


def test_max_cost_holds_for_batches_too(batch_env: Stage, cli: Cli) -> None:
    stage = batch_env
    run = cli("digest", "--date", "2026-01-07", "--batch", "--max-cost", "0.004")
    assert run.code == 1, (run.out, run.err)
    assert "--max-cost" in run.err
    ((_, _, submitted),) = batches(stage.out)
    assert 0 < submitted < 27
    assert sum(recorded_cost(stage.out).values()) <= 0.004
