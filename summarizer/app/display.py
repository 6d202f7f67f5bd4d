"""The console as the run's display (summarizer.run.report.Display, with the batch engine's
summarizer.batch.progress.BatchDisplay): its lines, tables and progress bars on stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import console, tables
from .progress import BatchBars, ProgressReporter

if TYPE_CHECKING:
    from ..run.report import Bill, DayReport


class ConsoleDisplay:
    def __init__(self) -> None:
        self._batches = BatchBars()

    def say(self, line: str) -> None:
        console.say(line)

    def batch_progress(
        self, batch_id: str, *, label: str, done: int, total: int, state: str, ended: bool
    ) -> None:
        self._batches.show(batch_id, label=label, done=done, total=total, state=state, ended=ended)

    def close_batch_progress(self) -> None:
        self._batches.close()

    def day_table(self, reports: list[DayReport], *, price_known: bool) -> None:
        tables.day_table(reports, price_known=price_known)

    def bill(self, bill: Bill) -> None:
        tables.bill_table(bill)

    def days_progress(self, days: int) -> ProgressReporter:
        return ProgressReporter(days=days)
