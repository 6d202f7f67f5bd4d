"""The summarizing phase of a run: the stored summaries of some papers, and the others asked of
the model (run.asking: a bounded pool of workers under the store's single writer, leases shared
with concurrent runs, and the signal guard). A service the pipeline holds, made from the run's
context; what one call gathers lives in that call's `Found`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar, cast

from ..batch.collect import Spent
from ..core.records import Paper, Summary, SummaryKind
from ..llm.batch import request_key
from ..llm.cost import usage_since
from ..store.batch_ledger import BatchLedger
from .asking import Asking, LazyClient
from .context import RunContext
from .interrupts import Interrupted
from .report import DayReport
from .restore import Restorer

Pair = tuple[SummaryKind, str]  # (kind, paper id)
T = TypeVar("T")


@dataclass
class Found:
    """What one call gathered: the summaries stored or made (`have`), the ones it asked for
    (`todo`), the paper ids an open batch holds (`held`), the signal that stopped it."""

    have: dict[Pair, Summary] = field(default_factory=dict)
    todo: set[Pair] = field(default_factory=set)
    held: set[str] = field(default_factory=set)
    interrupted: int | None = None


class Summarizing:
    """Summaries for a run's papers: from the store, else from the model."""

    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.keys = context.keys
        self.restorer = Restorer(context.output_dir / "data", language=context.summary.language)

    def stored(self, papers: list[Paper], kind: SummaryKind) -> dict[str, Summary]:
        return self.keys.stored(papers, kind)

    def restored(self, jobs: Iterable[tuple[SummaryKind, Paper]]) -> dict[Pair, Summary]:
        """The summaries of `jobs` the committed JSON lines hold, made by this run's model and
        prompt (run.restore); not yet stored."""
        found: dict[Pair, Summary] = {}
        versions = {kind: self.keys.prompt_version(kind) for kind in ("brief", "detailed")}
        for kind, paper in jobs:
            summary = self.restorer.find(
                paper, kind, prompt_version=versions[kind], model=self.keys.model
            )
            if summary is not None:
                found[(kind, paper.id)] = summary
        return found

    def held(self, papers: list[Paper], kinds: Iterable[SummaryKind]) -> dict[Pair, Summary]:
        """The summaries of `papers` the store holds, and those a lost store is refilled with
        from the committed JSON lines (stored now); the model is asked nothing."""
        found: dict[Pair, Summary] = {}
        kinds = tuple(kinds)
        for kind in kinds:
            found.update({(kind, pid): s for pid, s in self.stored(papers, kind).items()})
        restored = self.restored((k, p) for k in kinds for p in papers if (k, p.id) not in found)
        for summary in restored.values():
            self.context.store.papers.save_summary(summary)
        return found | restored

    def ensure(
        self,
        papers: list[Paper],
        kinds: tuple[SummaryKind, ...],
        report: DayReport,
        *,
        attempts: int | None = None,
        batch_made: Spent | None = None,
    ) -> dict[Pair, Summary]:
        """Stored summaries for every (kind, paper), asking the model only for what is missing."""
        found = self.ensure_pages(lambda: _one_page(papers), kinds, report, attempts=attempts)
        summaries = self.tally(papers, found, report, batch_made=batch_made)
        stop_if_interrupted(found.interrupted, report)
        return summaries

    def ensure_pages(
        self,
        pages: Callable[[], AsyncIterator[list[Paper]]],
        kinds: tuple[SummaryKind, ...],
        report: DayReport,
        *,
        attempts: int | None = None,
    ) -> Found:
        """Summaries of the papers of `pages` as they come: the stored ones, and the others
        asked for by a bounded pool of workers, each with `attempts` (the run's by default)."""
        found = Found()
        client = LazyClient(self.context.connect_model)
        asking = Asking(
            self.context,
            client=client,
            attempts=self.context.attempts if attempts is None else attempts,
            report=report,
            made=found.have,
        )
        # Tokens and cost of every request, answered or not, from the budget's running totals.
        budget = self.context.budget
        usage, spent = budget.usage, budget.spent
        try:
            jobs = self._jobs(pages(), kinds, found, asking)
            found.interrupted = asyncio.run(asking.run(jobs))
        finally:
            report.usage = usage_since(usage, budget.usage)
            report.cost = budget.spent - spent
        return found

    async def _jobs(
        self,
        pages: AsyncIterator[list[Paper]],
        kinds: tuple[SummaryKind, ...],
        found: Found,
        asking: Asking,
    ) -> AsyncIterator[list[tuple[SummaryKind, Paper]]]:
        """Page by page, (kind, paper) for every summary the store does not hold, the committed
        JSON lines cannot restore (those are stored by the writer), nor an open batch holds
        (asking those live too would pay twice)."""
        async for page in pages:
            jobs: list[tuple[SummaryKind, Paper]] = []
            for kind in kinds:
                stored = self.stored(page, kind)
                found.have.update({(kind, pid): s for pid, s in stored.items()})
                jobs += [(kind, p) for p in page if p.id not in stored]
            restored = self.restored(jobs)
            if restored:
                await asking.keep(list(restored.values()))
                found.have.update(restored)
                jobs = [(kind, p) for kind, p in jobs if (kind, p.id) not in restored]
            by_batch = self._held_by_batches(jobs)
            if by_batch:
                found.held.update(pid for _, pid in by_batch)
                jobs = [(kind, p) for kind, p in jobs if (kind, p.id) not in by_batch]
            if not jobs:
                continue
            asking.client.ready()  # no key, no request: said before the first one
            self.context.store.papers.save(page)
            self.context.reporter.grow(len(jobs))
            found.todo.update((kind, paper.id) for kind, paper in jobs)
            yield jobs

    def _held_by_batches(self, todo: list[tuple[SummaryKind, Paper]]) -> set[Pair]:
        """Requests an open provider batch of this store holds: asking them live too would pay
        twice, so they wait for that batch (`summarizer batch status` collects it)."""
        store = self.context.store
        if not todo or not store.has_open_batches():
            return set()
        keys = {
            request_key(p, kind, self.keys.prompt_version(kind), self.keys.model).custom_id: (
                kind,
                p.id,
            )
            for kind, p in todo
        }
        held = BatchLedger(store).open_requests(keys)
        return {keys[custom_id] for custom_id in held}

    def tally(
        self,
        papers: list[Paper],
        found: Found,
        report: DayReport,
        *,
        batch_made: Spent | None = None,
    ) -> dict[Pair, Summary]:
        """The summaries of exactly `papers` (their newest versions), and the report's counts;
        what batches of this run made (`batch_made`) counts as made, at what it cost."""
        versions = {p.id: p.version for p in papers}
        summaries = {key: s for key, s in found.have.items() if versions.get(key[1]) == s.version}
        asked = {pid for _, pid in found.todo if pid in versions}
        held = found.held & versions.keys()
        if held:
            report.note = f"{len(held)} waiting in an open batch (summarizer batch status)"
        failed = {pid for key in found.todo if (pid := key[1]) in versions and key not in summaries}
        report.cached = len(versions.keys() - asked - held)
        report.summarized = len(asked) - len(failed)
        report.missing = sorted(failed | held)
        if batch_made:
            _count_batch_work(batch_made, versions.keys(), summaries, asked, report)
        return summaries


