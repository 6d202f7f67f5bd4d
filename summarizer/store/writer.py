"""The one writer of a run's store, and the leases that keep runs sharing a store from paying twice.

`StoreWriter` owns every store write of the summarizing phase. Answers are queued to it and
committed in batches (many per transaction) by one worker thread; `await writer.save(summary)`
returns once that summary is durable, so a paper counts as done only when its answer is stored.
A lock held by another process delays a batch (store_guard retries it) but never drops it.

Leases: before asking the model for a summary a run claims a lease on its key (paper, version,
kind, prompt version, model) in the store. A key with a live lease of another run is not asked
for: the run waits for that summary to land (`follow`), and takes the lease over when it lapses
(its holder died, or gave up on that paper). Leases are renewed while their holder lives and
removed in the same transaction that stores their summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from ..core.records import Summary, SummaryKind
from .database import Store
from .holders import holder_alive, new_holder
from .papers import insert_summaries

T = TypeVar("T")
LEASE_SECONDS = 120.0  # a lease not renewed for this long is taken over
RENEW_EVERY = LEASE_SECONDS / 4
POLL_SECONDS = 0.5  # how often a run waiting for another run's summaries looks for them
BATCH_MAX = 64  # answers per transaction
BATCH_LINGER = 0.02  # seconds a batch waits for more answers once one is queued


class Key(NamedTuple):
    paper_id: str
    version: int
    kind: SummaryKind
    prompt_version: str
    model: str


def key_of(summary: Summary) -> Key:
    return Key(
        summary.paper_id, summary.version, summary.kind, summary.prompt_version, summary.model
    )


@dataclass
class Claim:
    """What claiming some keys found: ours to ask for now, stored already, another run's."""

    mine: list[Key] = field(default_factory=list)
    stored: list[Key] = field(default_factory=list)
    theirs: list[Key] = field(default_factory=list)


def claim_keys(conn: sqlite3.Connection, keys: list[Key], *, holder: str, ttl: float) -> Claim:
    """In a write transaction: take every key neither stored nor leased by a live run."""
    claim = Claim()
    now = time.time()
    for key in keys:
        if conn.execute(
            "SELECT 1 FROM summaries WHERE paper_id=? AND version=? AND kind=? "
            "AND prompt_version=? AND model=?",
            key,
        ).fetchone():
            claim.stored.append(key)
            continue
        lease = conn.execute(
            "SELECT holder, expires_at FROM leases WHERE paper_id=? AND version=? AND kind=? "
            "AND prompt_version=? AND model=?",
            key,
        ).fetchone()
        if lease and lease[0] != holder and lease[1] > now and holder_alive(lease[0]):
            claim.theirs.append(key)
            continue
        conn.execute(
            "INSERT OR REPLACE INTO leases (paper_id, version, kind, prompt_version, model, "
            "holder, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*key, holder, now + ttl),
        )
        claim.mine.append(key)
    return claim


def _drop_leases(conn: sqlite3.Connection, keys: Iterable[Key], holder: str) -> None:
    conn.executemany(
        "DELETE FROM leases WHERE paper_id=? AND version=? AND kind=? AND prompt_version=? "
        "AND model=? AND holder=?",
        [(*key, holder) for key in keys],
    )


