"""How hard we lean on the model provider: in-flight limit that backs off on 429, rpm/tpm caps."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")


class _PerLoop(Generic[T]):
    """An asyncio primitive for the running event loop. A Pipeline outlives one `asyncio.run`
    (backfill runs one per day); a Condition or Lock used under an earlier loop raises
    "bound to a different event loop" in the next, so each loop gets a fresh one. The state the
    primitive guards (limit, in-flight count, pacing) carries over."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._loop: asyncio.AbstractEventLoop | None = None
        self._value: T | None = None

    def get(self) -> T:
        loop = asyncio.get_running_loop()
        if self._value is None or self._loop is not loop:
            self._value, self._loop = self._make(), loop
        return self._value


class AdaptiveLimiter:
    """At most `ceiling` requests in flight; a 429 halves the limit, each success earns back
    1/limit of a slot (additive increase, multiplicative decrease), so a rate-limited provider is
    used at its limit, neither hammered nor idle."""

    def __init__(self, ceiling: int) -> None:
        self.ceiling = ceiling
        self.limit = float(ceiling)
        self.in_flight = 0
        self.rate_limited = 0
        self._cond = _PerLoop(asyncio.Condition)
        self._last_cut = 0.0

    async def acquire(self) -> None:
        cond = self._cond.get()
        async with cond:
            await cond.wait_for(lambda: self.in_flight < max(1, math.floor(self.limit)))
            self.in_flight += 1

    async def release(self, *, rate_limited: bool = False) -> None:
        cond = self._cond.get()
        async with cond:
            self.in_flight -= 1
            now = time.monotonic()
            if rate_limited:
                self.rate_limited += 1
                # Many requests see the same overload at once; cut once per burst, not per reply.
                if now - self._last_cut > 1.0:
                    self.limit = max(1.0, self.limit / 2)
                    self._last_cut = now
            else:
                self.limit = min(float(self.ceiling), self.limit + 1.0 / max(self.limit, 1.0))
            cond.notify_all()


class Pacer:
    """Spaces request starts evenly so no trailing minute holds more than `rpm` starts, and keeps
    a token bucket of `tpm` tokens per minute. Both optional."""

    def __init__(self, *, rpm: int | None, tpm: int | None, sleep: Sleep = asyncio.sleep) -> None:
        self.interval = 60.0 / rpm if rpm else 0.0
        self.tpm = tpm
        self._next_start = 0.0
        self._tokens = float(tpm or 0)
        self._refilled = time.monotonic()
        self._lock = _PerLoop(asyncio.Lock)
        self._sleep = sleep

    async def wait(self, tokens: int) -> None:
        if not self.interval and not self.tpm:
            return
        async with self._lock.get():
            now = time.monotonic()
            delay = max(0.0, self._next_start - now)
            if self.tpm:
                self._tokens = min(
                    float(self.tpm), self._tokens + (now - self._refilled) * self.tpm / 60.0
                )
                self._refilled = now
                need = min(tokens, self.tpm)
                if self._tokens < need:
                    delay = max(delay, (need - self._tokens) * 60.0 / self.tpm)
                self._tokens -= need
            self._next_start = max(now, self._next_start) + self.interval
            if delay > 0:
                await self._sleep(delay)
