"""The few calls the CLI makes into the delivery stage, so its own hooks stay one line each."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ..deliver.base import PushFailed
from ..deliver.channels import protect_push_secrets, select
from ..deliver.content import jsonl_path, latest_written
from ..deliver.run import PushReport, alert, push_day, raise_failures
from . import console

__all__ = [
    "after_backfill",
    "after_digest",
    "check",
    "protect_push_secrets",
    "push_command",
    "run_stopped",
]

if TYPE_CHECKING:
    from ..run.report import DayReport
    from ..run.settings import RunSettings


def say(report: PushReport) -> None:
    """What the push did, on the console."""
    for line in report.lines():
        console.say(line)


def push_command(settings: RunSettings, day: date | None, *, to: str | None, force: bool) -> None:
    """`summarizer push`: send the day, say what happened; PushFailed (exit 4) on a failure."""
    names = [n.strip() for n in to.split(",") if n.strip()] if to is not None else None
    report = push_day(
        settings, day or latest_written(settings.output.dir), names=names, force=force
    )
    say(report)
    raise_failures(report)


def after_digest(settings: RunSettings, day: date, reports: list[DayReport]) -> None:
    """`digest --push`: the written day to every channel, and an alert when papers are missing."""
    if not jsonl_path(settings.output.dir, day).exists():  # a batch still running (--no-wait)
        console.say(f"{day} is not written yet: `summarizer push --date {day}` once it is")
        return
    report = push_day(settings, day)
    say(report)
    missing = [pid for r in reports for pid in r.missing]
    if missing:
        alert(
            settings,
            day,
            reason=f"{day} 的摘要有 {len(missing)} 篇未能生成（{', '.join(missing[:5])}）",
            resume=f"summarizer digest --date {day} --push",
        )
    raise_failures(report)


def after_backfill(settings: RunSettings, reports: list[DayReport]) -> None:
    """`backfill --push`: every day of the range, oldest first; one line for all failures."""
    failed = []
    for day_report in reports:
        if not jsonl_path(settings.output.dir, day_report.day).exists():
            continue  # not written (a batch still running)
        report = push_day(settings, day_report.day)
        say(report)
        failed += [(report.day, d) for d in report.failed]
    if failed:
        reasons = "; ".join(f"{day} {d.channel} ({d.recipient}): {d.error}" for day, d in failed)
        raise PushFailed(f"push failed: {reasons}; `summarizer push --date D` retries a day")


def run_stopped(settings: RunSettings, day: date | None, error: BaseException) -> None:
    """`digest --push` stopped (exit 3): tell the channels why and how to resume."""
    if day is None:
        return
    alert(
        settings,
        day,
        reason=f"{day} 的运行中止：{error}",
        resume=f"summarizer digest --date {day} --push",
    )


def check(settings: RunSettings) -> None:
    """Bad push settings are exit 2 before the run spends anything."""
    select(settings.deliver, None)
