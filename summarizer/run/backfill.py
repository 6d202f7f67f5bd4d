"""Many digest days in order: resumable, with a dry run that prices the work without doing it.

A backfill is a sequence of ordinary `digest` runs over one Pipeline (one store, one model client
setting, one in-flight limit), oldest day first, so that a late paper found by day D's look-back
is placed after the day it belongs to has been digested, exactly as nightly runs would place it.
Its lines, tables and progress go through the run's display (the application's console).

Resuming: a day the store records as digested completely, whose files are all on disk, is not
redone (no arXiv query, no model request); any other day is digested again, and the summaries
already stored (each is committed the moment it arrives) are not asked for again. A run killed at
any instant therefore loses at most the requests that were in flight.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime

from ..batch.run import BatchRun
from ..core.days import Window
from ..core.errors import FetchError, ModelFatalError
from ..core.records import Paper, SummaryKind, Usage
from ..core.selection import SCHEME_MAILING, Plan, plan_day
from ..llm.estimate import unmade_usage
from .batched import digest_with_batches
from .pipeline import KINDS, Format, Pipeline, digest_paths
from .report import Bill, BillRow, DayReport

log = logging.getLogger(__name__)
QUERY_DAYS = 31  # digest days a dry run reads with one arXiv query
DAILY_ROWS_UP_TO = 62  # a longer dry run shows one row (and one progress line) per month,
MONTHLY_ROWS_UP_TO = 800  # and beyond about three years one per year


def run_backfill(
    pipeline: Pipeline,
    days: list[date],
    *,
    fmt: Format,
    dry_run: bool,
    redo: bool,
    batch: BatchRun | None = None,
    wait: bool = True,
) -> list[DayReport]:
    """Digest `days` (ascending digest days) in order and return one report per day.

    With `dry_run`, query arXiv once per day and show the bill instead: papers, requests still
    to make (stored summaries are free) and estimated tokens and cost; no model request, no file.
    A run that has to stop (arXiv unreachable, key refused, quota used up) shows the table of
    the days done so far, then raises; running the same command again resumes.
    """
    context = pipeline.context
    display = context.display
    now = datetime.now(UTC)
    plans: list[Plan] = []
    early: list[Plan] = []
    for day in days:
        plan = plan_day(day, categories=context.categories, late_days=context.late_days)
        # A digest made before its mailing would be empty or partial, and recorded as done.
        (early if plan.ready_at > now else plans).append(plan)
    if len(early) <= 5:
        for plan in early:
            display.say(
                f"{plan.day}: its mailing appears at {plan.ready_at:%Y-%m-%d %H:%M} UTC; skipped."
            )
    else:
        display.say(
            f"{len(early)} days from {early[0].day} to {early[-1].day} are not announced yet; "
            "skipped."
        )
    if dry_run:
        _dry_run(pipeline, plans, fmt=fmt)
        return []
    done = _AlreadyDone(pipeline, fmt=fmt, redo=redo)
    if batch is not None:
        return digest_with_batches(
            pipeline,
            batch,
            plans,
            fmt=fmt,
            wait=wait,
            skip=done,
            on_report=lambda report: display.say(f"{report.day}: {_line(report)}"),
        )
    return _live(pipeline, plans, fmt=fmt, done=done)


def _live(
    pipeline: Pipeline,
    plans: list[Plan],
    *,
    fmt: Format,
    done: Callable[[Plan], DayReport | None],
) -> list[DayReport]:
    """Each day asked live in turn, under a progress of the days above that of its papers."""
    display = pipeline.context.display
    reports: list[DayReport] = []
    with display.days_progress(len(plans)) as progress:
        day_pipeline = pipeline.reporting_to(progress)
        for number, plan in enumerate(plans, start=1):
            progress.begin_day(plan.day)
            report = done(plan)
            if report is None:
                try:
                    report = day_pipeline.digest(plan, fmt=fmt)
                except (FetchError, ModelFatalError) as exc:
                    reports.append(DayReport(day=plan.day, note=f"stopped: {exc}"))
                    progress.close()
                    display.day_table(reports, price_known=pipeline.context.price is not None)
                    raise
            reports.append(report)
            display.say(f"[{number}/{len(plans)}] {plan.day}: {_line(report)}")
            progress.end_day()
    return reports


class _AlreadyDone:
    """The report of a day the store records as digested completely, whose files are all on
    disk (not made again unless `redo`); None for any other day."""

    def __init__(self, pipeline: Pipeline, *, fmt: Format, redo: bool) -> None:
        store = pipeline.context.store
        self.output_dir = pipeline.context.output_dir
        self.fmt = fmt
        self.redo = redo
        self.finished = store.placements.digested_days(scheme=SCHEME_MAILING, complete_only=True)
        self.placed: dict[date, int] = {}
        for day in store.placements.days_by_paper(scheme=SCHEME_MAILING).values():
            self.placed[day] = self.placed.get(day, 0) + 1

    def __call__(self, plan: Plan) -> DayReport | None:
        if plan.day not in self.finished or self.redo or not self._files_exist(plan.day):
            return None
        return DayReport(day=plan.day, found=self.placed.get(plan.day, 0), note="already done")

    def _files_exist(self, day: date) -> bool:
        paths = digest_paths(self.output_dir, day, self.fmt).values()
        return all(p.is_file() for p in paths)


def _line(report: DayReport) -> str:
    if report.note == "already done":
        return f"{report.found} papers, already done"
    text = f"{report.found} papers, {report.summarized} summarized, {report.cached} from the store"
    if report.missing:
        text += f", {len(report.missing)} missing"
    return text


# --- the dry run ---------------------------------------------------------------------------------


def _dry_run(pipeline: Pipeline, plans: list[Plan], *, fmt: Format) -> None:
    """Read-only: the store is consulted, never created or written, and the model is not called.

    Days are planned against the store as it is now, so a paper the API lists late is counted
    under its own day when that day is not digested yet (as the real run would place it)."""
    context = pipeline.context
    kinds = KINDS[fmt]
    unit = "day" if len(plans) <= DAILY_ROWS_UP_TO else "month"
    unit = "year" if len(plans) > MONTHLY_ROWS_UP_TO else unit
    label_format = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[unit]
    rows: dict[str, tuple[int, Usage]] = {}
    total, papers_total = Usage(), 0
    for start in range(0, len(plans), QUERY_DAYS):
        chunk = plans[start : start + QUERY_DAYS]
        # One query for a month of days, split locally: decades take minutes, not days.
        fetched = context.source.search(
            categories=context.categories,
            window=Window(chunk[0].query_window.start, chunk[-1].query_window.end),
        )

        def search(
            *, categories: list[str], window: Window, found: list[Paper] = fetched
        ) -> list[Paper]:
            return [p for p in found if p.published in window]

        for number, plan in enumerate(chunk, start=start + 1):
            papers = plan.papers(search, store=context.store)
            chosen = context.ranker.preview(papers) if context.ranker else papers
            estimate = _estimate(pipeline, chosen, kinds)
            total += estimate
            papers_total += len(papers)
            label = plan.day.strftime(label_format)
            count, usage = rows.get(label, (0, Usage()))
            rows[label] = (count + len(papers), usage + estimate)
            last_of_label = number == len(plans) or (
                plans[number].day.strftime(label_format) != label
            )
            if last_of_label:  # one progress line per row of the bill
                context.display.say(f"[{number}/{len(plans)}] {label}: {rows[label][0]} papers")
    bill = Bill(
        unit=unit,
        rows=[
            BillRow(label, count, estimate, _price(pipeline, estimate))
            for label, (count, estimate) in rows.items()
        ],
        total=BillRow("total", papers_total, total, _price(pipeline, total)),
    )
    context.display.bill(bill)
    if context.summary.full_text:
        context.display.say(
            "full text on: each prompt is counted at its full-text token budget (a cap)."
        )


def _estimate(pipeline: Pipeline, papers: list[Paper], kinds: tuple[SummaryKind, ...]) -> Usage:
    """Requests and tokens still to spend on `papers`: one request per (kind, paper) without a
    stored summary, its prompt counted exactly and its answer at the expected completion size."""
    options = pipeline.context.summary
    return unmade_usage(
        papers,
        kinds,
        stored=pipeline.stored,
        language=options.language,
        body_tokens=options.body_tokens,
        guidance=options.guidance,
    )


def _price(pipeline: Pipeline, usage: Usage) -> str:
    price = pipeline.context.price
    return f"{price.cost(usage):.4f}" if price else "n/a (no price for model)"
