"""Many digest days in order: resumable, with a dry run that prices the work without doing it.

A backfill is a sequence of ordinary `digest` runs over one Pipeline (one store, one model client
setting, one in-flight limit), oldest day first, so that a late paper found by day D's look-back
is placed after the day it belongs to has been digested, exactly as nightly runs would place it.

Resuming: a day the store records as digested completely, whose files are all on disk, is not
redone (no arXiv query, no model request); any other day is digested again, and the summaries
already stored (each is committed the moment it arrives) are not asked for again. A run killed at
any instant therefore loses at most the requests that were in flight.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from rich.table import Table

from ..app import console
from ..batch.run import BatchRun
from ..core.days import Window
from ..core.errors import FetchError, ModelFatalError
from ..core.records import Paper, SummaryKind, Usage
from ..core.selection import SCHEME_MAILING, Plan, plan_day
from ..llm.estimate import unmade_usage
from .pipeline import KINDS, Pipeline, digest_paths
from .report import DayReport

log = logging.getLogger(__name__)
QUERY_DAYS = 31  # digest days a dry run reads with one arXiv query
DAILY_ROWS_UP_TO = 62  # a longer dry run shows one row (and one progress line) per month,
MONTHLY_ROWS_UP_TO = 800  # and beyond about three years one per year


def run_backfill(
    pipeline: Pipeline,
    days: list[date],
    *,
    fmt: str,
    dry_run: bool,
    redo: bool,
    batch: BatchRun | None = None,
    wait: bool = True,
) -> list[DayReport]:
    """Digest `days` (ascending digest days) in order and return one report per day.

    With `dry_run`, query arXiv once per day and print the bill instead: papers, requests still
    to make (stored summaries are free) and estimated tokens and cost; no model request, no file.
    A run that has to stop (arXiv unreachable, key refused, quota used up) prints the table of
    the days done so far, then raises; running the same command again resumes.
    """
    settings = pipeline.settings
    now = datetime.now(UTC)
    plans: list[Plan] = []
    early: list[Plan] = []
    for day in days:
        plan = plan_day(
            day, categories=settings.sources.categories, late_days=settings.sources.late_days
        )
        # A digest made before its mailing would be empty or partial, and recorded as done.
        (early if plan.ready_at > now else plans).append(plan)
    if len(early) <= 5:
        for plan in early:
            console.say(
                f"{plan.day}: its mailing appears at {plan.ready_at:%Y-%m-%d %H:%M} UTC; skipped."
            )
    else:
        console.say(
            f"{len(early)} days from {early[0].day} to {early[-1].day} are not announced yet; "
            "skipped."
        )
    if dry_run:
        _dry_run(pipeline, plans, fmt=fmt)
        return []
    if batch is not None:
        return _with_batch(pipeline, batch, plans, fmt=fmt, redo=redo, wait=wait)
    finished = pipeline.store.digested_days(scheme=SCHEME_MAILING, complete_only=True)
    placed = _placed_per_day(pipeline)
    reports: list[DayReport] = []
    with console.ProgressReporter(days=len(plans)) as progress:
        previous, pipeline.reporter = pipeline.reporter, progress
        try:
            for number, plan in enumerate(plans, start=1):
                day = plan.day
                progress.begin_day(day)
                if day in finished and not redo and _files_exist(pipeline, day, fmt):
                    report = DayReport(day=day, found=placed.get(day, 0), note="already done")
                else:
                    try:
                        report = pipeline.digest(plan, fmt=fmt)  # type: ignore[arg-type]
                    except (FetchError, ModelFatalError) as exc:
                        reports.append(DayReport(day=day, note=f"stopped: {exc}"))
                        progress.close()
                        console.day_table(reports, price_known=pipeline.price is not None)
                        raise
                reports.append(report)
                console.say(f"[{number}/{len(plans)}] {day}: {_line(report)}")
                progress.end_day()
        finally:
            pipeline.reporter = previous
    return reports


def _with_batch(
    pipeline: Pipeline, batch: BatchRun, plans: list[Plan], *, fmt: str, redo: bool, wait: bool
) -> list[DayReport]:
    """Every day's requests submitted to the provider's Batch API first, then each day digested
    as soon as its batch is in (see batch.run)."""
    finished = pipeline.store.digested_days(scheme=SCHEME_MAILING, complete_only=True)
    placed = _placed_per_day(pipeline)

    def skip(plan: Plan) -> DayReport | None:
        if plan.day in finished and not redo and _files_exist(pipeline, plan.day, fmt):
            return DayReport(day=plan.day, found=placed.get(plan.day, 0), note="already done")
        return None

    def show(report: DayReport) -> None:
        console.say(f"{report.day}: {_line(report)}")

    return batch.run(plans, fmt=fmt, wait=wait, skip=skip, on_report=show)


def _line(report: DayReport) -> str:
    if report.note == "already done":
        return f"{report.found} papers, already done"
    text = f"{report.found} papers, {report.summarized} summarized, {report.cached} from the store"
    if report.missing:
        text += f", {len(report.missing)} missing"
    return text


def _placed_per_day(pipeline: Pipeline) -> dict[date, int]:
    counts: dict[date, int] = {}
    for day in pipeline.store.placements(scheme=SCHEME_MAILING).values():
        counts[day] = counts.get(day, 0) + 1
    return counts


# --- the dry run ---------------------------------------------------------------------------------


def _dry_run(pipeline: Pipeline, plans: list[Plan], *, fmt: str) -> None:
    """Read-only: the store is consulted, never created or written, and the model is not called.

    Days are planned against the store as it is now, so a paper the API lists late is counted
    under its own day when that day is not digested yet (as the real run would place it)."""
    kinds = KINDS[fmt]
    bill = Table(title="backfill dry run (no model requests made)")
    unit = "day" if len(plans) <= DAILY_ROWS_UP_TO else "month"
    unit = "year" if len(plans) > MONTHLY_ROWS_UP_TO else unit
    label_format = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[unit]
    for column in (unit, "papers", "to summarize", "est. tokens", "est. cost (USD)"):
        bill.add_column(column, justify="left" if column == unit else "right")
    rows: dict[str, tuple[int, Usage]] = {}
    total, papers_total = Usage(), 0
    for start in range(0, len(plans), QUERY_DAYS):
        chunk = plans[start : start + QUERY_DAYS]
        # One query for a month of days, split locally: decades take minutes, not days.
        fetched = pipeline.source.search(
            categories=pipeline.settings.sources.categories,
            window=Window(chunk[0].query_window.start, chunk[-1].query_window.end),
        )

        def search(
            *, categories: list[str], window: Window, found: list[Paper] = fetched
        ) -> list[Paper]:
            return [p for p in found if p.published in window]

        for number, plan in enumerate(chunk, start=start + 1):
            papers = plan.papers(search, store=pipeline.store)
            chosen = pipeline.ranker.preview(papers) if pipeline.ranker else papers
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
                console.say(f"[{number}/{len(plans)}] {label}: {rows[label][0]} papers")
    for label, (count, estimate) in rows.items():
        bill.add_row(
            label,
            str(count),
            str(estimate.requests),
            f"{estimate.total_tokens:,}",
            _price(pipeline, estimate),
        )
    bill.add_row(
        "total",
        str(papers_total),
        str(total.requests),
        f"{total.total_tokens:,}",
        _price(pipeline, total),
    )
    console.err.print(bill)
    if pipeline.settings.llm.full_text:
        console.say("full text on: each prompt is counted at its full-text token budget (a cap).")


def _estimate(pipeline: Pipeline, papers: list[Paper], kinds: tuple[SummaryKind, ...]) -> Usage:
    """Requests and tokens still to spend on `papers`: one request per (kind, paper) without a
    stored summary, its prompt counted exactly and its answer at the expected completion size."""
    settings = pipeline.settings
    return unmade_usage(
        papers,
        kinds,
        stored=pipeline.stored,
        language=settings.llm.language,
        body_tokens=settings.llm.full_text_tokens if settings.llm.full_text else 0,
    )


def _price(pipeline: Pipeline, usage: Usage) -> str:
    return f"{pipeline.price.cost(usage):.4f}" if pipeline.price else "n/a (no price for model)"


def _files_exist(pipeline: Pipeline, day: date, fmt: str) -> bool:
    paths = digest_paths(pipeline.settings.output.dir, day, fmt).values()
    return all(p.is_file() for p in paths)
