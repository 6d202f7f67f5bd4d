"""Many digest days in order: resumable, with a dry run that prices the work without doing it."""

from __future__ import annotations

import logging
from datetime import date

from rich.table import Table

from . import console
from .errors import FetchError
from .llm import EXPECTED_COMPLETION
from .models import Paper, SummaryKind, Usage
from .pipeline import KINDS, DayReport, Format, Pipeline
from .prompts import load_template
from .selection import plan_day
from .tokens import count_tokens

log = logging.getLogger(__name__)


def run_backfill(
    pipeline: Pipeline, days: list[date], *, fmt: str, dry_run: bool, redo: bool
) -> list[DayReport]:
    settings = pipeline.settings
    kinds = KINDS[fmt]
    finished = pipeline.store.digested_days(scheme="mailing", complete_only=True)
    reports: list[DayReport] = []
    bill = Table(title="backfill dry run (no model requests made)")
    for column in ("day", "papers", "to summarize", "est. tokens", "est. cost (USD)"):
        bill.add_column(column, justify="left" if column == "day" else "right")
    total = Usage()
    for number, day in enumerate(days, start=1):
        console.say(f"[{number}/{len(days)}] {day}")
        plan = plan_day(day, categories=settings.categories, late_days=settings.late_days)
        if dry_run:
            papers = plan.papers(pipeline.source.search, store=pipeline.store)
            estimate = _estimate(pipeline, papers, kinds)
            total += estimate
            bill.add_row(
                str(day),
                str(len(papers)),
                str(estimate.requests),
                f"{estimate.total_tokens:,}",
                _price(pipeline, estimate),
            )
            continue
        if day in finished and not redo and _files_exist(pipeline, day, fmt):
            reports.append(DayReport(day=day, note="already done"))
            continue
        try:
            reports.append(pipeline.digest(plan, fmt=fmt))  # type: ignore[arg-type]
        except FetchError as exc:
            log.error("%s: %s", day, exc)
            reports.append(DayReport(day=day, missing=["(fetch failed)"], note=str(exc)))
    if dry_run:
        bill.add_row(
            "total", "", str(total.requests), f"{total.total_tokens:,}", _price(pipeline, total)
        )
        console.out.print(bill)
    return reports


def _estimate(pipeline: Pipeline, papers: list[Paper], kinds: tuple[SummaryKind, ...]) -> Usage:
    usage = Usage()
    for kind in kinds:
        stored = pipeline.store.summaries(
            papers,
            kind=kind,
            prompt_version=pipeline.prompt_version(kind),
            model=pipeline.settings.model,
        )
        template = load_template(kind)
        for paper in papers:
            if paper.id in stored:
                continue
            system, user = template.render(paper=paper, language=pipeline.settings.language)
            usage += Usage(
                requests=1,
                prompt_tokens=count_tokens(system) + count_tokens(user),
                completion_tokens=EXPECTED_COMPLETION[kind],
            )
    return usage


def _price(pipeline: Pipeline, usage: Usage) -> str:
    return f"{pipeline.price.cost(usage):.4f}" if pipeline.price else "n/a (no price for model)"


def _files_exist(pipeline: Pipeline, day: date, fmt: Format | str) -> bool:
    out = pipeline.settings.output_dir
    paths = []
    if fmt in ("toc", "all"):
        paths.append(out / f"{day}.md")
    if fmt in ("jekyll", "all"):
        paths.append(out / "_posts" / f"{day}-arxiv.md")
    return all(p.exists() for p in paths)
