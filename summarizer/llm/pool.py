"""A bounded pool of workers pulling jobs from a source that may still be producing them.

A day of ten thousand papers is not ten thousand tasks: `size` workers (a small multiple of the
in-flight limit, which is what really bounds the requests) take jobs one at a time from a short
queue that a feeder task fills from the source, an async iterator that can be slow (pages of a
listing still being fetched). Memory and task count therefore stay flat as the day grows, and the
first job starts as soon as the source yields it.

Failures: a worker's exception stops the pool at once (the other workers are cancelled, as in a
TaskGroup) and propagates. A source's exception stops the feeding: jobs already running finish
(their requests are paid for; their answers are kept), jobs not started are dropped, and then the
source's exception propagates.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Generic, TypeVar

Job = TypeVar("Job")


class JobQueue(Generic[Job]):
    """A short FIFO between one feeder and many workers; `put` waits while it is full."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(1, capacity)
        self._jobs: deque[Job] = deque()
        self._closed = False
        self._changed = asyncio.Event()

    def __len__(self) -> int:
        return len(self._jobs)

    async def put(self, job: Job) -> None:
        while len(self._jobs) >= self.capacity and not self._closed:
            await self._wait()
        if not self._closed:
            self._jobs.append(job)
            self._notify()

    async def get(self) -> Job | None:
        """The next job, or None once the queue is closed and empty."""
        while not self._jobs:
            if self._closed:
                return None
            await self._wait()
        job = self._jobs.popleft()
        self._notify()
        return job

    def close(self, *, drop: bool = False) -> None:
        """No more jobs; with `drop`, the ones waiting are discarded too."""
        self._closed = True
        if drop:
            self._jobs.clear()
        self._notify()

    async def _wait(self) -> None:
        await self._changed.wait()

    def _notify(self) -> None:
        # Wake every waiter once; each re-checks its own condition.
        self._changed.set()
        self._changed = asyncio.Event()


async def run_pool(
    source: AsyncIterable[Job], work: Callable[[Job], Awaitable[None]], *, size: int
) -> None:
    """Run `work(job)` for every job of `source`, at most `size` at a time."""
    queue: JobQueue[Job] = JobQueue(capacity=size)
    failure: list[BaseException] = []

    async def feed() -> None:
        try:
            async for job in source:
                await queue.put(job)
        except Exception as exc:  # the source failed: finish what runs, start nothing new
            failure.append(exc)
            queue.close(drop=True)
        else:
            queue.close()

    async def worker() -> None:
        while (job := await queue.get()) is not None:
            await work(job)

    async with asyncio.TaskGroup() as group:
        group.create_task(feed())
        for _ in range(max(1, size)):
            group.create_task(worker())
    if failure:
        raise failure[0]


def pool_size(in_flight: int) -> int:
    """Workers for an in-flight limit of `in_flight`: twice as many, so that papers waiting out a
    back-off or a Retry-After never leave a slot the limiter would grant unused."""
    return 2 * max(1, in_flight)


__all__ = ["JobQueue", "pool_size", "run_pool"]
