"""Digests through the provider's Batch API, the other way a run makes its days.

The batch engine (summarizer.batch) submits what the days need and hands each day back once none
of its requests is still open; the day is then written exactly as a live run writes it
(`Pipeline.digest`), so its files are byte-identical: what the batches left undone is asked live
within the attempts they left, and what they spent is reported as made, not as found stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from ..batch.manage import export_requests
from ..batch.run import BatchRun
from ..core.selection import Plan, plan_day
from ..llm.batch import BatchRequest
from .context import RunContext
from .pipeline import KINDS, Format, Pipeline
from .report import DayReport


def batch_engine(context: RunContext) -> BatchRun:
    """The batch engine of the run of `context`: its store, keys, budget and display."""
    return BatchRun(
        store=context.store,
        keys=context.keys,
        options=context.batch,
        modes=context.modes,
        budget=context.budget,
        price=context.price,
        connect=context.connect_batches,
        display=context.display,
    )


def digest_plans(
    pipeline: Pipeline, plans: list[Plan], *, fmt: Format, batch: BatchRun | None, wait: bool = True
) -> list[DayReport]:
    """The digests of `plans`: asked live one day after another, or, with `batch`, through the
    provider's Batch API."""
    if batch is None:
        return [pipeline.digest(plan, fmt=fmt) for plan in plans]
    return digest_with_batches(pipeline, batch, plans, fmt=fmt, wait=wait)


def digest_with_batches(
    pipeline: Pipeline,
    batch: BatchRun,
    plans: list[Plan],
    *,
    fmt: Format,
    wait: bool,
    skip: Callable[[Plan], DayReport | None] = lambda plan: None,
    on_report: Callable[[DayReport], None] = lambda report: None,
) -> list[DayReport]:
    """Submit what `plans` need, then (with `wait`) write every day as soon as its batches are
    in. `skip(plan)` gives the report of a day not to make again; `on_report` is told each."""
    kinds = KINDS[fmt]
    batch.recover()
    batch.poll()  # what earlier runs submitted first: finished or lost batches settle now
    reports: dict[date, DayReport] = {}
    waiting: dict[date, Plan] = {}
    found: dict[date, int] = {}
    for plan in plans:
        done = skip(plan)
        if done is not None:
            reports[plan.day] = done
            on_report(done)
            continue
        papers = pipeline.to_summarize(plan)
        found[plan.day] = len(papers)
        pipeline.summaries.held(papers, kinds)  # a lost store refilled first: never paid twice
        batch.submit_day(plan.day, papers, kinds)
        waiting[plan.day] = plan

    def again(day: date) -> Iterator[BatchRequest]:
        return batch.requests(day, pipeline.to_summarize(waiting[day]), kinds)

    for day, attempts in batch.ready_days(sorted(waiting), again=again, wait=wait):
        report = pipeline.digest(
            waiting[day],
            fmt=fmt,
            attempts=attempts,
            batch_made=batch.spent,
        )
        del waiting[day]
        reports[day] = report
        on_report(report)
    for day in waiting:
        reports[day] = DayReport(day=day, found=found.get(day, 0), note="waiting for its batch")
    batch.record_collection("batch collect")
    return [reports[day] for day in sorted(reports)]


def export_days(
    pipeline: Pipeline, batch: BatchRun, days: list[date], *, fmt: Format, file: Path
) -> int:
    """The requests `days` still need, as one file for `vllm run_batch`; how many. A day whose
    mailing is not announced yet is left out."""
    context = pipeline.context

    def requests() -> Iterator[BatchRequest]:
        for day in days:
            plan = plan_day(day, categories=context.categories, late_days=context.late_days)
            if plan.ready_at > datetime.now(UTC):
                continue
            papers = pipeline.to_summarize(plan)
            context.store.papers.save(papers)
            yield from batch.requests(day, papers, KINDS[fmt])

    return export_requests(batch.ledger, requests(), file)
