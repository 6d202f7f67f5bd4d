"""The store's one connection: opened lazily, guarded against files that are not ours and against
other processes' locks, with the transactions and reads every table module builds on."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from . import guard as store_guard
from .guard import check_store_file, guarded, translate
from .schema import apply_schema

T = TypeVar("T")
IDS_PER_QUERY = 500  # well under SQLite's limit on bound parameters (999 before 3.32)


def now() -> str:
    """The time a row is written, as stored: UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def chunks(items: Iterable[str], size: int = IDS_PER_QUERY) -> Iterator[list[str]]:
    """`items` a query's worth at a time."""
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def marks(chunk: list[str]) -> str:
    """The placeholders of an `IN (...)` over `chunk`."""
    return ", ".join("?" * len(chunk))


class StoreConnection:
    """Opened lazily: reading a store that does not exist yet finds nothing and creates nothing,
    so a run that fails validation leaves no file behind. A file that is not a store of ours is
    refused untouched. Safe to call from several threads (one at a time); every write waits out
    another process's lock (store_guard.guarded)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    def _connect(self, *, create: bool) -> sqlite3.Connection | None:
        if self._conn is None:
            if not create and not self.path.exists():
                return None
            check_store_file(self.path)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise translate(self.path, exc, what="create") from None
            self._conn = guarded(self.path, self._open, what="open")
        return self._conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=store_guard.BUSY_SECONDS,
            isolation_level=None,
            check_same_thread=False,  # the run's store writer works in its own thread
        )
        try:
            conn.execute(f"PRAGMA busy_timeout={int(store_guard.BUSY_SECONDS * 1000)}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            apply_schema(conn, self.path)
        except BaseException:
            conn.close()
            raise
        return conn

    def _guarded(self, action: Callable[[sqlite3.Connection], T], *, create: bool = True) -> T:
        with self._lock:
            conn = self._connect(create=create)
            if conn is None:
                return action(None)  # type: ignore[arg-type]
            return guarded(self.path, lambda: action(conn))

    def _write(self, sql: str, params: Iterable[Any] = ()) -> None:
        self._guarded(lambda conn: conn.execute(sql, tuple(params)))

    def transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` inside one write transaction, taken before reading so two runs cannot
        interleave; retried whole while another process holds the lock."""

        def run(conn: sqlite3.Connection) -> T:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                return work(conn)

        return self._guarded(run)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """`transaction` as a context, for work that is not one function (the batch ledger):
        taking the write lock waits out another process as `transaction` does."""
        with self._lock:
            conn = self._connect(create=True)
            assert conn is not None
            guarded(self.path, lambda: conn.execute("BEGIN IMMEDIATE"))
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        def run(conn: sqlite3.Connection | None) -> list[tuple[Any, ...]]:
            if conn is None:
                return []
            with closing(conn.execute(sql, tuple(params))) as cursor:
                return cursor.fetchall()

        return self._guarded(run, create=False)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
