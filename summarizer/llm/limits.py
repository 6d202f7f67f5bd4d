"""How hard we lean on the model provider: an in-flight limit that backs off on 429, rpm/tpm caps.

Both classes hold no asyncio primitive bound to an event loop (waiters are futures of the running
loop), so one instance serves every `asyncio.run` of a run, e.g. each day of a backfill.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class AdaptiveLimiter:
    """At most `limit` requests in flight (never more than `ceiling`), granted first come, first
    served, adjusted from what the provider says:

    - A 429 means the provider was full with the requests still outstanding, so the limit drops to
      that number at most. Many replies of one overload arrive together; each lowers the limit to
      what is then left, so a burst lands on the number the provider accepted, not on zero. A 429
      to a request sent after the last cut (the cut was not enough) also cuts by `decrease`.
    - A success adds 1/limit of a slot, one slot per round of requests, back up to just below the
      level where the last 429 came (`trouble`); above it, `probe_rounds` times slower, so
      the limit settles at the provider's and a 429 costs about one request in a hundred.

    `acquire()` returns a ticket to hand back to `release()`; `release(ok=False)` is an attempt
    that got no answer (timeout, 5xx, not sent) and moves the limit neither way.
    """

    def __init__(self, ceiling: int, *, decrease: float = 0.8, probe_rounds: int = 8) -> None:
        if ceiling < 1:
            raise ValueError("the in-flight ceiling must be at least 1")
        self.ceiling = ceiling
        self.limit = float(ceiling)
        self.decrease = decrease
        self.probe_rounds = probe_rounds
        self.in_flight = 0
        self.peak_in_flight = 0
        self.rate_limited = 0
        self.cuts = 0
        self.trouble = math.inf
        self.proven = 0  # the most requests in flight at once that the provider answered
        self._epoch = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def allowed(self) -> int:
        return max(1, math.floor(self.limit + 1e-9))

    async def acquire(self) -> int:
        if self.in_flight < self.allowed and not self._waiters:
            self._take()
            return self._epoch
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # a slot was handed over: give it back
                self.in_flight -= 1
                self._wake()
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise
        return self._epoch

    @property
    def probing(self) -> bool:
        """Whether a request sent now goes past the level the provider is known to serve: a 429
        to it is the price of finding the limit, not the fault of the paper that carried it."""
        return self.in_flight > self.proven > 0

    async def release(
        self, *, rate_limited: bool = False, ok: bool = True, ticket: int | None = None
    ) -> None:
        if ok and not rate_limited:
            self.proven = max(self.proven, self.in_flight)
        self.in_flight -= 1
        if rate_limited:
            self._on_rate_limited(fresh=ticket is None or ticket == self._epoch)
        elif ok:
            step = 1.0 / self.limit
            if self.limit + 1 >= self.trouble:
                step /= self.probe_rounds
            self.limit = min(float(self.ceiling), self.limit + step)
            if self.limit >= self.trouble + 2:  # well past it without a 429: the trouble is gone
                self.trouble = math.inf
        self._wake()

    def _on_rate_limited(self, *, fresh: bool) -> None:
        self.rate_limited += 1
        before = self.limit
        self.limit = max(1.0, min(self.limit, float(self.in_flight)))
        if fresh:
            self.trouble = math.floor(before + 1e-9)
            self.limit = max(1.0, min(self.limit, before * self.decrease))
            self._epoch += 1
        if self.limit < before:
            self.cuts += 1

    def _take(self) -> None:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.allowed:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._take()
                waiter.set_result(None)


class Pacer:
    """Request starts under `rpm` and `tpm` caps (both optional).

    Starts are spaced 60/rpm seconds apart and, in addition, no trailing minute (plus `margin`
    seconds, for the provider's clock) holds more than `rpm` of them. Tokens (the estimate of
    prompt plus answer) come from a bucket of `tpm` that refills continuously, full at the start:
    a request waits until the bucket holds its tokens. A start time is booked without awaiting,
    so concurrent callers never book the same one.
    """

    def __init__(
        self,
        *,
        rpm: int | None,
        tpm: int | None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        margin: float = 0.25,
    ) -> None:
        self.rpm = rpm
        self.tpm = tpm
        self.interval = 60.0 / rpm if rpm else 0.0
        self.margin = margin
        self.waited = 0.0
        self._sleep = sleep
        self._clock = clock
        self._next_start = -math.inf
        self._starts: deque[float] = deque(maxlen=rpm or 1)
        self._tat = -math.inf  # token bucket as GCRA: the time the bucket is next full

    def book(self, tokens: int) -> float:
        """Book the earliest allowed start for a request of `tokens`; seconds to wait for it."""
        now = self._clock()
        start = max(now, self._next_start)
        if self.rpm and len(self._starts) == self.rpm:
            start = max(start, self._starts[0] + 60.0 + self.margin)
        if self.tpm:
            cost = min(max(tokens, 0), self.tpm) * 60.0 / self.tpm
            tat = max(self._tat, now)
            start = max(start, tat + cost - 60.0)
            self._tat = max(tat, start) + cost
        if self.rpm:
            self._next_start = start + self.interval
            self._starts.append(start)
        return start - now

    async def wait(self, tokens: int) -> None:
        if not self.rpm and not self.tpm:
            return
        delay = self.book(tokens)
        if delay > 0:
            self.waited += delay
            await self._sleep(delay)
