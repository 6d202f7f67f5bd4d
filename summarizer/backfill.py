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
from pathlib import Path
from types import TracebackType

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from . import console
from .errors import FetchError, ModelFatalError
from .llm import EXPECTED_COMPLETION
from .models import Paper, SummaryKind, Usage
from .pipeline import KINDS, Format, Pipeline
from .prompts import load_template
from .report import DayReport
from .selection import SCHEME_MAILING, plan_day
from .tokens import count_tokens
from .window import announced_at

log = logging.getLogger(__name__)


def run_backfill(
    pipeline: Pipeline, days: list[date], *, fmt: str, dry_run: bool, redo: bool
) -> list[DayReport]:
    """Digest `days` (ascending digest days) in order and return one report per day.

    With `dry_run`, query arXiv once per day and print the bill instead: papers, requests still
    to make (stored summaries are free) and estimated tokens and cost; no model request, no file.
    A run that has to stop (arXiv unreachable, key refused, quota used up) prints the table of
    the days done so far, then raises; running the same command again resumes.
    """
    ready, waiting = _announced(days)
    for day in waiting:
        console.say(
            f"{day}: its mailing appears at {announced_at(day):%Y-%m-%d %H:%M} UTC; skipped."
        )
    if dry_run:
        _dry_run(pipeline, ready, fmt=fmt)
        return []
    days = ready
    finished = pipeline.store.digested_days(scheme=SCHEME_MAILING, complete_only=True)
    placed = _placed_per_day(pipeline)
    reports: list[DayReport] = []
    with _Progress(len(days)) as progress:
        previous, pipeline.reporter = pipeline.reporter, progress
        try:
            for number, day in enumerate(days, start=1):
                progress.begin_day(day)
                if day in finished and not redo and _files_exist(pipeline, day, fmt):
                    report = DayReport(day=day, found=placed.get(day, 0), note="already done")
                else:
                    plan = plan_day(
                        day,
                        categories=pipeline.settings.categories,
                        late_days=pipeline.settings.late_days,
                    )
                    try:
                        report = pipeline.digest(plan, fmt=fmt)  # type: ignore[arg-type]
                    except (FetchError, ModelFatalError) as exc:
                        reports.append(DayReport(day=day, note=f"stopped: {exc}"))
                        progress.close()
                        console.day_table(reports, price_known=pipeline.price is not None)
                        raise
                reports.append(report)
                console.say(f"[{number}/{len(days)}] {day}: {_line(report)}")
                progress.end_day()
        finally:
            pipeline.reporter = previous
    return reports


def _announced(days: list[date]) -> tuple[list[date], list[date]]:
    """The days whose mailing has appeared, and those still to come: a digest made before its
    mailing would be empty or partial, and recorded as done."""
    now = datetime.now(UTC)
    return [d for d in days if announced_at(d) <= now], [d for d in days if announced_at(d) > now]


def _line(report: DayReport) -> str:
    if report.note == "already done":
        return f"{report.found} papers, already done"
    text = f"{report.found} papers, {report.summarized} summarized, {report.cached} from cache"
    if report.missing:
        text += f", {len(report.missing)} missing"
    return text


def _placed_per_day(pipeline: Pipeline) -> dict[date, int]:
    counts: dict[date, int] = {}
    for day in pipeline.store.placements(scheme=SCHEME_MAILING).values():
        counts[day] = counts.get(day, 0) + 1
    return counts


# --- the dry run ---------------------------------------------------------------------------------


def _dry_run(pipeline: Pipeline, days: list[date], *, fmt: str) -> None:
    """Read-only: the store is consulted, never created or written, and the model is not called.

    Days are planned against the store as it is now, so a paper the API lists late is counted
    under its own day when that day is not digested yet (as the real run would place it)."""
    kinds = KINDS[fmt]
    bill = Table(title="backfill dry run (no model requests made)")
    for column in ("day", "papers", "to summarize", "est. tokens", "est. cost (USD)"):
        bill.add_column(column, justify="left" if column == "day" else "right")
    total, papers_total = Usage(), 0
    for number, day in enumerate(days, start=1):
        plan = plan_day(
            day, categories=pipeline.settings.categories, late_days=pipeline.settings.late_days
        )
        papers = plan.papers(pipeline.source.search, store=pipeline.store)
        estimate = _estimate(pipeline, papers, kinds)
        total += estimate
        papers_total += len(papers)
        console.say(f"[{number}/{len(days)}] {day}: {len(papers)} papers")
        bill.add_row(
            str(day),
            str(len(papers)),
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
    console.out.print(bill)
    if pipeline.settings.full_text:
        console.say("full text on: each prompt is counted at its full-text token budget (a cap).")


def _estimate(pipeline: Pipeline, papers: list[Paper], kinds: tuple[SummaryKind, ...]) -> Usage:
    """Requests and tokens still to spend on `papers`: one request per (kind, paper) without a
    stored summary, its prompt counted exactly and its answer at the expected completion size."""
    usage = Usage()
    settings = pipeline.settings
    body_tokens = settings.full_text_tokens if settings.full_text else 0
    for kind in kinds:
        stored = pipeline.store.summaries(
            papers,
            kind=kind,
            prompt_version=pipeline.prompt_version(kind),
            model=settings.model,
        )
        template = load_template(kind)
        for paper in papers:
            if paper.id in stored:
                continue
            system, user = template.render(paper=paper, language=settings.language)
            usage += Usage(
                requests=1,
                prompt_tokens=count_tokens(system) + count_tokens(user) + body_tokens,
                completion_tokens=EXPECTED_COMPLETION[kind],
            )
    return usage


def _price(pipeline: Pipeline, usage: Usage) -> str:
    return f"{pipeline.price.cost(usage):.4f}" if pipeline.price else "n/a (no price for model)"


def day_files(out: Path, day: date, fmt: Format | str) -> list[Path]:
    """The files a digest of `day` in format `fmt` writes."""
    paths = []
    if fmt in ("toc", "all"):
        paths.append(out / f"{day}.md")
    if fmt in ("jekyll", "all"):
        paths.append(out / "_posts" / f"{day}-arxiv.md")
    paths.append(out / "data" / f"{day}.jsonl")
    return paths


def _files_exist(pipeline: Pipeline, day: date, fmt: Format | str) -> bool:
    return all(p.is_file() for p in day_files(pipeline.settings.output_dir, day, fmt))


# --- progress ------------------------------------------------------------------------------------


class _Progress:
    """Two bars on stderr while a backfill runs, when stderr is a terminal: the days of the range,
    and the papers of the current day (the pipeline reports to it as its Reporter)."""

    def __init__(self, days: int) -> None:
        self._bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console.err,
            transient=True,
            disable=not console.err.is_terminal,
        )
        self._days = self._bars.add_task("days", total=days)
        self._papers: TaskID | None = None
        self._day: date | None = None
        self._open = False

    def __enter__(self) -> _Progress:
        self._bars.start()
        self._open = True
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._open:
            self._bars.stop()
            self._open = False

    def begin_day(self, day: date) -> None:
        self._day = day
        self._bars.update(self._days, description=f"days ({day})")

    def end_day(self) -> None:
        self._bars.advance(self._days)

    # the pipeline's Reporter
    def start(self, label: str, total: int) -> None:
        self.stop()
        self._papers = self._bars.add_task(f"  {self._day} {label}", total=total)

    def advance(self) -> None:
        if self._papers is not None:
            self._bars.advance(self._papers)

    def stop(self) -> None:
        if self._papers is not None:
            self._bars.remove_task(self._papers)
            self._papers = None
