"""What a person is told while batches run: a line whenever a batch changes state, and a live
progress of every open batch, through the display the caller passes in (the application draws
it as bars on a terminal)."""

from __future__ import annotations

from typing import Protocol

from ..core.batches import BatchState


class BatchDisplay(Protocol):
    def say(self, line: str) -> None: ...

    def batch_progress(
        self, batch_id: str, *, label: str, done: int, total: int, state: str, ended: bool
    ) -> None:
        """The requests of an open batch done so far; `ended`: it is over, drop its bar."""

    def close_batch_progress(self) -> None:
        """No batch is shown any more (another live display is about to start)."""


class BatchProgress:
    """Each batch's state as the engine polls it: a line when it changes, and its progress."""

    def __init__(self, display: BatchDisplay) -> None:
        self.display = display
        self._states: dict[str, str] = {}

    def show(self, state: BatchState, *, days: str, total: int) -> None:
        total = state.total or total
        done = state.completed + state.failed
        if self._states.get(state.id) != state.status:
            self._states[state.id] = state.status
            self.display.say(
                f"batch {state.id} ({days or 'no day'}): {state.status}, "
                f"{done}/{total} done, {state.failed} failed"
            )
        self.display.batch_progress(
            state.id,
            label=f"batch {state.id} ({days})",
            done=done,
            total=total,
            state=state.status,
            ended=state.terminal,
        )

    def close(self) -> None:
        self.display.close_batch_progress()
