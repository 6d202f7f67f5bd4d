"""Waits that end (issue #10): an arXiv endpoint that trickles its answer is given up on within a
whole-request deadline; a long Retry-After is said once, with the time the run resumes."""

from __future__ import annotations

import logging
import re
import time
from http.server import BaseHTTPRequestHandler

import pytest
from summarizer_standins import ModelStandin
from summarizer_standins.server import BackgroundServer, send

from summarizer.core.errors import FetchError
from summarizer.sources.arxiv import MAX_RETRY_AFTER, ArxivSource
from tests.support.cli import Stage
from tests.support.llm import PAPERS, Recorder, summarize_papers

DAY = "2026-01-07"


class TricklingEndpoint(BackgroundServer):
    """Sends a 200 and its headers at once, then the body one byte every half second, forever
    (each read of the client sees data well within its read timeout)."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        self.requests += 1
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/atom+xml")
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            while not self.pause(0.5):
                handler.wfile.write(b" ")
                handler.wfile.flush()
        except OSError:
            handler.close_connection = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/query"


def test_a_trickling_arxiv_endpoint_stops_the_run_within_two_minutes(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with TricklingEndpoint() as trickle:
        monkeypatch.setenv("ARXIV_API_URL", trickle.url)
        monkeypatch.setenv("ARXIV_TIMEOUT", "2")
        started = time.monotonic()
        result = cli("digest", "--date", DAY)
        elapsed = time.monotonic() - started
    assert result.code == 3, result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert "timed out" in result.err and "nothing was written" in result.err
    assert elapsed < 120, elapsed
    assert trickle.requests >= 1 and stage.model.requests == 0
    assert not (stage.out / f"{DAY}.md").exists()


def test_a_long_retry_after_is_said_once_with_the_time_of_resuming(
    model: ModelStandin,
    caplog: pytest.LogCaptureFixture,
) -> None:
    model.retry_after = "3600"
    model.fail_first(["429"])  # every paper is refused once, all at the same time
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        outcomes = summarize_papers(model.base_url, PAPERS[:5], sleep=Recorder())
    assert all(not isinstance(o, BaseException) for o in outcomes), outcomes
    said = [r.getMessage() for r in caplog.records if "Retry-After" in r.getMessage()]
    assert len(said) == 1, said
    assert "3600 s" in said[0] and re.search(r"until \d\d:\d\d:\d\d UTC", said[0])


class BusyArxiv(BackgroundServer):
    """Answers every request with 429 and `Retry-After: 3600`, as arXiv does when overloaded."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        self.requests += 1
        send(handler, 429, b"Rate exceeded.\n", "text/plain", {"Retry-After": "3600"})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/query"


def test_arxiv_retry_after_is_honoured_capped_and_said_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    waits: list[float] = []
    with BusyArxiv() as busy, caplog.at_level(logging.INFO, logger="summarizer"):
        source = ArxivSource(api_url=busy.url, delay=0.0, retries=0, sleep=waits.append)
        with pytest.raises(FetchError):
            source.by_ids([("2601.00001", None)])
    assert waits == [MAX_RETRY_AFTER, MAX_RETRY_AFTER], waits
    said = [r for r in caplog.records if "Retry-After" in r.getMessage()]
    assert [r.levelno for r in said] == [logging.WARNING, logging.INFO], "said once"
    assert re.search(r"resumes at \d\d:\d\d:\d\d UTC", said[0].getMessage())
