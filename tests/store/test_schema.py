"""The schema's version and migrations: a store behind runs the steps it lacks once, a store at
the newest version opens without a write, one from a newer summarizer is refused untouched."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from summarizer.core.errors import StoreError
from summarizer.store.database import Store
from summarizer.store.schema import MIGRATIONS, apply_schema

STEPS = [
    ("ALTER TABLE papers ADD COLUMN comment TEXT",),
    ("CREATE TABLE zotero_items (key TEXT PRIMARY KEY, library_version INTEGER NOT NULL)",),
]


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info('{table}')")}


def digest(path: Path) -> str:
    files = sorted(path.parent.glob(path.name + "*"))
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def test_a_store_made_today_is_at_version_0(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.save_papers([])
    store.record_run(
        command="digest", day=None, started_at=datetime.now(UTC), status="ok", stats={}
    )
    conn = store._connect(create=False)
    assert conn is not None and len(MIGRATIONS) == version(conn) == 0


def test_a_store_behind_runs_the_steps_it_lacks_once(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    conn = connect(path)
    apply_schema(conn, path, migrations=STEPS[:1])
    assert version(conn) == 1 and "comment" in columns(conn, "papers")
    apply_schema(conn, path, migrations=STEPS)  # only the second step runs: no duplicate column
    assert version(conn) == 2 and columns(conn, "zotero_items") == {"key", "library_version"}
    conn.close()
    before = digest(path)
    again = connect(path)
    apply_schema(again, path, migrations=STEPS)
    again.close()
    assert digest(path) == before, "a store at the newest version is opened without a write"


def test_a_step_that_fails_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    conn = connect(path)
    broken = [("ALTER TABLE papers ADD COLUMN comment TEXT", "ALTER TABLE nowhere ADD COLUMN x")]
    with pytest.raises(sqlite3.OperationalError):
        apply_schema(conn, path, migrations=broken)
    assert version(conn) == 0 and "comment" not in columns(conn, "papers")
    assert not conn.in_transaction


def test_a_store_from_a_newer_summarizer_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    conn = connect(path)
    apply_schema(conn, path, migrations=STEPS)
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError) as refused:
        Store(path).placements(scheme="mailing")
    assert refused.value.exit_code == 2
    assert "newer summarizer (schema 2; this one knows up to 0)" in str(refused.value)
    assert digest(path) == before
