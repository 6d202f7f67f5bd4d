"""The attempt loop driven at unit level: the real openai SDK against a stand-in, with the loop's
sleep replaced by a recorder so that waits of minutes are proven without being waited."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from summarizer_standins import load_fixture

from summarizer.core.records import Paper
from summarizer.llm.attempts import Outcome, Summarizer
from summarizer.llm.client import OpenAIChat
from summarizer.llm.limits import AdaptiveLimiter

# The papers of the bundled sample mailing (digest day 2026-01-07).
PAPERS = load_fixture("sample-toc").papers


class Recorder:
    """An injected sleep: records every wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


def summarize_papers(
    standin_url: str,
    papers: list[Paper],
    *,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    timeout: float = 5.0,
    max_attempts: int = 3,
    mode: str = "json_schema",
    concurrency: int = 8,
) -> list[Outcome | BaseException]:
    """Summarize `papers` concurrently with one Summarizer, at most `concurrency` in flight;
    outcomes or exceptions, in order. Its waits go to a Recorder unless `sleep` is given."""

    async def go() -> list[Outcome | BaseException]:
        client = OpenAIChat(api_key="sk-unit", base_url=standin_url, model="m", timeout=timeout)
        summarizer = Summarizer(
            client=client,
            max_attempts=max_attempts,
            mode=mode,  # type: ignore[arg-type]
            sleep=sleep or Recorder(),
            limiter=AdaptiveLimiter(concurrency),
        )
        try:
            return await asyncio.gather(
                *(summarizer.summarize(p, "brief") for p in papers), return_exceptions=True
            )
        finally:
            await client.close()

    return asyncio.run(go())
