"""The summarizing phase of a run: the stored summaries of some papers, asking the model for
the rest through a bounded pool of workers, under the store's single writer, leases shared with
concurrent runs, and the signal guard. Mixed into `pipeline.Pipeline`, which owns the clients."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..core.errors import BudgetExceeded, ModelError, ModelFatalError, Stopped, SummarizerError
from ..core.records import Paper, Summary, SummaryKind, Usage
from ..core.redaction import redact
from ..llm.attempts import Summarizer
from ..llm.batch import request_key
from ..llm.client import ModelClient, OpenAIChat
from ..llm.cost import Budget, usage_since
from ..llm.limits import AdaptiveLimiter, Pacer
from ..llm.modes import ModeSwitch
from ..llm.pool import pool_size, run_pool
from ..llm.prompts import load_template
from ..store.batch_ledger import BatchLedger
from ..store.database import Store
from ..store.writer import Key, StoreWriter
from .interrupts import GracefulStop, Interrupted, on_signals
from .report import DayReport, Reporter
from .settings import RunSettings

log = logging.getLogger(__name__)
STOP_GRACE = 15.0  # seconds a signal leaves the requests in flight to answer


class Summarizing:
    """Summaries for a run's papers; the attributes are the run's (set by `Pipeline`)."""

    settings: RunSettings
    store: Store
    reporter: Reporter
    budget: Budget
    limiter: AdaptiveLimiter
    pacer: Pacer
    modes: ModeSwitch
    max_attempts: int
    batch_spent: dict[tuple[SummaryKind, str], tuple[Usage, float]]
    _client: ModelClient | None

    def stored(self, papers: list[Paper], kind: SummaryKind) -> dict[str, Summary]:
        """The summaries of `papers` this run's prompt and model would make, by paper id."""
        version, model = self.prompt_version(kind), self.settings.llm.model
        found = self.store.summaries(papers, kind=kind, prompt_version=version, model=model)
        return {pid: s for pid, s in found.items() if s.readable()}

    def prompt_version(self, kind: SummaryKind) -> str:
        version = load_template(kind).cache_version
        return version + "+fulltext" if self.settings.llm.full_text else version

    def key(self, kind: SummaryKind, paper: Paper) -> Key:
        """The store's identity of the summary of `paper` this run would make."""
        version = self.prompt_version(kind)
        return Key(paper.id, paper.version, kind, version, self.settings.llm.model)

    def _ensure(
        self, papers: list[Paper], kinds: tuple[SummaryKind, ...], report: DayReport
    ) -> dict[tuple[SummaryKind, str], Summary]:
        """Stored summaries for every (kind, paper), asking the model only for what is missing."""
        have, todo, held, interrupted = self._ensure_pages(lambda: _one_page(papers), kinds, report)
        found = self._tally(papers, have, todo, held, report)
        stop_if_interrupted(interrupted, report)
        return found

    def _tally(
        self,
        papers: list[Paper],
        have: dict[tuple[SummaryKind, str], Summary],
        todo: set[tuple[SummaryKind, str]],
        held: set[str],
        report: DayReport,
    ) -> dict[tuple[SummaryKind, str], Summary]:
        """The summaries of exactly `papers` (their newest versions), and the report's counts."""
        versions = {p.id: p.version for p in papers}
        found = {key: s for key, s in have.items() if versions.get(key[1]) == s.version}
        asked = {pid for _, pid in todo if pid in versions}
        held = held & versions.keys()
        if held:
            report.note = f"{len(held)} waiting in an open batch (summarizer batch status)"
        failed = {pid for key in todo if (pid := key[1]) in versions and key not in found}
        report.cached = len(versions.keys() - asked - held)
        report.summarized = len(asked) - len(failed)
        report.missing = sorted(failed | held)
        if self.batch_spent:
            self._count_batch_work(papers, found, asked, report)
        return found

    def _ensure_pages(
        self,
        pages: Callable[[], AsyncIterator[list[Paper]]],
        kinds: tuple[SummaryKind, ...],
        report: DayReport,
    ) -> tuple[
        dict[tuple[SummaryKind, str], Summary], set[tuple[SummaryKind, str]], set[str], list[int]
    ]:
        """Summaries of the papers of `pages` as they come: the stored ones, and the others
        asked for (`todo`) by a bounded pool of workers; the ids an open batch holds (`held`);
        the signal that stopped the run, if one did."""
        have: dict[tuple[SummaryKind, str], Summary] = {}
        todo: set[tuple[SummaryKind, str]] = set()
        held: set[str] = set()
        interrupted: list[int] = []
        # Tokens and cost of every request, answered or not, from the budget's running totals.
        usage, spent = self.budget.usage, self.budget.spent
        try:
            jobs = self._jobs(pages(), kinds, have, todo, held)
            asyncio.run(self._summarize_all(jobs, report, have, interrupted))
        finally:
            report.usage = usage_since(usage, self.budget.usage)
            report.cost = self.budget.spent - spent
        return have, todo, held, interrupted

    async def _jobs(
        self,
        pages: AsyncIterator[list[Paper]],
        kinds: tuple[SummaryKind, ...],
        have: dict[tuple[SummaryKind, str], Summary],
        todo: set[tuple[SummaryKind, str]],
        held: set[str],
    ) -> AsyncIterator[list[tuple[SummaryKind, Paper]]]:
        """Page by page, (kind, paper) for every summary the store does not hold, nor an open
        batch (asking those live too would pay twice)."""
        async for page in pages:
            jobs: list[tuple[SummaryKind, Paper]] = []
            for kind in kinds:
                stored = self.stored(page, kind)
                have.update({(kind, pid): s for pid, s in stored.items()})
                jobs += [(kind, p) for p in page if p.id not in stored]
            by_batch = self._held_by_batches(jobs)
            if by_batch:
                held.update(pid for _, pid in by_batch)
                jobs = [(kind, p) for kind, p in jobs if (kind, p.id) not in by_batch]
            if not jobs:
                continue
            if self._client is None:
                self._make_client()  # no key, no request: said before the first one
            self.store.save_papers(page)
            self.reporter.grow(len(jobs))
            todo.update((kind, paper.id) for kind, paper in jobs)
            yield jobs

    def _held_by_batches(self, todo: list[tuple[SummaryKind, Paper]]) -> set[tuple[str, str]]:
        """Requests an open provider batch of this store holds: asking them live too would pay
        twice, so they wait for that batch (`summarizer batch status` collects it)."""
        if not todo or not self.store.has_open_batches():
            return set()
        keys = {
            request_key(p, kind, self.prompt_version(kind), self.settings.llm.model).custom_id: (
                kind,
                p.id,
            )
            for kind, p in todo
        }
        held = BatchLedger(self.store).open_requests(keys)
        return {keys[custom_id] for custom_id in held}

    def _count_batch_work(
        self,
        papers: list[Paper],
        have: dict[tuple[SummaryKind, str], Summary],
        asked: set[str],
        report: DayReport,
    ) -> None:
        """Summaries the batch engine made in this run count as made, at what they cost."""
        ids = {p.id for p in papers}
        by_batch = {pid for kind, pid in have if (kind, pid) in self.batch_spent} - asked
        for key in [k for k in self.batch_spent if k[1] in ids]:
            usage, cost = self.batch_spent.pop(key)
            report.usage += usage
            report.cost += cost
        report.cached -= len(by_batch)
        report.summarized += len(by_batch)
        if by_batch:
            report.note = report.note or f"{len(by_batch)} by batch"

    def _make_client(self) -> ModelClient:
        self._client = OpenAIChat(
            api_key=self.settings.llm.require_key(),
            base_url=self.settings.llm.openai_base_url,
            organization=self.settings.llm.openai_org_id,
            project=self.settings.llm.openai_project_id,
            model=self.settings.llm.model,
            timeout=self.settings.llm.timeout,
            profile=self.settings.llm.provider_profile,
        )
        return self._client

    async def _summarize_all(
        self,
        jobs: AsyncIterator[list[tuple[SummaryKind, Paper]]],
        report: DayReport,
        made: dict[tuple[SummaryKind, str], Summary],
        interrupted: list[int],
    ) -> None:
        """Ask for every job of each page no other run is making, `pool_size` at a time, then
        wait for those another run is making; each summary lands in `made` once it is committed
        to the store. A signal stops new requests; what arrived is still stored."""
        summarizer = Summarizer(
            client=_ClientOf(self),
            language=self.settings.llm.language,
            mode=self.settings.llm.response_mode,
            profile=self.settings.llm.provider_profile,
            modes=self.modes,
            max_attempts=self.max_attempts,
            limiter=self.limiter,
            pacer=self.pacer,
            budget=self.budget,
        )
        by_key: dict[Key, tuple[SummaryKind, Paper]] = {}
        said: set[str] = set()  # an endpoint's refusal that is the same for every paper: once
        bodies: dict[str, asyncio.Task[tuple[str, str]]] = {}
        self.reporter.start("summarizing", 0)

        async def body_of(paper: Paper) -> tuple[str, str]:
            from ..sources.fulltext import fetch_body  # pypdf and friends: only with --full-text

            body = await asyncio.to_thread(
                fetch_body,
                paper_id=paper.id,
                version=paper.version,
                abstract=paper.abstract,
                web_url=self.settings.sources.arxiv_web_url,
                budget_tokens=self.settings.llm.full_text_tokens,
            )
            if body.source == "abstract":
                report.abstract_only.append(paper.id)
                return "", "abstract"
            return body.text, body.source

        async def one(writer: StoreWriter, key: Key) -> None:
            kind, paper = by_key[key]
            try:
                body, source = "", "abstract"
                if self.settings.llm.full_text:  # one fetch of the body for all kinds of a paper
                    if paper.id not in bodies:
                        bodies[paper.id] = asyncio.create_task(body_of(paper))
                    body, source = await bodies[paper.id]
                outcome = await summarizer.summarize(paper, kind, body=body)
            except ModelFatalError:
                raise
            except Stopped:
                return await writer.release(key)
            except BudgetExceeded as exc:
                # Once the budget is spent every paper left is refused: say so once, not per paper.
                log.log(logging.INFO if self.budget.refused > 1 else logging.WARNING, "%s", exc)
                return await writer.release(key)
            except ModelError as exc:
                log.log(logging.INFO if str(exc) in said else logging.WARNING, "%s", exc)
                said.add(str(exc))
                if exc.detail and exc.detail not in report.provider_errors:
                    report.provider_errors.append(exc.detail)
                return await writer.release(key)
            except Exception as exc:  # an answer no check foresaw: this paper only, not the run
                log.warning("%s: no %s summary: %s", paper.id, kind, redact(repr(exc))[:300])
                return await writer.release(key)
            finally:
                self.reporter.advance()
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
                earlier = made.get((kind, paper.id))
                if earlier is None or earlier.version <= summary.version:
                    made[(kind, paper.id)] = summary

        async def take_stored(writer: StoreWriter, keys: list[Key]) -> None:
            """Summaries another run stored meanwhile."""
            for kind in {k.kind for k in keys}:
                papers = [by_key[k][1] for k in keys if k.kind == kind]
                found = await writer.read(functools.partial(self.stored, papers, kind))
                for pid, summary in found.items():
                    made[(kind, pid)] = summary
                    self.reporter.advance()

        theirs: list[Key] = []

        async def claimed(writer: StoreWriter) -> AsyncIterator[Key]:
            """The keys of each page this run is to ask for; another run's go to `theirs`."""
            async for page in jobs:
                keys = {self.key(kind, paper): (kind, paper) for kind, paper in page}
                by_key.update(keys)
                claim = await writer.claim(keys)
                await take_stored(writer, claim.stored)
                theirs.extend(claim.theirs)
                for key in claim.mine:
                    yield key

        async def work(writer: StoreWriter) -> None:
            size = pool_size(self.limiter.ceiling)
            ask = functools.partial(one, writer)
            try:
                await run_pool(claimed(writer), ask, size=size)
                if theirs:
                    log.info(
                        "%d summaries are being made by another run; waiting for them", len(theirs)
                    )
                    async for change in writer.follow(theirs):
                        await take_stored(writer, change.stored)
                        await run_pool(_each(change.mine), ask, size=size)
            except* SummarizerError as errors:  # the key refused, the store unusable: stop
                raise errors.exceptions[0] from None

        loop = asyncio.get_running_loop()
        try:
            async with StoreWriter(self.store) as writer:
                task = asyncio.create_task(work(writer))
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
                if stop.signum is not None:
                    interrupted.append(stop.signum)
        finally:
            self.reporter.stop()
            if self._client is not None:
                await self._client.close()
                self._client = None


