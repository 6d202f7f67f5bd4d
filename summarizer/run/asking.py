"""Asking the model for the summaries of one call, `pool_size` at a time: the jobs of each page
no other run is making first, then those another run was making and left. Each summary is
committed by the store's single writer and lands in `made` once committed; a signal stops new
requests while what arrived is still stored. The state the pool's workers share lives in one
`Asking` per call."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from ..core.errors import BudgetExceeded, ModelError, ModelFatalError, Stopped, SummarizerError
from ..core.records import Paper, Summary, SummaryKind
from ..core.redaction import redact
from ..llm.attempts import Outcome, Summarizer
from ..llm.client import ModelClient
from ..llm.pool import pool_size, run_pool
from ..store.writer import Key, StoreWriter
from .context import RunContext
from .interrupts import GracefulStop, on_signals
from .report import DayReport

log = logging.getLogger(__name__)
STOP_GRACE = 15.0  # seconds a signal leaves the requests in flight to answer
Jobs = AsyncIterator[list[tuple[SummaryKind, Paper]]]


class LazyClient:
    """The run's model client, made when the first request is due (a day served from the store
    needs no key), and closed when the call ends."""

    def __init__(self, connect: Callable[[], ModelClient]) -> None:
        self._connect = connect
        self._client: ModelClient | None = None

    def ready(self) -> ModelClient:
        if self._client is None:
            self._client = self._connect()
        return self._client

    async def complete(self, **request: Any) -> Any:
        return await self.ready().complete(**request)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


class Asking:
    """One call's requests, and what its pool's workers share: the job of each key (`by_key`),
    the refusals said once (`said`), each paper's body fetch (`bodies`), the keys another run
    holds (`theirs`)."""

    def __init__(
        self,
        context: RunContext,
        *,
        client: LazyClient,
        attempts: int,
        report: DayReport,
        made: dict[tuple[SummaryKind, str], Summary],
    ) -> None:
        self.context = context
        self.client = client
        self.attempts = attempts
        self.report = report
        self.made = made
        self.by_key: dict[Key, tuple[SummaryKind, Paper]] = {}
        self.said: set[str] = set()  # an endpoint's refusal that is the same for every paper
        self.bodies: dict[str, asyncio.Task[tuple[str, str]]] = {}
        self.theirs: list[Key] = []
        self.writer: StoreWriter | None = None  # while `run` runs

    def _summarizer(self) -> Summarizer:
        ctx, options = self.context, self.context.summary
        return Summarizer(
            client=self.client,
            language=options.language,
            mode=options.response_mode,
            profile=options.profile,
            modes=ctx.modes,
            max_attempts=self.attempts,
            guidance=options.guidance,
            limiter=ctx.limiter,
            pacer=ctx.pacer,
            budget=ctx.budget,
        )

    async def run(self, jobs: Jobs) -> int | None:
        """Ask for every job; the signal that stopped it, if one did."""
        summarizer = self._summarizer()
        reporter = self.context.reporter
        reporter.start("summarizing", 0)
        loop = asyncio.get_running_loop()
        try:
            async with StoreWriter(self.context.store) as writer:
                self.writer = writer
                task = asyncio.create_task(self._work(writer, summarizer, jobs))
                stop = GracefulStop(
                    task,
                    busy=lambda: summarizer.in_flight,
                    on_first=summarizer.stop,
                    grace=STOP_GRACE,
                )
                with on_signals(loop, stop):
                    try:
                        await task
                    except asyncio.CancelledError:
                        if stop.signum is None:
                            raise
                return stop.signum
        finally:
            reporter.stop()
            await self.client.close()

    async def keep(self, summaries: list[Summary]) -> None:
        """Store summaries made without a request (restored from the JSON lines) through the
        run's writer; returns once they are committed."""
        assert self.writer is not None, "keep() is for the jobs of a running call"
        await asyncio.gather(*(self.writer.save(summary) for summary in summaries))

    async def _work(self, writer: StoreWriter, summarizer: Summarizer, jobs: Jobs) -> None:
        size = pool_size(self.context.limiter.ceiling)
        ask = functools.partial(self._ask, writer, summarizer)
        try:
            await run_pool(self._claimed(writer, jobs), ask, size=size)
            if self.theirs:
                log.info(
                    "%d summaries are being made by another run; waiting for them",
                    len(self.theirs),
                )
                async for change in writer.follow(self.theirs):
                    await self._take_stored(writer, change.stored)
                    await run_pool(_each(change.mine), ask, size=size)
        except* SummarizerError as errors:  # the key refused, the store unusable: stop
            raise errors.exceptions[0] from None

    async def _claimed(self, writer: StoreWriter, jobs: Jobs) -> AsyncIterator[Key]:
        """The keys of each page this run is to ask for; another run's go to `theirs`."""
        keys = self.context.keys
        async for page in jobs:
            claimable = {keys.key(kind, paper): (kind, paper) for kind, paper in page}
            self.by_key.update(claimable)
            claim = await writer.claim(claimable)
            await self._take_stored(writer, claim.stored)
            self.theirs.extend(claim.theirs)
            for key in claim.mine:
                yield key

    async def _take_stored(self, writer: StoreWriter, keys: list[Key]) -> None:
        """Summaries another run stored meanwhile."""
        for kind in {k.kind for k in keys}:
            papers = [self.by_key[k][1] for k in keys if k.kind == kind]
            found = await writer.read(functools.partial(self.context.keys.stored, papers, kind))
            for pid, summary in found.items():
                self.made[(kind, pid)] = summary
                self.context.reporter.advance()

    async def _ask(self, writer: StoreWriter, summarizer: Summarizer, key: Key) -> None:
        kind, paper = self.by_key[key]
        try:
            body, source = "", "abstract"
            if self.context.summary.full_text:  # one fetch of the body for all kinds of a paper
                if paper.id not in self.bodies:
                    self.bodies[paper.id] = asyncio.create_task(self._body_of(paper))
                body, source = await self.bodies[paper.id]
            outcome = await summarizer.summarize(paper, kind, body=body)
        except ModelFatalError:
            raise
        except Exception as exc:
            self._failed(exc, kind, paper)
            return await writer.release(key)
        finally:
            self.context.reporter.advance()
        await self._save(writer, key, outcome, source)

    def _failed(self, exc: Exception, kind: SummaryKind, paper: Paper) -> None:
        """Say why a paper has no summary of `kind`: once for what every paper would meet."""
        if isinstance(exc, Stopped):
            return
        if isinstance(exc, BudgetExceeded):
            # Once the budget is spent every paper left is refused: say so once, not per paper.
            level = logging.INFO if self.context.budget.refused > 1 else logging.WARNING
            log.log(level, "%s", exc)
        elif isinstance(exc, ModelError):
            log.log(logging.INFO if str(exc) in self.said else logging.WARNING, "%s", exc)
            self.said.add(str(exc))
            if exc.detail and exc.detail not in self.report.provider_errors:
                self.report.provider_errors.append(exc.detail)
        else:  # an answer no check foresaw: this paper only, not the run
            log.warning("%s: no %s summary: %s", paper.id, kind, redact(repr(exc))[:300])

    async def _save(self, writer: StoreWriter, key: Key, outcome: Outcome, source: str) -> None:
        kind, paper = self.by_key[key]
        self.report.corrected += outcome.corrections
        summary = Summary(
            paper_id=paper.id,
            version=paper.version,
            kind=kind,
            prompt_version=key.prompt_version,
            model=key.model,
            payload=outcome.summary.model_dump(),
            usage=outcome.usage,
            source=source,
        )
        try:
            await writer.save(summary)
        finally:
            # Also when cancelled while its batch commits: the writer still commits it on its
            # way out (or the run fails with the store's error), so it counts as made.
            earlier = self.made.get((kind, paper.id))
            if earlier is None or earlier.version <= summary.version:
                self.made[(kind, paper.id)] = summary

    async def _body_of(self, paper: Paper) -> tuple[str, str]:
        read = self.context.summary.full_text
        assert read is not None
        text, source = await asyncio.to_thread(read, paper)
        if source == "abstract":
            self.report.abstract_only.append(paper.id)
        return text, source


async def _each(items: Iterable[Key]) -> AsyncIterator[Key]:
    for item in items:
        yield item
