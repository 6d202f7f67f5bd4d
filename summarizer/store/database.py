"""The SQLite store: papers, summaries (each committed the moment it arrives), placements, runs."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from ..core.records import Paper, Summary, SummaryKind, Usage
from . import guard as store_guard
from .guard import check_store_file, guarded, translate

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, record TEXT NOT NULL, fetched_at TEXT NOT NULL,
    comment TEXT, journal_ref TEXT
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


# Columns added after a table was first made: (table, column, type). A store made before them
# gets each one added, NULL in every old row, when it is opened.
ADDED_COLUMNS = (("papers", "comment", "TEXT"), ("papers", "journal_ref", "TEXT"))

_IDS_PER_QUERY = 500  # well under SQLite's limit on bound parameters (999 before 3.32)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def insert_summaries(conn: sqlite3.Connection, summaries: Iterable[Summary]) -> None:
    """Store these summaries (inside the caller's transaction)."""
    conn.executemany(
        "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                s.paper_id,
                s.version,
                s.kind,
                s.prompt_version,
                s.model,
                json.dumps(s.payload, ensure_ascii=False),
                s.usage.model_dump_json(),
                s.source,
                _now(),
            )
            for s in summaries
        ],
    )


def _add_columns(conn: sqlite3.Connection) -> None:
    """The migration of an older store: the columns of ADDED_COLUMNS it lacks."""
    for table, column, kind in ADDED_COLUMNS:
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            try:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            except sqlite3.OperationalError as exc:  # another process added it just now
                if "duplicate column" not in str(exc):
                    raise