def _count_batch_work(
    batch_made: Spent,
    ids: Iterable[str],
    have: dict[Pair, Summary],
    asked: set[str],
    report: DayReport,
) -> None:
    """Summaries the batch engine made in this run count as made, at what they cost; what is
    counted here is taken out of `batch_made` (what is left belongs to no day of the run)."""
    ids = set(ids)
    by_batch = {pid for kind, pid in have if (kind, pid) in batch_made} - asked
    for key in [k for k in batch_made if k[1] in ids]:
        usage, cost = batch_made.pop(key)
        report.usage += usage
        report.cost += cost
    report.cached -= len(by_batch)
    report.summarized += len(by_batch)
    if by_batch:
        report.note = report.note or f"{len(by_batch)} by batch"


async def pages_in_thread(
    pages: Iterator[T], take: Callable[[T], list[Paper]]
) -> AsyncIterator[list[Paper]]:
    """Pages fetched and parsed on a thread (the arXiv client blocks), each then given to `take`
    on the event loop, where the store is."""
    end = object()  # what no page is
    loop = asyncio.get_running_loop()
    # One thread for the whole listing: its parser's memory stays in one malloc arena.
    thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arxiv-pages")
    try:
        while (page := await loop.run_in_executor(thread, next, pages, end)) is not end:
            yield take(cast(T, page))
    finally:
        thread.shutdown(wait=False)  # a page still in flight is bounded by ARXIV_TIMEOUT


async def _one_page(papers: Iterable[Paper]) -> AsyncIterator[list[Paper]]:
    yield list(papers)


def stop_if_interrupted(signum: int | None, report: DayReport) -> None:
    """A signal stopped the run: say what was stored and what is left (cli prints it)."""
    if signum is not None:
        raise Interrupted(
            signum,
            f"; {report.summarized} summaries stored, {len(report.missing)} papers left: "
            "run the same command again to finish",
        )