class StoreWriter:
    """`async with StoreWriter(store) as writer:` for the summarizing phase of one run."""

    def __init__(
        self, store: Store, *, holder: str | None = None, lease_seconds: float = LEASE_SECONDS
    ):
        self.store = store
        self.holder = holder or new_holder()
        self.lease_seconds = lease_seconds
        self.committed = 0
        self.batches = 0
        self._held: set[Key] = set()
        self._queue: asyncio.Queue[tuple[Summary, asyncio.Future[None]]] = asyncio.Queue()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._tasks: list[asyncio.Task[None]] = []
        self._broken: Exception | None = None

    async def __aenter__(self) -> StoreWriter:
        self._tasks = [asyncio.create_task(self._drain()), asyncio.create_task(self._renew())]
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Everything queued is committed (even when the run was interrupted), then the leases
        this run still holds (summaries it could not make) are given back."""
        try:
            await self._queue.join()
        finally:
            for task in self._tasks:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*self._tasks, return_exceptions=True)
            try:
                if self._held and self._broken is None:  # else they lapse on their own
                    held, self._held = list(self._held), set()
                    await self._in_thread(lambda c: _drop_leases(c, held, self.holder))
            finally:
                self._thread.shutdown(wait=True)

    async def _in_thread(self, work: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self.store.transaction, work)

    async def read(self, work: Callable[[], T]) -> T:
        """`work` (which reads the store) in the writer's thread: the event loop never waits
        for the store's lock."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, work)

    # leases ---------------------------------------------------------------------------------
    async def claim(self, keys: Iterable[Key]) -> Claim:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return Claim()
        claim: Claim = await self._in_thread(
            lambda c: claim_keys(c, wanted, holder=self.holder, ttl=self.lease_seconds)
        )
        self._held.update(claim.mine)
        return claim

    async def follow(
        self, keys: Iterable[Key], *, poll: float = POLL_SECONDS
    ) -> AsyncIterator[Claim]:
        """Wait for keys leased by other runs: yields, as they change, those now stored and those
        whose lease lapsed (now ours), until none is left."""
        pending = list(dict.fromkeys(keys))
        while pending:
            await asyncio.sleep(poll)
            claim = await self.claim(pending)
            pending = claim.theirs
            if claim.mine or claim.stored:
                yield Claim(mine=claim.mine, stored=claim.stored)

    async def release(self, key: Key) -> None:
        """Give up a lease without a summary (the model could not make it), so a waiting run
        may try."""
        if key in self._held:
            # Forgotten only once dropped: if this is cancelled, the exit drops it instead.
            await self._in_thread(lambda c: _drop_leases(c, [key], self.holder))
            self._held.discard(key)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY)
            held = list(self._held)
            if held:
                expires = time.time() + self.lease_seconds
                await self._in_thread(
                    lambda c, held=held, expires=expires: c.executemany(
                        "UPDATE leases SET expires_at=? WHERE paper_id=? AND version=? AND kind=? "
                        "AND prompt_version=? AND model=? AND holder=?",
                        [(expires, *k, self.holder) for k in held],
                    )
                )

    # answers --------------------------------------------------------------------------------
    async def save(self, summary: Summary) -> None:
        """Queue `summary`; returns once it is committed. The commit happens even if the caller
        is cancelled meanwhile."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Its failure is the caller's to raise; a caller cancelled meanwhile still has it read.
        done.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._queue.put_nowait((summary, done))
        await asyncio.shield(done)

    async def _drain(self) -> None:
        while True:
            batch = [await self._queue.get()]
            await asyncio.sleep(BATCH_LINGER)
            while len(batch) < BATCH_MAX and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            summaries = [s for s, _ in batch]
            keys = [key_of(s) for s in summaries]
            try:
                if self._broken is not None:  # one failure is enough: no second long wait
                    raise self._broken
                await self._in_thread(lambda c, s=summaries, k=keys: self._commit(c, s, k))
            except BaseException as exc:
                if isinstance(exc, Exception):
                    self._broken = exc
                for _, done in batch:
                    if not done.done():
                        done.set_exception(
                            exc if isinstance(exc, Exception) else RuntimeError(str(exc))
                        )
                if not isinstance(exc, Exception):
                    raise
            else:
                self.committed += len(batch)
                self.batches += 1
                self._held.difference_update(keys)
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _commit(self, conn: sqlite3.Connection, summaries: list[Summary], keys: list[Key]) -> None:
        insert_summaries(conn, summaries)
        _drop_leases(conn, keys, self.holder)


__all__ = ["Claim", "Key", "StoreWriter", "claim_keys", "key_of", "new_holder"]
