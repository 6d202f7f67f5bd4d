"""The schema's version and migrations: a store behind runs the steps it lacks once, a store at
the newest version opens without a write, one from a newer summarizer is refused untouched."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from summarizer.core.batches import RequestKey
from summarizer.core.errors import StoreError
from summarizer.store import schema
from summarizer.store.batch_ledger import BatchLedger
from summarizer.store.database import Store
from summarizer.store.schema import MIGRATIONS, apply_schema
from summarizer.store.writer import Key, claim_keys
from tests.support.build import paper, summary

DAY = date(2026, 1, 7)
STEPS = [
    ("ALTER TABLE papers ADD COLUMN later_note TEXT",),
    ("CREATE TABLE later_items (key TEXT PRIMARY KEY, library_version INTEGER NOT NULL)",),
    ("CREATE TABLE even_later (key TEXT PRIMARY KEY)",),
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


def test_a_store_made_today_is_at_the_newest_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.papers.save([])
    store.runs.record(
        command="digest", day=None, started_at=datetime.now(UTC), status="ok", stats={}
    )
    conn = store._connect(create=False)
    assert conn is not None and version(conn) == len(MIGRATIONS)


def test_a_store_behind_runs_the_steps_it_lacks_once(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    conn = connect(path)
    apply_schema(conn, path, migrations=STEPS[:1])
    assert version(conn) == 1 and "later_note" in columns(conn, "papers")
    apply_schema(conn, path, migrations=STEPS[:2])  # only the second step runs: no duplicate
    assert version(conn) == 2 and columns(conn, "later_items") == {"key", "library_version"}
    conn.close()
    before = digest(path)
    again = connect(path)
    apply_schema(again, path, migrations=STEPS[:2])
    again.close()
    assert digest(path) == before, "a store at the newest version is opened without a write"


def test_a_step_that_fails_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    conn = connect(path)
    broken = [("ALTER TABLE papers ADD COLUMN later_note TEXT", "ALTER TABLE nowhere ADD COLUMN x")]
    with pytest.raises(sqlite3.OperationalError):
        apply_schema(conn, path, migrations=broken)
    assert version(conn) == 0 and "later_note" not in columns(conn, "papers")
    assert not conn.in_transaction


def test_a_store_from_a_newer_summarizer_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    conn = connect(path)
    newer = [*MIGRATIONS, *STEPS]
    apply_schema(conn, path, migrations=newer)
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError) as refused:
        Store(path).placements.days_by_paper(scheme="mailing")
    assert refused.value.exit_code == 2
    known = len(MIGRATIONS)
    said = f"newer summarizer (schema {len(newer)}; this one knows up to {known})"
    assert said in str(refused.value)
    assert digest(path) == before


def test_a_column_added_by_a_later_step_breaks_no_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every write names its columns, so a step may add one (with a default) to any table."""
    tables = [
        "papers", "summaries", "placements", "digested_days", "profile_papers", "embeddings",
        "runs", "leases", "batches", "batch_requests", "deliveries",
    ]  # fmt: skip
    later = tuple(f"ALTER TABLE {t} ADD COLUMN later TEXT" for t in tables)
    monkeypatch.setattr(schema, "MIGRATIONS", [*MIGRATIONS, later])
    store = Store(tmp_path / "s.sqlite3")
    store.papers.save([paper("2601.00001")])
    store.papers.save_summary(summary("2601.00001"))
    store.placements.place(
        scheme="mailing", day=DAY, entries=[("2601.00001", "cs.SD")], complete=True
    )
    store.runs.record(
        command="digest", day=DAY, started_at=datetime.now(UTC), status="ok", stats={}
    )
    store.ranking.save_profile_papers([paper("2512.00001")])
    store.ranking.save_embeddings([("2601.00001", "h", [0.5])], model="e")
    delivery = {"day": DAY, "channel": "email", "recipient": "a@b.c", "kind": "digest"}
    assert store.deliveries.claim(**delivery, force=False, lease=600)[0]
    store.deliveries.record(**delivery, status="sent", sent=1, total=1, error=None)
    ledger = BatchLedger(store)
    key = ledger.begin(endpoint="/v1/chat/completions")
    request = RequestKey("2601.00002", 1, "brief", "brief@1", "m")
    ledger.add_requests(key, [(request, DAY.isoformat(), "abstract")])
    assert ledger.claim(key, [(request, DAY.isoformat(), "abstract")]) == set()
    lease = Key("2601.00003", 1, "brief", "brief@1", "m")
    assert store.transaction(lambda c: claim_keys(c, [lease], holder="h", ttl=60)).mine == [lease]

    conn = store._connect(create=False)
    assert conn is not None and version(conn) == len(MIGRATIONS) + 1
    for table in tables:
        assert "later" in columns(conn, table)
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] >= 1, table
    assert store.papers.summaries(
        [paper("2601.00001")], kind="brief", prompt_version="brief@1", model="m"
    )
    assert store.deliveries.all()[0]["status"] == "sent"
