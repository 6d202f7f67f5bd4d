"""arXiv faults end to end: `summarizer digest` through the real `arxiv` client against the arXiv
stand-in. A hiccup is retried politely and the digest is the golden one; a day whose listing
cannot be read completely is one line and a non-zero status, and no digest file is written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from summarizer_standins import ArxivStandin, load_fixture

from summarizer.core.days import mailing_window
from summarizer.core.errors import FetchError
from summarizer.sources import arxiv as fetch
from summarizer.sources.arxiv import ArxivSource
from summarizer.sources.settings import SourcesSettings
from tests.support.cli import Stage
from tests.support.files import golden

DAY = "2026-01-07"
FAULTS = ["503", "500", "empty", "reset", "slow"]


class ScheduledFaults(ArxivStandin):
    """The arXiv stand-in with faults pinned to request numbers (1-based): {2: "503"} breaks
    the second request, whatever it asks for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schedule: dict[int, str] = {}

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        fault = self.schedule.get(self.requests + 1)  # requests are sequential: no race
        if fault:
            self.fail_next(fault)
        super().handle(handler, method)


@pytest.fixture
def paged(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stage]:
    """The sample day served in pages of 10 by a stand-in whose faults hit chosen requests;
    a read timeout that a healthy page on a loaded machine stays well within, a slow page that
    outlasts it by far (cut off when the stand-in stops), short pauses between resumes. A test
    with a slow page shortens the timeout (`expect_slow`) so that it stays fast."""
    with ScheduledFaults(stage.arxiv.papers, slow_seconds=60.0) as arxiv_api:
        monkeypatch.setenv("ARXIV_API_URL", arxiv_api.url)
        monkeypatch.setenv("ARXIV_PAGE_SIZE", "10")
        monkeypatch.setenv("ARXIV_TIMEOUT", "10")
        monkeypatch.setattr(fetch, "RESUME_DELAY", 0.05)
        yield Stage(arxiv_api, stage.model, stage.out)


def expect_slow(monkeypatch: pytest.MonkeyPatch, seconds: float = 3.0) -> None:
    """A read timeout short enough that waiting out slow pages keeps the test fast, still long
    enough that a healthy page on a loaded machine (two suites side by side) comes in before it."""
    monkeypatch.setenv("ARXIV_TIMEOUT", str(seconds))


def starts(standin: ArxivStandin) -> list[str]:
    return [str(entry["start"]) for entry in standin.log]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("request_number", [1, 2])  # the first page, a later page
