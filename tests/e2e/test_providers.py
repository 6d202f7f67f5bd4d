"""Each provider row end to end: `summarizer digest` with default settings through the real openai
client against the model stand-in answering as that provider really does (the provider zoo,
summarizer/standins/provider_zoo.py, names the source of every status and body)."""

from __future__ import annotations

import json
import socket
import sqlite3
import time
from pathlib import Path

import pytest
from summarizer_standins.provider_zoo import THOUGHT

from tests.support.cli import SENTINEL_KEY, Run, Stage
from tests.support.files import golden

pytestmark = pytest.mark.faults
DAY = "2026-01-07"
PAPERS = 27
CONCURRENCY = 4


@pytest.fixture
def zoo(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> Stage:
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", str(CONCURRENCY))
    return stage


def response_types(stage: Stage) -> set[str | None]:
    return {(b.get("response_format") or {}).get("type") for b in stage.model.bodies}


def last_run(stage: Stage) -> dict[str, object]:
    with sqlite3.connect(stage.out / "summarizer.sqlite3") as db:
        (stats,) = db.execute("SELECT stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    return dict(json.loads(stats))


def assert_digest_made_in_one_request_each(stage: Stage, run: Run) -> None:
    assert run.code == 0, run.err
    assert (stage.out / f"{DAY}.md").read_bytes() == golden()
    assert len(stage.model.by_paper) == PAPERS
    assert set(stage.model.by_paper.values()) == {1}, "every paper on its first attempt"


# --- json_schema rejected as DeepSeek rejects it ------------------------------------------------


@pytest.mark.parametrize(("behaviour", "status"), [("deepseek", 400), ("deepseek-422", 422)])
def test_default_settings_switch_the_run_to_json_object_once(
    zoo: Stage,
    cli,  # type: ignore[no-untyped-def]
    behaviour: str,
    status: int,
) -> None:
    zoo.model.behave(behaviour)
    run = cli("digest", "--date", DAY)
    assert_digest_made_in_one_request_each(zoo, run)
    rejected = zoo.model.status_counts[status]
    assert 1 <= rejected <= CONCURRENCY, "at most a concurrency's worth of rejected requests"
    assert zoo.model.requests == PAPERS + rejected
    notes = [line for line in run.err.splitlines() if "json_schema" in line]
    assert len(notes) == 1, run.err
    assert "SUMMARIZER_RESPONSE_MODE=json_object" in notes[0] and "unavailable now" in notes[0]
    assert "missing summary" not in run.err and "lack summaries" not in run.err


def test_deepseek_profile_sends_json_object_from_the_start(zoo: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_PROVIDER", "deepseek")
    monkeypatch.setenv("SUMMARIZER_MODEL", "gpt-4o-mini")  # the stand-in's golden answers' model
    zoo.model.behave("deepseek")
    run = cli("digest", "--date", DAY)
    assert_digest_made_in_one_request_each(zoo, run)
    assert zoo.model.status_counts[400] == 0 and zoo.model.requests == PAPERS
    assert response_types(zoo) == {"json_object"}
    news = [line for line in run.err.splitlines() if "WARNING" in line or "error" in line]
    assert news == [], "the run table on stderr, and nothing else to report"


def test_deepseek_profile_uses_its_own_model_by_default(zoo: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_PROVIDER", "deepseek")
    run = cli("digest", "--date", DAY, "--categories", "cs.SD")
    assert run.code == 0, run.err
    assert {b["model"] for b in zoo.model.bodies} == {"deepseek-chat"}


# --- answers as reasoning models send them ------------------------------------------------------


@pytest.mark.parametrize(
    "behaviour", ["think", "think-close-only", "fence", "reasoning-only", "ollama-think"]
)
def test_reasoning_and_prose_around_the_json_still_one_answer(zoo: Stage, cli, behaviour) -> None:  # type: ignore[no-untyped-def]
    zoo.model.behave(behaviour)
    run = cli("digest", "--date", DAY)
    assert_digest_made_in_one_request_each(zoo, run)
    assert zoo.model.requests == PAPERS
    assert THOUGHT not in (zoo.out / f"{DAY}.md").read_text("utf-8")


def test_reasoning_is_never_sent_back_on_a_retry(zoo: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    zoo.model.behave("think")
    zoo.model.fail_first(["wrong_keys"])
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    retries = [b for b in zoo.model.bodies if len(b["messages"]) > 2]
    assert len(retries) == PAPERS
    for body in retries:
        said = body["messages"][2]
        assert said["role"] == "assistant" and "<think>" not in said["content"]
        assert THOUGHT not in said["content"] and set(said) == {"role", "content"}


# --- the endpoint cannot serve: stop ------------------------------------------------------------


@pytest.mark.parametrize(
    ("behaviour", "words"),
    [
        ("deepseek-402", "(HTTP 402): Insufficient Balance"),
        ("arrearage", "(HTTP 400): Arrearage: Access denied, please make sure your account"),
        ("insufficient_quota", "(HTTP 429): insufficient_quota: You exceeded your current quota"),
        ("unknown-model", "SUMMARIZER_MODEL"),
        ("no-structured", "every response mode"),
    ],
)
def test_an_endpoint_that_cannot_serve_stops_the_run(zoo: Stage, cli, behaviour, words) -> None:  # type: ignore[no-untyped-def]
    zoo.model.behave(behaviour)
    started = time.monotonic()
    run = cli("digest", "--date", DAY)
    assert time.monotonic() - started < 60
    assert run.code == 3, run.err
    lines = run.err.strip().splitlines()
    errors = [line for line in lines if line.startswith("summarizer: error: ")]
    assert len(errors) == 1 and words in errors[0], run.err
    assert lines[-1] == errors[0] and "Traceback" not in run.err
    modes_tried = 3 if behaviour == "no-structured" else 1
    chats = [b for b in zoo.model.bodies if b]  # an unknown model adds one look at /v1/models
    assert len(chats) <= CONCURRENCY * modes_tried and zoo.model.requests <= len(chats) + 1
    assert not (zoo.out / f"{DAY}.md").exists() and not (zoo.out / "data").exists()
    assert SENTINEL_KEY not in run.err
    record = last_run(zoo)
    assert record.get("provider_error"), "the provider's body is kept in the run record"


def test_the_providers_body_is_shown_once_with_verbose(zoo: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    zoo.model.behave("arrearage")
    run = cli("digest", "--date", DAY, "-v")
    assert run.code == 3
    assert run.err.count('"type": "Arrearage"') == 1, run.err
    assert "Arrearage" in str(last_run(zoo)["provider_error"])


def test_an_unreachable_endpoint_stops_the_run(zoo: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    started = time.monotonic()
    run = cli("digest", "--date", DAY)
    assert time.monotonic() - started < 60
    assert run.code == 3, run.err
    (line,) = run.err.strip().splitlines()
    assert "cannot reach the model endpoint" in line and "Connection refused" in line
    assert "OPENAI_BASE_URL" in line
    assert not (zoo.out / f"{DAY}.md").exists()


def test_a_missing_v1_is_named_not_an_unknown_model(zoo: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_BASE_URL", zoo.model.base_url.removesuffix("/v1"))
    run = cli("digest", "--date", DAY)
    assert run.code == 3, run.err
    (line,) = run.err.strip().splitlines()
    assert "OPENAI_BASE_URL" in line and "/v1" in line and "no model" not in line
    assert zoo.model.requests <= CONCURRENCY


def test_a_rejection_shared_by_every_paper_is_reported_once(zoo: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    zoo.model.behave("context-length")
    run = cli("digest", "--date", DAY)
    assert run.code == 1
    assert run.err.count("maximum context length") == 1, run.err
    assert run.err.count("missing summary: ") == PAPERS
    (kept,) = last_run(zoo)["provider_errors"]  # type: ignore[misc]
    assert "maximum context length" in kept


# --- DashScope ----------------------------------------------------------------------------------


def test_dashscope_profile_sends_enable_thinking_false(zoo: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_PROVIDER", "dashscope")
    monkeypatch.setenv("SUMMARIZER_MODEL", "gpt-4o-mini")
    zoo.model.behave("dashscope")
    run = cli("digest", "--date", DAY)
    assert_digest_made_in_one_request_each(zoo, run)
    assert all(b["enable_thinking"] is False for b in zoo.model.bodies)
    assert zoo.model.status_counts[400] == 0 and response_types(zoo) == {"json_object"}


def test_a_generic_endpoint_demanding_enable_thinking_is_answered_once(zoo: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    zoo.model.behave("dashscope")
    run = cli("digest", "--date", DAY)
    assert_digest_made_in_one_request_each(zoo, run)
    assert 1 <= zoo.model.status_counts[400] <= CONCURRENCY
    assert run.err.count("SUMMARIZER_PROVIDER=dashscope") == 1


# --- the other rows -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "behaviour", "sent"),
    [
        ("openai", "fence", "json_schema"),
        ("vllm", "reasoning-only", "json_schema"),
        ("ollama", "ollama-think", "json_object"),
        ("generic", "think", "json_schema"),
    ],
)
def test_each_profile_sends_its_mode(
    zoo: Stage, cli, monkeypatch, provider, behaviour, sent
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_PROVIDER", provider)
    monkeypatch.setenv("SUMMARIZER_MODEL", "gpt-4o-mini")
    zoo.model.behave(behaviour)
    run = cli("digest", "--date", DAY)
    assert_digest_made_in_one_request_each(zoo, run)
    assert response_types(zoo) == {sent}
    assert not any("enable_thinking" in b for b in zoo.model.bodies)


def test_openai_quota_stops_with_the_openai_profile(zoo: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_PROVIDER", "openai")
    zoo.model.behave("insufficient_quota")
    run = cli("digest", "--date", DAY)
    assert run.code == 3 and "(openai)" in run.err and "quota" in run.err
    assert zoo.model.requests <= CONCURRENCY


def test_no_digest_is_replaced_when_the_run_stops(zoo: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    first = cli("digest", "--date", DAY)
    assert first.code == 0
    before = (zoo.out / f"{DAY}.md").read_bytes()
    # force every paper to be asked again: the store lost, and the JSON lines that refill it
    (zoo.out / "summarizer.sqlite3").unlink()
    (zoo.out / "data" / f"{DAY}.jsonl").unlink()
    zoo.model.behave("deepseek-402")
    run = cli("digest", "--date", DAY)
    assert run.code == 3
    assert (zoo.out / f"{DAY}.md").read_bytes() == before


def test_outputs_dir_untouched_on_stop(zoo: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    zoo.model.behave("arrearage")
    cli("digest", "--date", DAY)
    made = sorted(str(p.relative_to(zoo.out)) for p in Path(zoo.out).rglob("*"))
    assert all(name.startswith("summarizer.sqlite3") for name in made), made


def test_a_fixed_mode_the_endpoint_rejects_stops_once_not_per_paper(
    zoo: Stage, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_RESPONSE_MODE", "json_schema")
    zoo.model.behave("deepseek")
    run = cli("digest", "--date", DAY)
    assert run.code == 3, run.err
    (line,) = run.err.strip().splitlines()
    assert "SUMMARIZER_RESPONSE_MODE=auto" in line and "unavailable now" in line
    assert zoo.model.requests <= CONCURRENCY and not (zoo.out / f"{DAY}.md").exists()


def test_a_backfill_switches_mode_once_for_all_its_days(isolated: Path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from summarizer_standins import ArxivStandin, ModelStandin, synthetic_papers

    from summarizer.core.days import mailing_window
    from tests.support.cli import point_env_at

    first, second = mailing_window(date(2026, 2, 4)), mailing_window(date(2026, 2, 5))
    papers = synthetic_papers(
        20,
        day_window_start=first.start,
        day_window_end=second.end,
        categories=["eess.SP"],
        seed=3,
    )
    with ArxivStandin(papers) as arxiv_api, ModelStandin() as model:
        point_env_at(monkeypatch, arxiv_api, model, isolated / "out")
        monkeypatch.setenv("SUMMARIZER_CONCURRENCY", str(CONCURRENCY))
        model.behave("deepseek")
        run = cli("backfill", "--from", "2026-02-04", "--to", "2026-02-05")
        assert run.code == 0, run.err
        assert 1 <= model.status_counts[400] <= CONCURRENCY, "one detour for the whole run"
        assert model.status_counts[200] == 20, run.out
        assert "│ 2026-02-04 │     0" not in run.out and "│ 2026-02-05 │     0" not in run.out
        assert run.err.count("SUMMARIZER_RESPONSE_MODE=json_object") == 1
