"""What a person sees while batches run: a line whenever a batch changes state, and on a terminal
one live bar per open batch with its state and request counts (on stderr, gone when it ends)."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from ..app import console
from ..llm.batch_client import BatchState


class BatchProgress:
    def __init__(self) -> None:
        self._bars: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._states: dict[str, str] = {}

    def show(self, state: BatchState, *, days: str, total: int) -> None:
        total = state.total or total
        done = state.completed + state.failed
        if self._states.get(state.id) != state.status:
            self._states[state.id] = state.status
            console.say(
                f"batch {state.id} ({days or 'no day'}): {state.status}, "
                f"{done}/{total} done, {state.failed} failed"
            )
        bars = self._open()
        label = f"batch {state.id} ({days})"
        if state.id not in self._tasks:
            self._tasks[state.id] = bars.add_task(label, total=total, state=state.status)
        bars.update(self._tasks[state.id], total=total, completed=done, state=state.status)
        if state.terminal:
            bars.remove_task(self._tasks.pop(state.id))

    def _open(self) -> Progress:
        if self._bars is None:
            self._bars = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[state]}"),
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