def test_one_fault_on_any_page_is_retried_and_the_digest_is_whole(
    paged: Stage,
    cli,  # type: ignore[no-untyped-def]
    fault: str,
    request_number: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if fault == "slow":
        expect_slow(monkeypatch)
    arxiv_api: ScheduledFaults = paged.arxiv  # type: ignore[assignment]
    arxiv_api.schedule = {request_number: fault}
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert (paged.out / f"{DAY}.md").read_bytes() == golden()
    assert arxiv_api.requests == 4, "three pages and one retry"
    page = str((request_number - 1) * 10)
    assert starts(arxiv_api).count(page) == 2, "the failed page is asked again, from its offset"
    assert starts(arxiv_api)[: request_number - 1] == ["0", "10", "20"][: request_number - 1]
    news = [line for line in run.err.splitlines() if "WARNING" in line or "error" in line]
    assert news == [], "a recovered hiccup is not news"


def test_faults_on_several_pages_in_one_run(paged: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    expect_slow(monkeypatch)
    arxiv_api: ScheduledFaults = paged.arxiv  # type: ignore[assignment]
    arxiv_api.schedule = {1: "reset", 3: "slow", 5: "empty", 6: "503"}
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert (paged.out / f"{DAY}.md").read_bytes() == golden()


@pytest.mark.parametrize(("fault", "words", "page"), [
    ("503", "HTTP 503", 1),
    ("500", "HTTP 500", 1),
    ("empty", "empty page", 1),
    ("reset", "connection error", 1),
    ("slow", "timed out", 1),
    ("503", "HTTP 503", 2),  # after a page came in: never a partial digest
    ("reset", "connection error", 2),
    ("slow", "timed out", 3),
])  # fmt: skip
def test_a_day_that_cannot_be_fetched_is_one_line_and_no_digest(
    paged: Stage,
    cli,  # type: ignore[no-untyped-def]
    fault: str,
    words: str,
    page: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if fault == "slow":
        expect_slow(monkeypatch, 1.0)  # up to twelve slow requests in a row
    arxiv_api: ScheduledFaults = paged.arxiv  # type: ignore[assignment]
    ok = page - 1  # pages that succeed before the fault starts for good
    arxiv_api.schedule = {n: fault for n in range(ok + 1, ok + 40)}
    run = cli("digest", "--date", DAY)
    assert run.code == 3, run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("summarizer: error: could not read the arXiv listing")
    assert words in lines[0] and "nothing was written" in lines[0]
    assert not list(paged.out.rglob("*.md")) and not list(paged.out.rglob("*.jsonl"))
    # Summarizing starts with the first page: the papers of pages that came in were asked
    # about (and stored), those of later pages never.
    assert paged.model.requests <= 10 * ok
    # bounded and polite: the client's 3 retries within each of 3 tries, never more
    assert ok < arxiv_api.requests <= ok + 12
    # and once arXiv recovers, the same command makes the digest
    arxiv_api.schedule = {}
    again = cli("digest", "--date", DAY)
    assert again.code == 0, again.err
    assert (paged.out / f"{DAY}.md").read_bytes() == golden()
    assert set(paged.model.by_paper.values()) == {1}, "no paper was asked about twice"


def test_a_failed_fetch_leaves_yesterdays_digest_untouched(paged: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("digest", "--date", DAY).code == 0
    before = {p: p.read_bytes() for p in paged.out.rglob("*") if p.suffix in {".md", ".jsonl"}}
    arxiv_api: ScheduledFaults = paged.arxiv  # type: ignore[assignment]
    arxiv_api.reset_counters()
    arxiv_api.schedule = {n: "503" for n in range(1, 40)}
    run = cli("digest", "--date", DAY)
    assert run.code == 3
    after = {p: p.read_bytes() for p in paged.out.rglob("*") if p.suffix in {".md", ".jsonl"}}
    assert after == before


# --- at unit level: the resume loop and its pauses ----------------------------------------------


def test_resumes_pause_longer_each_time_and_never_below_a_second() -> None:
    fixture = load_fixture("sample-toc")
    pauses: list[float] = []
    with ArxivStandin(fixture.papers) as arxiv_api:
        arxiv_api.fail_next(*["503"] * 8)  # two whole tries of the client's four requests
        source = ArxivSource(api_url=arxiv_api.url, delay=0.0, page_size=10, sleep=pauses.append)
        papers = source.search(
            categories=fixture.categories, window=mailing_window(date(2026, 1, 7))
        )
        assert len(papers) == 27
        assert pauses == [1.0, 2.0]
        assert arxiv_api.requests == 8 + 3


def test_the_resume_pause_follows_the_polite_delay() -> None:
    pauses: list[float] = []
    with ArxivStandin() as arxiv_api:
        arxiv_api.fail_next(*["reset"] * 40)
        source = ArxivSource(api_url=arxiv_api.url, delay=0.0, retries=0, sleep=pauses.append)
        source.delay = 3.0  # as against export.arxiv.org; the client's own delay stays 0 here
        with pytest.raises(FetchError, match="connection error"):
            source.search(categories=["cs.SD"], window=mailing_window(date(2026, 1, 7)))
    assert pauses == [3.0, 6.0]


def test_the_real_arxiv_is_never_asked_faster_than_every_three_seconds() -> None:
    real = SourcesSettings(arxiv_api_url="https://export.arxiv.org/api/query", arxiv_delay=0)
    assert real.arxiv_delay_seconds == 3.0
    local = SourcesSettings(arxiv_api_url="http://127.0.0.1:9/api/query")
    assert local.arxiv_delay_seconds == 0.0
