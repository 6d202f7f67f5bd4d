"""The model client and the attempt loop, at unit level: the real openai SDK against the model
stand-in (or a tiny scripted server), with the loop's sleep replaced by a recorder so that waits
of minutes are proven without being waited."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from summarizer_standins import ModelStandin
from summarizer_standins.server import BackgroundServer, read_body, send

from summarizer.core.errors import ModelError, ModelFatalError
from summarizer.core.records import Brief
from summarizer.llm.attempts import BACKOFF_BASE, MAX_RETRY_AFTER, Outcome, Summarizer
from summarizer.llm.client import OpenAIChat, TransientError, _retry_after
from tests.support.cli import FEEDBACK
from tests.support.llm import PAPERS, Recorder, summarize_papers

pytestmark = pytest.mark.faults


def user_turns(body: dict[str, Any]) -> list[str]:
    return [m["content"] for m in body["messages"] if m["role"] == "user"]


# --- Retry-After ---------------------------------------------------------------------------------


def test_retry_after_over_two_minutes_is_honoured(model: ModelStandin) -> None:
    model.retry_after = "150"
    model.fail_first(["429"])
    sleep = Recorder()
    (outcome,) = summarize_papers(model.base_url, PAPERS[:1], sleep=sleep)
    assert isinstance(outcome, Outcome) and outcome.attempts == 2
    assert model.requests == 2 and model.status_counts[429] == 1
    assert sleep.waits and max(sleep.waits) == pytest.approx(150, abs=1)
    assert sum(sleep.waits) == pytest.approx(150, abs=1), "waited once, not twice"


def test_retry_after_as_http_date_is_honoured(model: ModelStandin) -> None:
    model.retry_after = format_datetime(datetime.now(UTC) + timedelta(seconds=200), usegmt=True)
    model.fail_first(["429"])
    sleep = Recorder()
    (outcome,) = summarize_papers(model.base_url, PAPERS[:1], sleep=sleep)
    assert isinstance(outcome, Outcome)
    assert max(sleep.waits) == pytest.approx(200, abs=3)


def test_retry_after_holds_every_paper_not_only_the_one_refused(model: ModelStandin) -> None:
    """A Retry-After speaks for the endpoint: the next paper's first request waits for it too
    (the recorder does not let time pass, so the wait is still ahead when the next paper starts).
    """
    model.retry_after = "300"
    model.fail_first(["429"])
    sleep = Recorder()

    async def go() -> None:
        client = OpenAIChat(api_key="sk-unit", base_url=model.base_url, model="m", timeout=5)
        summarizer = Summarizer(client=client, sleep=sleep)
        await summarizer.summarize(PAPERS[0], "brief")
        waits_for_first = len(sleep.waits)
        model.clear_faults()
        await summarizer.summarize(PAPERS[1], "brief")
        assert len(sleep.waits) == waits_for_first + 1
        assert sleep.waits[-1] == pytest.approx(300, abs=2)
        await client.close()

    asyncio.run(go())
    assert model.requests == 3


def test_an_absurd_retry_after_is_capped(model: ModelStandin) -> None:
    model.retry_after = "86400"
    model.fail_first(["429"])
    sleep = Recorder()
    (outcome,) = summarize_papers(model.base_url, PAPERS[:1], sleep=sleep)
    assert isinstance(outcome, Outcome)
    assert max(sleep.waits) == pytest.approx(MAX_RETRY_AFTER, abs=1)


class _Headers(dict[str, str]):
    pass


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "-5"}, 0.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "soon"}, None),
        ({}, None),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past: go now
    ],
)
def test_retry_after_parsing(headers: dict[str, str], seconds: float | None) -> None:
    class Response:
        pass

    response = Response()
    response.headers = _Headers(headers)  # type: ignore[attr-defined]
    assert _retry_after(response) == seconds


# --- backoff and attempts ------------------------------------------------------------------------


def test_transient_faults_back_off_exponentially_with_jitter(model: ModelStandin) -> None:
    model.fail_first(["503", "500"])
    sleep = Recorder()
    outcomes = summarize_papers(model.base_url, PAPERS, sleep=sleep)
    assert all(isinstance(o, Outcome) and o.attempts == 3 for o in outcomes)
    assert len(sleep.waits) == 2 * len(PAPERS)
    # full jitter: the first wait is drawn from [0, base], the second from [0, 2 * base]
    assert all(0 <= w <= 2 * BACKOFF_BASE for w in sleep.waits)
    assert len(set(sleep.waits)) > len(PAPERS), "waits are jittered, not all alike"
    assert max(sleep.waits) > BACKOFF_BASE, "the window widens on the second retry"


@pytest.mark.parametrize("kind", ["500", "503", "429", "timeout", "reset", "english"])
def test_attempts_never_multiply_across_layers(model: ModelStandin, kind: str) -> None:
    """The SDK's retries are off: three attempts are three HTTP requests, whatever the fault.

    No timing assumption: a server that answers at once gets a generous client timeout (a loaded
    machine must not turn a 503 into a timeout), and a hanging one hangs far longer than the
    client waits, with a client timeout long enough for the request to reach it first."""
    model.retry_after = "0"
    model.hang_seconds = 60.0  # cut off at once when the stand-in stops
    model.always(kind)
    outcomes = summarize_papers(
        model.base_url, PAPERS[:4], timeout=2.0 if kind == "timeout" else 30.0
    )
    assert all(isinstance(o, ModelError) and o.attempts == 3 for o in outcomes)
    assert model.requests == 12
    assert set(model.by_paper.values()) == {3}


def test_one_attempt_means_one_request(model: ModelStandin) -> None:
    model.always("502")
    outcomes = summarize_papers(model.base_url, PAPERS[:5], max_attempts=1)
    assert all(isinstance(o, ModelError) for o in outcomes)
    assert model.requests == 5


# --- content faults: asked again, told why -----------------------------------------------------


@pytest.mark.parametrize("mode", ["json_schema", "json_object", "tools"])
@pytest.mark.parametrize("kind", sorted(FEEDBACK))
def test_invalid_answer_is_asked_again_with_the_reason(
    model: ModelStandin, kind: str, mode: str
) -> None:
    model.fail_first([kind])
    (outcome,) = summarize_papers(model.base_url, PAPERS[:1], mode=mode)
    assert isinstance(outcome, Outcome) and outcome.attempts == 2
    assert isinstance(outcome.summary, Brief)
    first, second = model.bodies
    assert len(first["messages"]) == 2
    turns = second["messages"]
    assert [m["role"] for m in turns] == ["system", "user", "assistant", "user"]
    assert turns[:2] == first["messages"], "the paper is sent again unchanged"
    assert turns[2]["content"].strip(), "never an empty assistant turn"
    assert FEEDBACK[kind] in turns[3]["content"]
    assert "rejected" in turns[3]["content"]


def test_a_third_invalid_answer_is_not_piled_onto_the_conversation(model: ModelStandin) -> None:
    model.fail_first(["english", "wrong_keys"])
    (outcome,) = summarize_papers(model.base_url, PAPERS[:1])
    assert isinstance(outcome, Outcome) and outcome.attempts == 3
    third = model.bodies[2]["messages"]
    assert len(third) == 4 and FEEDBACK["wrong_keys"] in third[3]["content"]


def test_persistent_english_fails_the_paper_without_inventing_text(model: ModelStandin) -> None:
    model.always("english")
    (outcome,) = summarize_papers(model.base_url, PAPERS[:1])
    assert isinstance(outcome, ModelError)
    assert outcome.paper_id == PAPERS[0].id and outcome.attempts == 3
    assert "must be written in zh" in str(outcome)


# --- fatal answers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "words"), [("401", "HTTP 401"), ("403", "HTTP 403"), ("quota", "quota")]
)
def test_refused_key_and_spent_quota_are_fatal_at_once(
    model: ModelStandin, kind: str, words: str
) -> None:
    model.always(kind)
    sleep = Recorder()
    (outcome,) = summarize_papers(model.base_url, PAPERS[:1], sleep=sleep)
    assert isinstance(outcome, ModelFatalError) and words in str(outcome)
    assert model.requests == 1 and not sleep.waits


# --- what the network does ------------------------------------------------------------------------


class Scripted(BackgroundServer):
    """Answers POSTs from a list of (status, body, trickle seconds per chunk); the last repeats."""

    def __init__(self, script: list[tuple[int, bytes, float]]) -> None:
        super().__init__()
        self.script = script
        self.requests = 0

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        read_body(handler)
        step = self.script[min(self.requests, len(self.script) - 1)]
        self.requests += 1
        status, body, trickle = step
        if not trickle:
            return send(handler, status, body, "application/json")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for i in range(0, len(body), 8):
            if self.pause(trickle):
                return
            try:
                handler.wfile.write(body[i : i + 8])
                handler.wfile.flush()
            except OSError:
                return

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def completion_body(text: str) -> bytes:
    return json.dumps(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
    ).encode()


GOOD = json.dumps(
    {
        "tldr": "本文提出了一种新的信号处理方法，并验证了其有效性。",
        "motivation": "现有方法在噪声环境下性能较差。",
        "method": "作者设计了一个两阶段的估计框架。",
        "result": "实验表明所提方法明显优于基线方法。",
        "conclusion": "该方法具有良好的应用前景。",
    },
    ensure_ascii=False,
)


def test_a_trickling_answer_cannot_outlast_the_request_timeout() -> None:
    """The SDK's timeout bounds each read; a server sending a byte now and then would hold the
    request for ever. The whole request is bounded by the setting."""
    with Scripted([(200, completion_body(GOOD), 0.5)]) as server:

        async def go() -> float:
            client = OpenAIChat(api_key="k", base_url=server.base_url, model="m", timeout=1.0)
            started = time.monotonic()
            try:
                with pytest.raises(TransientError, match="timed out"):
                    await client.complete(
                        messages=[{"role": "user", "content": "x"}],
                        kind="brief",
                        mode="json_object",
                    )
            finally:
                await client.close()
            return time.monotonic() - started

        # the trickle lasts tens of seconds; a generous bound still proves the cut
        assert asyncio.run(go()) < 10.0


def test_a_body_that_is_not_a_completion_is_retried_not_a_crash() -> None:
    """A proxy's HTML page with status 200, a JSON array: retried like any hiccup."""
    script = [
        (200, b"<html><body>Bad gateway</body></html>", 0.0),
        (200, b"[1, 2, 3]", 0.0),
        (200, completion_body(GOOD), 0.0),
    ]
    with Scripted(script) as server:
        (outcome,) = summarize_papers(server.base_url, PAPERS[:1])
        assert isinstance(outcome, Outcome) and outcome.attempts == 3
        assert server.requests == 3
