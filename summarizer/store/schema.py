"""The store's tables, and the steps that bring a store made by an older summarizer up to date.

`TABLES` is the schema every store starts from (version 0) and is not edited: a later change (a
column, a table, an index) is one more step appended to `MIGRATIONS`, its statements run in
order. A store is stamped with the number of steps it has been through (SQLite's
`user_version`). Opening a store behind runs the steps it lacks inside one write transaction,
reading its version again once the lock is held, so two runs opening it together migrate it
once; a store at the newest version is opened without writing a byte, and one stamped by a newer
summarizer is refused untouched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from ..core.errors import StoreError

TABLES = """
CREATE TABLE IF NOT EXISTS papers (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, record TEXT NOT NULL, fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS summaries (
    paper_id TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL,
    prompt_version TEXT NOT NULL, model TEXT NOT NULL, payload TEXT NOT NULL,
    usage TEXT NOT NULL, source TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (paper_id, version, kind, prompt_version, model)
);
CREATE TABLE IF NOT EXISTS placements (
    scheme TEXT NOT NULL, paper_id TEXT NOT NULL, day TEXT NOT NULL, category TEXT NOT NULL,
    PRIMARY KEY (scheme, paper_id)
);
CREATE TABLE IF NOT EXISTS digested_days (
    scheme TEXT NOT NULL, day TEXT NOT NULL, finished_at TEXT NOT NULL, complete INTEGER NOT NULL,
    PRIMARY KEY (scheme, day)
);
CREATE TABLE IF NOT EXISTS profile_papers (
    id TEXT PRIMARY KEY, record TEXT NOT NULL, fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS embeddings (
    key TEXT NOT NULL, model TEXT NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (key, model)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, command TEXT NOT NULL, day TEXT,
    started_at TEXT NOT NULL, finished_at TEXT, status TEXT, stats TEXT
);
CREATE TABLE IF NOT EXISTS leases (
    paper_id TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL,
    prompt_version TEXT NOT NULL, model TEXT NOT NULL, holder TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (paper_id, version, kind, prompt_version, model)
);
CREATE TABLE IF NOT EXISTS batches (
    key TEXT PRIMARY KEY, provider_id TEXT, endpoint TEXT NOT NULL, input_file TEXT,
    status TEXT NOT NULL, total INTEGER NOT NULL, completed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0, output_file TEXT, error_file TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, collected_at TEXT, error TEXT
);
CREATE TABLE IF NOT EXISTS batch_requests (
    batch_key TEXT NOT NULL, custom_id TEXT NOT NULL, paper_id TEXT NOT NULL,
    version INTEGER NOT NULL, kind TEXT NOT NULL, prompt_version TEXT NOT NULL,
    model TEXT NOT NULL, day TEXT, source TEXT NOT NULL, outcome TEXT,
    PRIMARY KEY (batch_key, custom_id)
);
CREATE INDEX IF NOT EXISTS batch_requests_by_custom_id ON batch_requests (custom_id);
CREATE INDEX IF NOT EXISTS batch_requests_by_day ON batch_requests (day, outcome);
CREATE TABLE IF NOT EXISTS deliveries (
    day TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL, kind TEXT NOT NULL,
    status TEXT NOT NULL, sent INTEGER NOT NULL, total INTEGER NOT NULL, error TEXT,
    updated_at TEXT NOT NULL, claim TEXT,
    PRIMARY KEY (day, channel, recipient, kind)
);
"""

# Step n takes a store from version n to n + 1: its statements, run in order.
Migration = Sequence[str]
MIGRATIONS: Sequence[Migration] = (
    # 1: the reader's profile kept in the store (store/profiles.py)
    (
        """CREATE TABLE IF NOT EXISTS parsed_profiles (
            file_hash TEXT PRIMARY KEY, papers BLOB NOT NULL, used_at TEXT NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS zotero_libraries (
            library TEXT PRIMARY KEY, version INTEGER NOT NULL, synced_at TEXT NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS zotero_items (
            library TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL,
            record TEXT NOT NULL, PRIMARY KEY (library, key)
        )""",
    ),
    # 2: arXiv's comment and journal reference of each paper (the site's code and venue badges)
    (
        "ALTER TABLE papers ADD COLUMN comment TEXT",
        "ALTER TABLE papers ADD COLUMN journal_ref TEXT",
    ),
    # 3: every version a digest listed, as listed (store/listings.py): revised papers
    (
        """CREATE TABLE IF NOT EXISTS listings (
            scheme TEXT NOT NULL, paper_id TEXT NOT NULL, version INTEGER NOT NULL,
            day TEXT NOT NULL, category TEXT NOT NULL, record TEXT NOT NULL,
            from_version INTEGER, from_day TEXT,
            PRIMARY KEY (scheme, paper_id, version)
        )""",
        "CREATE INDEX IF NOT EXISTS listings_by_day ON listings (scheme, day)",
    ),
)


def apply_schema(
    conn: sqlite3.Connection, path: Path, *, migrations: Sequence[Migration] | None = None
) -> None:
    """Bring the store open on `conn` to the newest schema (see the module's docstring);
    `migrations` are MIGRATIONS unless given."""
    migrations = MIGRATIONS if migrations is None else migrations
    newest = len(migrations)
    version = _version(conn)
    if version > newest:
        raise newer_store(path, version, newest)
    conn.executescript(TABLES)
    if version == newest:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for step in migrations[_version(conn) :]:  # read again: another run may have done it
            for statement in step:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {newest}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def newer_store(path: Path, version: int, newest: int) -> StoreError:
    return StoreError(
        f"the store {path} was written by a newer summarizer (schema {version}; this one knows "
        f"up to {newest}); it was left untouched: upgrade summarizer, or set SUMMARIZER_CACHE "
        "to another file",
        exit_code=2,
    )
