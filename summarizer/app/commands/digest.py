"""`summarizer digest` and `summarizer backfill`: one mailing, or every mailing of a range."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import click

from ...core.errors import InputError, SummarizerError
from ..options import day_argument, format_option, settings_options


@click.command()
@click.option("--date", "date_text", help="Digest day YYYY-MM-DD (UTC). Default: the latest.")
@format_option
@click.option(
    "--window",
    type=click.Choice(["mailing", "anchored"]),
    default="mailing",
    help="mailing: the arXiv mailing of that day; anchored: 24 h ending at --anchor.",
)
@click.option("--anchor", default="08:50", show_default=True, help="Anchored window end, HH:MM.")
@click.option("--tz", default="Asia/Shanghai", show_default=True, help="Anchored window zone.")
@click.option("--site", "site", is_flag=True, help="Then update the static site (summarizer site).")
@click.option(
    "--push", is_flag=True, help="Then send the day to the push channels (exit 4: failed)."
)
@settings_options
def digest(
    date_text: str | None,
    fmt: str | None,
    window: str,
    anchor: str,
    tz: str,
    site: bool,
    push: bool,
    **kw: Any,
) -> int:
    """Summarize one mailing and write its digest files."""
    day = day_argument(date_text) if date_text is not None else None
    no_wait = kw.pop("no_wait")
    from .. import runs

    run = runs.open_run(kw, fmt=fmt, push=push, no_wait=no_wait, site=site)
    from ...core.days import latest_digest_day
    from ...run.batched import digest_plans

    pipeline, settings = run.pipeline, run.settings
    try:
        try:
            if day is None:
                day = latest_digest_day(datetime.now(UTC))
            plan = runs.plan_or_none(pipeline, day, window=window, anchor=anchor, tz=tz)
            if plan is None:
                return 0
            reports = digest_plans(pipeline, [plan], fmt=run.fmt, batch=run.batch, wait=not no_wait)
        finally:
            runs.close_run(pipeline, run.batch)
        status = runs.summary(pipeline, reports, site=site)
    except SummarizerError as exc:
        if push and exc.exit_code == 3:  # the run stopped: the channels are told
            runs.push_hooks().run_stopped(settings, day, exc)
        raise
    if push:
        runs.push_hooks().after_digest(settings, plan.day, reports)
    return status


@click.command()
@click.option("--from", "first", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "last", required=True, help="Last day, YYYY-MM-DD.")
@format_option
@click.option("--dry-run", is_flag=True, help="List days, papers and the estimated bill only.")
@click.option("--redo", is_flag=True, help="Redo days already finished.")
@click.option("--site", "site", is_flag=True, help="Then update the static site (summarizer site).")
@click.option("--push", is_flag=True, help="Send each day to the push channels (once per day).")
@settings_options
def backfill(
    first: str,
    last: str,
    fmt: str | None,
    dry_run: bool,
    redo: bool,
    site: bool,
    push: bool,
    **kw: Any,
) -> int:
    """Every mailing from --from to --to, in order; resumable."""
    start, end = day_argument(first), day_argument(last)
    if start > end:
        raise InputError(f"--from {first} is after --to {last}")
    no_wait = kw.pop("no_wait")
    from .. import console, runs

    run = runs.open_run(
        kw, fmt=fmt, push=push, no_wait=no_wait, batch=not dry_run, site=site and not dry_run
    )
    from ...core.days import digest_days, is_digest_day
    from ...run.backfill import run_backfill

    pipeline = run.pipeline
    try:
        skipped = [d for d in _days(start, end) if not is_digest_day(d)]
        if len(skipped) <= 10:  # a few weeks: each named; decades: one line, not thousands
            for day in skipped:
                console.say(f"{day} is a {day:%A}: no mailing, skipped.")
        else:
            console.say(f"{len(skipped)} Saturdays and Sundays: no mailing, skipped.")
        reports = run_backfill(
            pipeline,
            digest_days(start, end),
            fmt=run.fmt,
            dry_run=dry_run,
            redo=redo,
            batch=run.batch,
            wait=not no_wait,
        )
    finally:
        runs.close_run(pipeline, run.batch)
    if dry_run:
        return 0
    status = runs.summary(pipeline, reports, site=site)
    if push:
        runs.push_hooks().after_backfill(run.settings, reports)
    return status


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
