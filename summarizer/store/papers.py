"""Papers as last fetched, and their summaries: each committed the moment it arrives, found again
by exactly the (paper version, kind, prompt version, model) that made it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from ..core.records import Paper, Summary, SummaryKind, Usage
from .connection import StoreConnection, chunks, marks, now


def insert_summaries(conn: sqlite3.Connection, summaries: Iterable[Summary]) -> None:
    """Store these summaries (inside the caller's transaction)."""
    conn.executemany(
        "INSERT OR REPLACE INTO summaries (paper_id, version, kind, prompt_version, model, "
        "payload, usage, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                now(),
            )
            for s in summaries
        ],
    )


class PaperTables:
    """The `papers` and `summaries` tables."""

    def __init__(self, store: StoreConnection) -> None:
        self.store = store

    def save(self, papers: Iterable[Paper]) -> None:
        rows = [
            (p.id, p.version, p.model_dump_json(), now(), p.comment, p.journal_ref) for p in papers
        ]
        if not rows:
            return
        self.store.transaction(
            lambda conn: conn.executemany(
                "INSERT INTO papers (id, version, record, fetched_at, comment, journal_ref) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "version=excluded.version, record=excluded.record, fetched_at=excluded.fetched_at, "
                "comment=excluded.comment, journal_ref=excluded.journal_ref "
                "WHERE excluded.version >= papers.version",
                rows,
            )
        )

    def save_summary(self, summary: Summary) -> None:
        with self.store._lock:
            conn = self.store._connect(create=True)
            if conn is not None and conn.in_transaction:  # inside the caller's `_transaction`
                insert_summaries(conn, [summary])
                return
        self.store.transaction(lambda conn: insert_summaries(conn, [summary]))

    def summaries(
        self, papers: Iterable[Paper], *, kind: SummaryKind, prompt_version: str, model: str
    ) -> dict[str, Summary]:
        """The stored summaries of exactly these paper versions, by paper id."""
        wanted = {(p.id, p.version) for p in papers}
        rows: list[tuple[Any, ...]] = []
        # By primary key, a chunk of ids at a time: the cost follows the papers asked about, not
        # the size of the store (every summary ever made).
        for chunk in chunks(sorted({paper_id for paper_id, _ in wanted})):
            rows += self.store._read(
                "SELECT paper_id, version, payload, usage, source FROM summaries "
                f"WHERE paper_id IN ({marks(chunk)}) "
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
