"""Progress on stderr, drawn only on a terminal: the papers being summarized (the run's
Reporter), the days of a backfill above them, and one bar per open provider batch."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from rich.console import RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from ..core.text_safety import visible
from . import console


class ProgressReporter:
    """Progress bars on stderr, nothing when stderr is not a terminal: the papers being summarized
    (the pipeline's Reporter) and, for a backfill (`days=N`), the days of the range above them."""

    def __init__(self, *, days: int | None = None) -> None:
        self._bars: Progress | None = None
        self._papers: TaskID | None = None
        self._counts = [0, 0]  # papers done, papers expected: drawn by rich's refresh timer
        self._days: TaskID | None = None
        self._day: date | None = None
        if days is not None:
            self._days = self._open().add_task("days", total=days)

    def _open(self) -> Progress:
        if self._bars is None:
            self._bars = _CountedProgress(
                self,
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console.err,
                transient=True,
                disable=not console.err.is_terminal,
            )
            self._bars.start()
        return self._bars

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._bars is not None:
            self._bars.stop()
            self._bars = None

    def begin_day(self, day: date) -> None:
        self._day = day
        if self._days is not None:
            self._open().update(self._days, description=f"days ({day})")

    def end_day(self) -> None:
        if self._days is not None:
            self._open().advance(self._days)

    def start(self, label: str, total: int) -> None:
        self.stop()
        description = f"  {self._day} {label}" if self._day else label
        self._counts = [0, total]
        self._papers = self._open().add_task(description, total=total)

    def grow(self, more: int) -> None:
        self._counts[1] += more

    def advance(self) -> None:
        self._counts[0] += 1

    def sync(self) -> None:
        """Hand the counts to the bar (rich calls it from its refresh thread, 10 times a second)."""
        bars, task = self._bars, self._papers
        if bars is not None and task is not None:
            done, total = self._counts
            bars.update(task, completed=done, total=total)

    def stop(self) -> None:
        if self._bars is not None and self._papers is not None:
            self._bars.remove_task(self._papers)
        self._papers = None
        if self._days is None:
            self.close()


class _CountedProgress(Progress):
    """rich's Progress, taking the reporter's counts at each refresh instead of at each paper."""

    def __init__(self, reporter: ProgressReporter, *columns: Any, **options: Any) -> None:
        self._reporter = reporter
        super().__init__(*columns, **options)

    def get_renderables(self) -> Iterable[RenderableType]:
        self._reporter.sync()
        yield from super().get_renderables()


class BatchBars:
    """One live bar per open batch, with its state and request counts (gone when it ends)."""

    def __init__(self) -> None:
        self._bars: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def show(
        self, batch_id: str, *, label: str, done: int, total: int, state: str, ended: bool
    ) -> None:
        bars = self._open()
        state = visible(state)  # the provider's words, shown as plain text
        if batch_id not in self._tasks:
            self._tasks[batch_id] = bars.add_task(visible(label), total=total, state=state)
        bars.update(self._tasks[batch_id], total=total, completed=done, state=state)
        if ended:
            bars.remove_task(self._tasks.pop(batch_id))

    def _open(self) -> Progress:
        if self._bars is None:
            self._bars = Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[state]}", markup=False),
                console=console.err,
                transient=True,
                disable=not console.err.is_terminal,
            )
            self._bars.start()
        return self._bars

    def close(self) -> None:
        if self._bars is not None:
            self._bars.stop()
            self._bars = None
            self._tasks.clear()
