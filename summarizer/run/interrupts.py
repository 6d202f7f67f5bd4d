"""SIGTERM and SIGINT: stop starting requests, keep what arrived, say so, exit 143 / 130.

While the model is being asked, a signal cancels the requests in flight (their answers have not
arrived, so nothing paid for is dropped) and lets the store writer commit what did arrive; the
pipeline then raises `Interrupted`, records the run as interrupted and the CLI prints one line.
Outside that phase SIGTERM raises `Interrupted` at once, as Ctrl-C raises KeyboardInterrupt.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Interrupted(BaseException):  # noqa: N818 - a BaseException like KeyboardInterrupt
    """The run was stopped by a signal. A BaseException, so no `except Exception` swallows it."""

    def __init__(self, signum: int, detail: str = "") -> None:
        self.signum = signum
        self.detail = detail
        super().__init__(f"stopped by {signal.Signals(signum).name}{detail}")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    """SIGTERM outside the summarizing phase: raise Interrupted where the main thread is."""
    with contextlib.suppress(ValueError):  # not the main thread (e.g. an embedding app)
        signal.signal(signal.SIGTERM, _raise_interrupted)


@contextlib.contextmanager
def on_signals(loop: asyncio.AbstractEventLoop, handler: Callable[[int], None]) -> Iterator[None]:
    """While inside: SIGTERM and SIGINT call `handler(signum)` on the event loop instead of
    raising; afterwards the previous handlers are back."""
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    installed = []
    try:
        for sig in SIGNALS:
            try:
                loop.add_signal_handler(sig, handler, int(sig))
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # Windows, or not the main thread: the default behaviour stays
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
            with contextlib.suppress(TypeError, ValueError):
                signal.signal(sig, previous[sig])


class GracefulStop:
    """The signal handler of the summarizing phase. First signal: `on_first()` (no request
    starts any more), then `task` is cancelled once no request is in flight (answers on their
    way are paid for), or after `grace` seconds. A second signal cancels at once."""

    def __init__(
        self,
        task: asyncio.Task[None],
        *,
        busy: Callable[[], int],
        on_first: Callable[[], None],
        grace: float,
    ) -> None:
        self.task = task
        self.busy = busy
        self.on_first = on_first
        self.grace = grace
        self.signum: int | None = None
        self._waiter: asyncio.Task[None] | None = None

    def __call__(self, signum: int) -> None:
        if self.signum is not None:
            self.task.cancel()
            return
        self.signum = signum
        self.on_first()
        self._waiter = asyncio.get_running_loop().create_task(self._cancel_when_idle())

    async def _cancel_when_idle(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.grace
        while self.busy() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        self.task.cancel()