class _ClientOf:
    """The pipeline's model client, made when the first request is due (a day served from the
    store needs no key)."""

    def __init__(self, pipeline: Summarizing) -> None:
        self._pipeline = pipeline

    async def complete(self, **request: Any) -> Any:
        client = self._pipeline._client or self._pipeline._make_client()
        return await client.complete(**request)

    async def close(self) -> None:
        if self._pipeline._client is not None:
            await self._pipeline._client.close()


async def pages_in_thread(
    pages: Iterator[list[Paper]], take: Callable[[list[Paper]], list[Paper]]
) -> AsyncIterator[list[Paper]]:
    """Pages fetched and parsed on a thread (the arXiv client blocks), each then given to `take`
    on the event loop, where the store is."""
    end: list[Paper] = []
    loop = asyncio.get_running_loop()
    # One thread for the whole listing: its parser's memory stays in one malloc arena.
    thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arxiv-pages")
    try:
        while (page := await loop.run_in_executor(thread, next, pages, end)) is not end:
            yield take(page)
    finally:
        thread.shutdown(wait=False)  # a page still in flight is bounded by ARXIV_TIMEOUT


async def _one_page(papers: Iterable[Paper]) -> AsyncIterator[list[Paper]]:
    yield list(papers)


async def _each(items: Iterable[Key]) -> AsyncIterator[Key]:
    for item in items:
        yield item


def stop_if_interrupted(interrupted: list[int], report: DayReport) -> None:
    """A signal stopped the run: say what was stored and what is left (cli prints it)."""
    if interrupted:
        raise Interrupted(
            interrupted[0],
            f"; {report.summarized} summaries stored, {len(report.missing)} papers left: "
            "run the same command again to finish",
        )