class Store:
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
            conn.executescript(SCHEMA)
            _add_columns(conn)
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

    # papers -------------------------------------------------------------------------------
    def save_papers(self, papers: Iterable[Paper]) -> None:
        rows = [
            (p.id, p.version, p.model_dump_json(), _now(), p.comment, p.journal_ref) for p in papers
        ]
        if not rows:
            return
        self.transaction(
            lambda conn: conn.executemany(
                "INSERT INTO papers (id, version, record, fetched_at, comment, journal_ref) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "version=excluded.version, record=excluded.record, fetched_at=excluded.fetched_at, "
                "comment=excluded.comment, journal_ref=excluded.journal_ref "
                "WHERE excluded.version >= papers.version",
                rows,
            )
        )

    # summaries ----------------------------------------------------------------------------
    def save_summary(self, summary: Summary) -> None:
        with self._lock:
            conn = self._connect(create=True)
            if conn is not None and conn.in_transaction:  # inside the caller's `_transaction`
                insert_summaries(conn, [summary])
                return
        self.transaction(lambda conn: insert_summaries(conn, [summary]))

    def summaries(
        self, papers: Iterable[Paper], *, kind: SummaryKind, prompt_version: str, model: str
    ) -> dict[str, Summary]:
        """The stored summaries of exactly these paper versions, by paper id."""
        wanted = {(p.id, p.version) for p in papers}
        ids = sorted({paper_id for paper_id, _ in wanted})
        rows: list[tuple[Any, ...]] = []
        # By primary key, a chunk of ids at a time: the cost follows the papers asked about, not
        # the size of the store (every summary ever made).
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            rows += self._read(
                "SELECT paper_id, version, payload, usage, source FROM summaries "
                f"WHERE paper_id IN ({', '.join('?' * len(chunk))}) "
                "AND kind = ? AND prompt_version = ? AND model = ?",
                (*chunk, kind, prompt_version, model),
            )
        found: dict[str, Summary] = {}
        for paper_id, version, payload, usage, source in rows:
            if (paper_id, version) in wanted:
                found[paper_id] = Summary(
                    paper_id=paper_id,
                    version=version,
                    kind=kind,
                    prompt_version=prompt_version,
                    model=model,
                    payload=json.loads(payload),
                    usage=Usage.model_validate_json(usage),
                    source=source,
                )
        return found

    # placements: which digest a paper went into -----------------------------------------------
    def placements(self, *, scheme: str) -> dict[str, date]:
        rows = self._read("SELECT paper_id, day FROM placements WHERE scheme = ?", (scheme,))
        return {paper_id: date.fromisoformat(day) for paper_id, day in rows}

    def place(
        self, *, scheme: str, day: date, entries: Iterable[tuple[str, str]], complete: bool
    ) -> None:
        """Record the digest of `day` as holding exactly these (paper id, category) pairs."""
        rows = [(scheme, pid, day.isoformat(), cat) for pid, cat in entries]

        def work(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO placements VALUES (?, ?, ?, ?) ON CONFLICT(scheme, paper_id) "
                "DO NOTHING",
                rows,
            )
            conn.execute(
                "INSERT OR REPLACE INTO digested_days VALUES (?, ?, ?, ?)",
                (scheme, day.isoformat(), _now(), int(complete)),
            )

        self.transaction(work)

    def placed_categories(self) -> dict[date, dict[str, str]]:
        """For the site: by day, the category each paper was placed under (any scheme; where a
        paper was placed by two schemes on the same day, the mailing's wins)."""
        rows = self._read(
            "SELECT day, paper_id, category FROM placements ORDER BY scheme = 'mailing'"
        )
        found: dict[date, dict[str, str]] = {}
        for day, paper_id, category in rows:
            found.setdefault(date.fromisoformat(day), {})[paper_id] = category
        return found

    def digested_days(self, *, scheme: str, complete_only: bool = False) -> set[date]:
        rows = self._read(
            "SELECT day FROM digested_days WHERE scheme = ? AND complete >= ?",
            (scheme, int(complete_only)),
        )
        return {date.fromisoformat(day) for (day,) in rows}

    def has_open_batches(self) -> bool:
        """Whether a provider batch this store submitted is still to be collected."""
        return bool(self._read("SELECT 1 FROM batches WHERE collected_at IS NULL LIMIT 1"))

    # runs ---------------------------------------------------------------------------------------
    def record_run(
        self,
        *,
        command: str,
        day: date | None,
        started_at: datetime,
        status: str,
        stats: dict[str, Any],
    ) -> None:
        """One finished run. Written at the end, so a run refused for bad input leaves no store."""
        self._write(
            "INSERT INTO runs (command, day, started_at, finished_at, status, stats) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                command,
                day.isoformat() if day else None,
                started_at.astimezone(UTC).isoformat(timespec="seconds"),
                _now(),
                status,
                json.dumps(stats, ensure_ascii=False),
            ),
        )

    def runs(self) -> list[dict[str, Any]]:
        rows = self._read("SELECT id, command, day, status, stats FROM runs ORDER BY id")
        return [
            {
                "id": r[0],
                "command": r[1],
                "day": r[2],
                "status": r[3],
                "stats": json.loads(r[4] or "{}"),
            }
            for r in rows
        ]

    # deliveries: what each push sent (summarizer.deliver) ----------------------------------------
    def claim_delivery(
        self, *, day: date, channel: str, recipient: str, kind: str, force: bool, lease: float
    ) -> tuple[bool, str, int]:
        """Take this delivery for this run: (taken, its status before, messages already sent).

        Status "sent" (unless `force`) or "sending" younger than `lease` seconds (another run is
        on it) leaves it alone; anything else becomes "sending" with this run's token, in one
        statement, so two runs never send the same day to the same place.
        """
        key = (day.isoformat(), channel, recipient, kind)
        where = "day = ? AND channel = ? AND recipient = ? AND kind = ?"
        before = self._read(f"SELECT status FROM deliveries WHERE {where}", key)
        token, now = secrets.token_hex(8), datetime.now(UTC)
        stale = (now - timedelta(seconds=lease)).isoformat(timespec="seconds")
        self._write(
            "INSERT INTO deliveries VALUES (?, ?, ?, ?, 'sending', 0, 0, NULL, ?, ?) "
            "ON CONFLICT(day, channel, recipient, kind) DO UPDATE SET status = 'sending', "
            "error = NULL, updated_at = excluded.updated_at, claim = excluded.claim "
            "WHERE status NOT IN ('sent', 'sending') OR (status = 'sent' AND ?) "
            "OR (status = 'sending' AND updated_at <= ?)",
            (*key, now.isoformat(timespec="seconds"), token, int(force), stale),
        )
        rows = self._read(f"SELECT status, sent, claim FROM deliveries WHERE {where}", key)
        status, sent, claim = rows[0]
        previous = str(before[0][0]) if before else "new"
        return claim == token, previous if claim == token else str(status), int(sent)

    def record_delivery(
        self,
        *,
        day: date,
        channel: str,
        recipient: str,
        kind: str,
        status: str,
        sent: int,
        total: int,
        error: str | None,
    ) -> None:
        self._write(
            "INSERT OR REPLACE INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (day.isoformat(), channel, recipient, kind, status, sent, total, error, _now()),
        )

    def deliveries(self) -> list[dict[str, Any]]:
        rows = self._read("SELECT * FROM deliveries ORDER BY day, channel, recipient, kind")
        names = ("day", "channel", "recipient", "kind", "status", "sent", "total", "error", "at")
        rows = [row[: len(names)] for row in rows]
        return [dict(zip(names, row, strict=True)) for row in rows]

    # ranking: the reader's profile papers and embedding vectors -----------------------------------
    def profile_papers(self, ids: Iterable[str]) -> dict[str, Paper]:
        wanted = set(ids)
        rows = self._read("SELECT id, record FROM profile_papers")
        return {pid: Paper.model_validate_json(rec) for pid, rec in rows if pid in wanted}

    def save_profile_papers(self, papers: Iterable[Paper]) -> None:
        rows = [(p.id, p.model_dump_json(), _now()) for p in papers]
        if rows:
            self.transaction(
                lambda conn: conn.executemany(
                    "INSERT OR REPLACE INTO profile_papers VALUES (?, ?, ?)", rows
                )
            )

    def embeddings(self, keys: Iterable[str], *, model: str) -> dict[str, tuple[str, list[float]]]:
        """(text hash, vector) of each key embedded with `model`, by key."""
        wanted = sorted(set(keys))
        found: dict[str, tuple[str, list[float]]] = {}
        for start in range(0, len(wanted), _IDS_PER_QUERY):
            chunk = wanted[start : start + _IDS_PER_QUERY]
            rows = self._read(
                "SELECT key, text_hash, vector FROM embeddings "
                f"WHERE model = ? AND key IN ({', '.join('?' * len(chunk))})",
                (model, *chunk),
            )
            for key, text_hash, blob in rows:
                found[key] = (text_hash, array("f", blob).tolist())
        return found

    def save_embeddings(self, rows: Iterable[tuple[str, str, list[float]]], *, model: str) -> None:
        """(key, text hash, vector) rows, stored as float32."""
        values = [(k, model, h, array("f", v).tobytes(), _now()) for k, h, v in rows]
        if values:
            self.transaction(
                lambda conn: conn.executemany(
                    "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?, ?)", values
                )
            )
