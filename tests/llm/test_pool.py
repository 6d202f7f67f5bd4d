"""The bounded worker pool (summarizer/llm/pool.py) and the digest's streaming of the listing.

No wall-clock assertions: tasks are counted, and order is forced with events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from summarizer_standins.arxiv_api import ArxivStandin
from summarizer_standins.openai_api import ModelStandin
from summarizer_standins.synthetic import synthetic_papers

from summarizer.core.days import mailing_window
from summarizer.llm.pool import JobQueue, pool_size, run_pool
from tests.support.cli import SENTINEL_KEY


async def _count(n: int) -> AsyncIterator[int]:
    for i in range(n):
        yield i


def test_ten_thousand_jobs_never_hold_more_than_the_pool_in_tasks() -> None:
    size, n = 16, 10_000
    done: list[int] = []
    peak_tasks = peak_running = running = 0

    async def work(job: int) -> None:
        nonlocal peak_tasks, peak_running, running
        running += 1
        peak_running = max(peak_running, running)
        peak_tasks = max(peak_tasks, len(asyncio.all_tasks()))
        await asyncio.sleep(0)
        running -= 1
        done.append(job)

    asyncio.run(run_pool(_count(n), work, size=size))
    assert sorted(done) == list(range(n))
    assert peak_running == size
    # the workers, the feeder and the main task: flat, whatever n is
    assert peak_tasks <= size + 2


def test_the_first_job_starts_before_the_source_is_finished() -> None:
    """A source that will not yield its second page until the first job has started."""
    started = asyncio.Event()
    order: list[str] = []

    async def pages() -> AsyncIterator[str]:
        yield "page 1"
        order.append("waiting for page 2")
        await started.wait()
        order.append("page 2")
        yield "page 2"

    async def work(job: str) -> None:
        order.append(f"work on {job}")
        started.set()

    asyncio.run(run_pool(pages(), work, size=4))
    assert order.index("work on page 1") < order.index("page 2")
    assert order[-1] == "work on page 2"


def test_a_failing_source_lets_running_jobs_finish_and_starts_no_new_one() -> None:
    release = asyncio.Event()
    finished: list[int] = []

    async def source() -> AsyncIterator[int]:
        yield 1
        yield 2
        await asyncio.sleep(0)  # both taken by the two workers
        release.set()
        raise RuntimeError("the listing broke")

    async def work(job: int) -> None:
        await release.wait()
        finished.append(job)

    with pytest.raises(RuntimeError, match="the listing broke"):
        asyncio.run(run_pool(source(), work, size=2))
    assert sorted(finished) == [1, 2]


def test_a_failing_job_stops_the_pool() -> None:
    seen: list[int] = []

    async def work(job: int) -> None:
        seen.append(job)
        if job == 3:
            raise KeyError("fatal")
        await asyncio.sleep(0)

    with pytest.raises(ExceptionGroup) as caught:
        asyncio.run(run_pool(_count(1000), work, size=4))
    assert caught.group_contains(KeyError)
    assert len(seen) < 1000


def test_the_queue_is_short_and_closes() -> None:
    async def scenario() -> list[int | None]:
        queue: JobQueue[int] = JobQueue(capacity=2)
        await queue.put(1)
        await queue.put(2)
        blocked = asyncio.create_task(queue.put(3))
        await asyncio.sleep(0)
        assert not blocked.done() and len(queue) == 2  # full: the feeder waits
        got = [await queue.get()]
        await blocked
        queue.close()
        got += [await queue.get(), await queue.get(), await queue.get()]
        return got

    assert asyncio.run(scenario()) == [1, 2, 3, None]


def test_pool_size_follows_the_in_flight_limit() -> None:
    assert pool_size(64) == 128 and pool_size(1) == 2 and pool_size(0) == 2


# --- the digest: summarizing starts while later pages are still being fetched ------------------


def test_the_digest_asks_the_model_before_the_last_page_is_fetched(
    isolated: Path,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The arXiv stand-in holds the last page until the model stand-in has seen a request."""
    day = date(2026, 1, 7)
    window = mailing_window(day)
    papers = synthetic_papers(
        30, day_window_start=window.start, day_window_end=window.end, categories=["cs.SD"]
    )
    with ModelStandin() as model, _HeldLastPage(papers, model=model) as arxiv:
        monkeypatch.setenv("ARXIV_API_URL", arxiv.url)
        monkeypatch.setenv("ARXIV_PAGE_SIZE", "10")
        monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
        monkeypatch.setenv("SUMMARIZER_CATEGORIES", "cs.SD")
        monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(isolated / "out"))
        run = cli("digest", "--date", str(day))
        assert run.code == 0, run.err
        assert arxiv.requests_seen_by_model_at_last_page > 0
        assert model.requests == 30 and set(model.by_paper.values()) == {1}
        again = cli("digest", "--date", str(day))
        assert again.code == 0 and model.requests == 30, "the re-run asks for nothing"


class _HeldLastPage(ArxivStandin):
    """Serves the last page (start=20) only once the model has received a request (or after a
    generous 30 s, so a pipeline that fetches everything first fails the assertion, not hangs)."""

    def __init__(self, papers: list, *, model: ModelStandin) -> None:  # type: ignore[type-arg]
        super().__init__(papers)
        self.model = model
        self.requests_seen_by_model_at_last_page = -1

    def handle(self, handler, method: str) -> None:  # type: ignore[no-untyped-def]
        if "start=20" in handler.path:
            for _ in range(600):
                if self.model.requests or self.pause(0.05):
                    break
            self.requests_seen_by_model_at_last_page = self.model.requests
        super().handle(handler, method)


# --- a big day's files are encoded a slice at a time ---------------------------------------------


@pytest.mark.parametrize("text", ["", "abc", "简体中文😀x" * 13, "a\r\nb" * 5, "é" * 20])
def test_text_written_in_slices_is_byte_for_byte_the_whole_encoding(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    from summarizer.publish import files

    monkeypatch.setattr(files, "ENCODE_CHARS", 7)  # slices that cut through every kind of text
    target = isolated / "out" / "day.md"
    files.write_atomic(target, text)
    assert target.read_bytes() == text.encode("utf-8")
