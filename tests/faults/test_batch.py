"""`--batch` when things go wrong or get in the way: invalid answers, cancelling, providers
without a Batch API, vLLM files, kills between creating and recording a batch, a full provider
queue (OpenAI's enqueued-token limit, token_limit_exceeded), follow-up batches, the attempt limit,
batches another run holds, batches the provider forgot, the provider's file limits, --max-cost."""

from __future__ import annotations

import io
import json
import sqlite3
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from summarizer.app import console
from summarizer.batch import run as batch_run
from summarizer.llm.batch import BatchLimits
from summarizer.store.batch_ledger import BatchLedger
from tests.support.cli import SENTINEL_KEY, Run, Stage, assert_one_line_exit_2
from tests.support.files import (
    GOLDEN,
    batches,
    placed_once,
    read_digests,
    recorded_cost,
    stored_briefs,
)
from tests.support.mailings import week

Cli = Callable[..., Run]


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
    assert "cancelled" in (cancel.out + cancel.err)
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
    assert "vllm run_batch" in (run.out + run.err)
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
    assert "27 summaries stored" in (imported.out + imported.err)
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


def test_status_collects_and_records_what_it_paid(batch_env: Stage, cli: Cli) -> None:
    stage = batch_env
    stage.model.batch_api.timing = (0.0, 0.8, 0.0)
    run = cli("digest", "--date", "2026-01-07", "--batch", "--no-wait")
    assert run.code == 0, run.err
    assert "waiting for its batch" in (run.out + run.err)
    time.sleep(0.9)
    status = cli("batch", "status")
    assert status.code == 0, status.err
    assert "27 summaries stored" in (status.out + status.err)
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
    batch_env.model.batch_api.timing = (0.02, 1.0, 0.02)
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
    api.timing = (0.05, 1.0, 0.05)  # long enough for the next day's batch to meet it
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06", "--batch")
    assert run.code == 0, run.err
    assert "token_limit_exceeded" in (run.out + run.err), run.out
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
    assert "-again" in (run.out + run.err) and api.created > 5
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
    assert "waiting in an open batch" in (live.out + live.err) and "lack summaries" in live.err
    row = next(x for x in live.err.splitlines() if x.strip().startswith("2026-01-07"))
    assert row.split()[:5] == ["2026-01-07", "27", "0", "0", "27"]
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
    assert "no longer knows it" in (run.out + run.err) and api.created == 2
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


def test_two_overlapping_runs_never_both_submit_a_request(
    batch_env: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage = batch_env
    api = stage.model.batch_api
    api.timing = (0.0, 3600.0, 0.0)
    assert cli("digest", "--date", "2026-01-07", "--batch", "--no-wait").code == 0
    # the second run looked before the first had recorded its batch: it plans every request
    # again, and the claim (one write transaction) finds them held
    monkeypatch.setattr(BatchLedger, "open_requests", lambda self, ids: set())
    second = cli("digest", "--date", "2026-01-07", "--batch", "--no-wait")
    assert second.code == 0, second.err
    assert api.created == 1 and len(batches(stage.out)) == 1


def test_only_the_top_papers_go_into_the_batch(
    batch_env: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SUMMARIZER_TOP", "5")
    monkeypatch.setenv("SUMMARIZER_KEYWORDS", "speech")
    run = cli("digest", "--date", "2026-01-07", "--batch")
    assert run.code == 0, run.err
    assert [total for _, _, total in batches(batch_env.out)] == [5]
    assert batch_env.model.requests == 0
    by_batch = (batch_env.out / "2026-01-07.md").read_bytes()
    monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(tmp_path / "live"))
    assert cli("digest", "--date", "2026-01-07").code == 0
    assert batch_env.model.requests == 5
    assert (tmp_path / "live" / "2026-01-07.md").read_bytes() == by_batch


def test_an_endpoint_without_a_batch_api_stops_with_one_line(batch_env: Stage, cli: Cli) -> None:
    batch_env.model.batch_api.enabled = False  # a generic endpoint: --batch is tried
    run = cli("digest", "--date", "2026-01-07", "--batch")
    assert run.code == 3, (run.out, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and "no Batch API" in lines[0] and "--batch" in lines[0]
    assert not (batch_env.out / "2026-01-07.md").exists()


@pytest.mark.parametrize("behaviour", ["think", "fence", "reasoning-only"])
def test_batch_answers_are_read_as_live_ones_are(
    batch_env: Stage, cli: Cli, behaviour: str
) -> None:
    """Reasoning before the JSON, a fenced block, the JSON only in reasoning_content: one answer
    each, in a batch's output file as in a live reply (CONTRACT: What the model returns)."""
    batch_env.model.behave(behaviour)
    run = cli("digest", "--date", "2026-01-07", "--batch")
    assert run.code == 0, run.err
    assert batch_env.model.requests == 0
    assert (batch_env.out / "2026-01-07.md").read_bytes() == (
        GOLDEN / "toc-2026-01-07.md"
    ).read_bytes()
