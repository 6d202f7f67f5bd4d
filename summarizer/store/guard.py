"""Keeping the store safe to open and to write: a file that is not ours is left untouched, a lock
held by another process is waited out, and every SQLite or disk failure becomes one clear line.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..core.errors import StoreError

log = logging.getLogger(__name__)
T = TypeVar("T")

HEADER = b"SQLite format 3\x00"
# The columns each of our tables must have; a table by one of these names without them is a
# schema from elsewhere.
OUR_COLUMNS = {
    "papers": {"id", "version", "record", "fetched_at"},
    "summaries": {"paper_id", "version", "kind", "prompt_version", "model", "payload", "usage"},
    "placements": {"scheme", "paper_id", "day", "category"},
    "listings": {"scheme", "paper_id", "version", "day", "category", "record"},
    "digested_days": {"scheme", "day", "finished_at", "complete"},
    "runs": {"id", "command", "day", "started_at", "finished_at", "status", "stats"},
    "profile_papers": {"id", "record", "fetched_at"},
    "embeddings": {"key", "model", "text_hash", "vector", "created_at"},
    "parsed_profiles": {"file_hash", "papers", "used_at"},
    "zotero_libraries": {"library", "version", "synced_at"},
    "zotero_items": {"library", "key", "version", "record"},
    "batches": {"key", "endpoint", "status", "total", "created_at", "updated_at"},
    "batch_requests": {"batch_key", "custom_id", "paper_id", "kind", "prompt_version", "model"},
    "leases": {"paper_id", "version", "kind", "prompt_version", "model", "holder", "expires_at"},
}
BUSY_SECONDS = 5.0  # SQLite's own wait for a lock, per statement
# How long a write keeps retrying while another process holds the lock: generous, because what
# waits may be answers already paid for.
LOCK_PATIENCE = 900.0
_RETRY_PAUSE = 0.2
_said_locked: set[Path] = set()  # stores whose lock was reported: said once per run


def check_store_file(path: Path) -> None:
    """Refuse, without writing a byte, a file at `path` that is not a store of ours."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror}") from None
    if size == 0:
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(100)
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror}") from None
    if not head.startswith(HEADER):
        raise not_ours(path, "it is not an SQLite database")
    if len(head) < 100 or size < _declared_size(head):
        raise damaged(path, "it is shorter than its header says (truncated)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_SECONDS)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from None
    try:
        tables = {
            name: {row[1] for row in conn.execute(f"PRAGMA table_info('{name}')")}
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    except sqlite3.OperationalError as exc:
        if _locked(exc):
            return  # a live writer holds it; the real open waits for it
        raise damaged(path, str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise damaged(path, str(exc)) from None
    finally:
        conn.close()
    user_tables = {t for t in tables if not t.startswith("sqlite_")}
    for table, columns in OUR_COLUMNS.items():
        if table in tables and not columns <= tables[table]:
            raise not_ours(path, f"its table {table!r} has other columns")
    if user_tables and not user_tables & {"papers", "summaries"}:
        raise not_ours(path, "it holds another program's tables")


def _declared_size(head: bytes) -> int:
    """The database size its header states; 0 when the header says it is not to be trusted
    (written by SQLite before 3.7.0: "version-valid-for" differs from the change counter)."""
    if head[92:96] != head[24:28]:
        return 0
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    return page_size * pages


def not_ours(path: Path, why: str) -> StoreError:
    return StoreError(
        f"{path} is not a summarizer store ({why}); it was left untouched: set SUMMARIZER_CACHE "
        "(or --cache) to another file, or move this one away",
        exit_code=2,
    )


def damaged(path: Path, why: str) -> StoreError:
    return StoreError(
        f"the store {path} is damaged ({why}); it was left untouched: restore a backup, or move "
        "it away and run again (summaries not in a backup are asked for again)",
        exit_code=2,
    )


def _locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def guarded(path: Path, action: Callable[[], T], *, what: str = "write") -> T:
    """Run `action` on the store at `path`: retried while another process holds the lock (up to
    LOCK_PATIENCE, said once), and any other failure turned into one StoreError line."""
    deadline = time.monotonic() + LOCK_PATIENCE
    said = False
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if not _locked(exc):
                raise translate(path, exc, what=what) from None
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"the store {path} stayed locked by another process for "
                    f"{LOCK_PATIENCE:.0f} s; stop the other run (or wait for it) and run again"
                ) from None
            if not said and path not in _said_locked:
                log.warning("the store %s is locked by another process; waiting for it", path)
                _said_locked.add(path)
            said = True
            time.sleep(_RETRY_PAUSE)
        except sqlite3.DatabaseError as exc:
            raise translate(path, exc, what=what) from None
        except OSError as exc:
            raise translate(path, exc, what=what) from None


def translate(path: Path, exc: BaseException, *, what: str) -> StoreError:
    """One line for a failure of the store at `path`."""
    text = str(exc)
    lower = text.lower()
    code = exc.errno if isinstance(exc, OSError) else None  # SQLite's own codes are not errnos
    if code == errno.ENOSPC or "disk is full" in lower or "database or disk is full" in lower:
        return StoreError(
            f"cannot {what} the store {path}: the disk is full; free space and run again"
        )
    if (
        "readonly" in lower
        or "read-only" in lower
        or code in (errno.EACCES, errno.EROFS, errno.EPERM)
    ):
        return StoreError(
            f"cannot {what} the store {path}: it is read-only here; make it writable or set "
            "SUMMARIZER_CACHE to a writable file"
        )
    if "unable to open" in lower or isinstance(exc, OSError):
        detail = getattr(exc, "strerror", None) or text
        return StoreError(
            f"cannot open the store {path} ({detail}); check that its directory exists and is "
            "writable, or set SUMMARIZER_CACHE"
        )
    if "malformed" in lower or "not a database" in lower or "corrupt" in lower:
        return damaged(path, text)
    return StoreError(f"cannot {what} the store {path}: {text}")
