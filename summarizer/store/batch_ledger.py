"""The store's record of provider batches: every batch and the requests it holds, written before
anything is waited for, so a run killed at any instant neither resubmits nor forgets a batch.

A batch row moves through local states first: `writing` (its request rows are being recorded with
the file), `uploaded` (the file is at the provider; a batch may or may not have been created),
then the provider's own states. It stays open until its results are collected. A request's
`outcome` is NULL while open, then `ok`, `invalid` (answered, not valid), `failed` (an error line)
or `unfinished` (never run: the batch expired or was cancelled first).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from sqlite3 import Connection
from typing import Any

from ..core.batches import QUEUE_FULL, BatchState, RequestKey
from .connection import StoreConnection, chunks, marks, now

EXPORT = "vllm run_batch"  # endpoint of a request file exported for `vllm run_batch`
ATTEMPTS = ("invalid", "failed")
INSERT_REQUEST = (
    "INSERT OR REPLACE INTO batch_requests (batch_key, custom_id, paper_id, version, kind, "
    "prompt_version, model, day, source, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)"
)


@dataclass(frozen=True)
class BatchRow:
    key: str
    provider_id: str | None
    endpoint: str
    input_file: str | None
    status: str
    total: int
    completed: int
    failed: int
    created_at: str
    collected_at: str | None
    days: str = ""

    @property
    def open(self) -> bool:
        return self.collected_at is None


@dataclass(frozen=True)
class RequestRow:
    key: RequestKey
    day: str | None
    source: str


class BatchLedger:
    def __init__(self, store: StoreConnection) -> None:
        self.store = store

    # writing a batch -------------------------------------------------------------------------
    def begin(self, *, endpoint: str) -> str:
        key = f"local-{uuid.uuid4().hex[:16]}"
        with self.store._transaction() as conn:
            conn.execute(
                "INSERT INTO batches (key, endpoint, status, total, created_at, updated_at) "
                "VALUES (?, ?, 'writing', 0, ?, ?)",
                (key, endpoint, now(), now()),
            )
        return key

    def add_requests(
        self, key: str, requests: Iterable[tuple[RequestKey, str | None, str]]
    ) -> None:
        rows = [
            (key, k.custom_id, k.paper_id, k.version, k.kind, k.prompt_version, k.model, day, src)
            for k, day, src in requests
        ]
        with self.store._transaction() as conn:
            conn.executemany(
                INSERT_REQUEST,
                rows,
            )
            conn.execute(
                "UPDATE batches SET total = (SELECT COUNT(*) FROM batch_requests "
                "WHERE batch_key = ?), updated_at = ? WHERE key = ?",
                (key, now(), key),
            )

    def claim(self, key: str, requests: Iterable[tuple[RequestKey, str | None, str]]) -> set[str]:
        """Record `requests` as held by batch `key`, except those another open batch already
        holds (a run overlapping this one got there first): their custom_ids are returned.
        One write transaction, so two runs can never both hold a request."""
        wanted = list(requests)
        with self.store._transaction() as conn:
            taken: set[str] = set()
            for chunk in chunks(k.custom_id for k, _, _ in wanted):
                taken.update(
                    row[0]
                    for row in conn.execute(
                        "SELECT r.custom_id FROM batch_requests r "
                        "JOIN batches b ON b.key = r.batch_key "
                        f"WHERE r.custom_id IN ({marks(chunk)}) "
                        "AND r.outcome IS NULL AND b.collected_at IS NULL AND b.endpoint != ? "
                        "AND b.key != ?",
                        (*chunk, EXPORT, key),
                    )
                )
            conn.executemany(
                INSERT_REQUEST,
                [
                    (key, k.custom_id, k.paper_id, k.version, k.kind, k.prompt_version, k.model)
                    + (day, src)
                    for k, day, src in wanted
                    if k.custom_id not in taken
                ],
            )
            conn.execute(
                "UPDATE batches SET total = (SELECT COUNT(*) FROM batch_requests "
                "WHERE batch_key = ?), updated_at = ? WHERE key = ?",
                (key, now(), key),
            )
        return taken

    def uploaded(self, key: str, file_id: str) -> None:
        self._update(key, status="uploaded", input_file=file_id)

    def submitted(self, key: str, state: BatchState) -> None:
        self._update(key, provider_id=state.id, **_counts(state))

    def update(self, key: str, state: BatchState) -> None:
        self._update(key, **_counts(state))

    def set_status(self, key: str, status: str) -> None:
        self._update(key, status=status)

    def _update(self, key: str, **fields: Any) -> None:
        fields["updated_at"] = now()
        columns = ", ".join(f"{name} = ?" for name in fields)
        with self.store._transaction() as conn:
            conn.execute(f"UPDATE batches SET {columns} WHERE key = ?", (*fields.values(), key))

    def forget(self, key: str) -> None:
        """Drop a batch that never reached the provider (its run was killed while writing)."""
        with self.store._transaction() as conn:
            conn.execute("DELETE FROM batch_requests WHERE batch_key = ?", (key,))
            conn.execute("DELETE FROM batches WHERE key = ?", (key,))

    # collecting ------------------------------------------------------------------------------
    def requests(self, key: str) -> dict[str, RequestRow]:
        rows = self.store._read(
            "SELECT custom_id, paper_id, version, kind, prompt_version, model, day, source "
            "FROM batch_requests WHERE batch_key = ?",
            (key,),
        )
        return {
            r[0]: RequestRow(RequestKey(r[1], r[2], r[3], r[4], r[5]), r[6], r[7]) for r in rows
        }

    def resolve(self, key: str, outcomes: Iterable[tuple[str, str]]) -> None:
        """Set the outcome of these requests (custom_id, outcome); called inside the same
        transaction as the summaries they made (see `transaction`)."""
        conn = self.store._connect(create=True)
        assert conn is not None
        conn.executemany(
            "UPDATE batch_requests SET outcome = ? WHERE batch_key = ? AND custom_id = ?",
            [(outcome, key, custom_id) for custom_id, outcome in outcomes],
        )

    def transaction(self) -> AbstractContextManager[Connection]:
        return self.store._transaction()

    def collected(self, key: str) -> None:
        """The batch's results are all in: requests without a result line never ran."""
        with self.store._transaction() as conn:
            conn.execute(
                "UPDATE batch_requests SET outcome = 'unfinished' "
                "WHERE batch_key = ? AND outcome IS NULL",
                (key,),
            )
            conn.execute(
                "UPDATE batches SET collected_at = ?, updated_at = ? WHERE key = ?",
                (now(), now(), key),
            )

    # questions ---------------------------------------------------------------------------------
    def batches(self, *, open_only: bool = False) -> list[BatchRow]:
        rows = self.store._read(
            "SELECT b.key, b.provider_id, b.endpoint, b.input_file, b.status, b.total, "
            "b.completed, b.failed, b.created_at, b.collected_at, "
            "(SELECT group_concat(DISTINCT r.day) FROM batch_requests r WHERE r.batch_key = b.key) "
            "FROM batches b"
            + (" WHERE b.collected_at IS NULL" if open_only else "")
            + " ORDER BY b.rowid"
        )
        return [
            BatchRow(*r[:10], ",".join(sorted((r[10] or "").split(","))))  # type: ignore[call-arg]
            for r in rows
        ]

    def open_requests(self, custom_ids: Iterable[str]) -> set[str]:
        """Which of these requests sit in a batch still running or not yet collected (an exported
        file does not count: nothing tells us vLLM will ever run it)."""
        found: set[str] = set()
        for chunk in chunks(custom_ids):
            found.update(
                row[0]
                for row in self.store._read(
                    "SELECT r.custom_id FROM batch_requests r "
                    "JOIN batches b ON b.key = r.batch_key "
                    f"WHERE r.custom_id IN ({marks(chunk)}) "
                    "AND r.outcome IS NULL AND b.collected_at IS NULL AND b.endpoint != ?",
                    (*chunk, EXPORT),
                )
            )
        return found

    def attempts(self, custom_ids: Iterable[str]) -> dict[str, int]:
        """Attempts the batches made at these requests (answered invalidly or failed)."""
        counts: dict[str, int] = {}
        for chunk in chunks(custom_ids):
            for custom_id, n in self.store._read(
                "SELECT custom_id, COUNT(*) FROM batch_requests "
                f"WHERE custom_id IN ({marks(chunk)}) "
                "AND outcome IN (?, ?) GROUP BY custom_id",
                (*chunk, *ATTEMPTS),
            ):
                counts[custom_id] = n
        return counts

    def open_days(self) -> set[date]:
        rows = self.store._read(
            "SELECT DISTINCT r.day FROM batch_requests r JOIN batches b ON b.key = r.batch_key "
            "WHERE b.collected_at IS NULL AND r.outcome IS NULL AND r.day IS NOT NULL "
            "AND b.endpoint != ?",
            (EXPORT,),
        )
        return {date.fromisoformat(day) for (day,) in rows}

    def undone(self, day: date) -> int:
        """Requests of `day` that its batches answered invalidly, failed or never ran, and no
        batch has answered since."""
        rows = self.store._read(
            "SELECT COUNT(DISTINCT r.custom_id) FROM batch_requests r WHERE r.day = ? "
            "AND r.outcome IN ('invalid', 'failed', 'unfinished') AND NOT EXISTS "
            "(SELECT 1 FROM batch_requests o WHERE o.custom_id = r.custom_id AND o.outcome = 'ok')",
            (day.isoformat(),),
        )
        return int(rows[0][0]) if rows else 0

    def most_attempts(self, day: date) -> int:
        """The most attempts batches made at one request of `day` still without an answer."""
        rows = self.store._read(
            "SELECT MAX(n) FROM (SELECT r.custom_id, COUNT(*) AS n FROM batch_requests r "
            "WHERE r.day = ? AND r.outcome IN ('invalid', 'failed') AND NOT EXISTS "
            "(SELECT 1 FROM batch_requests o WHERE o.custom_id = r.custom_id AND o.outcome = 'ok') "
            "GROUP BY r.custom_id)",
            (day.isoformat(),),
        )
        return int(rows[0][0] or 0) if rows else 0

    def queue_full(self, day: date) -> bool:
        """Whether the latest batch of `day` was refused for a full provider queue."""
        rows = self.store._read(
            "SELECT b.error FROM batches b WHERE b.key IN "
            "(SELECT batch_key FROM batch_requests WHERE day = ?) ORDER BY b.created_at DESC, "
            "b.rowid DESC LIMIT 1",
            (day.isoformat(),),
        )
        return bool(rows and (rows[0][0] or "").startswith(QUEUE_FULL))

    def exported(self, custom_ids: Iterable[str]) -> dict[str, tuple[str, RequestRow]]:
        """Requests of exported files by custom_id: (batch key, request)."""
        found: dict[str, tuple[str, RequestRow]] = {}
        for chunk in chunks(custom_ids):
            for r in self.store._read(
                "SELECT r.batch_key, r.custom_id, r.paper_id, r.version, r.kind, "
                "r.prompt_version, r.model, r.day, r.source FROM batch_requests r "
                "JOIN batches b ON b.key = r.batch_key "
                f"WHERE r.custom_id IN ({marks(chunk)}) AND b.endpoint = ? "
                "ORDER BY b.created_at",
                (*chunk, EXPORT),
            ):
                found[r[1]] = (
                    r[0],
                    RequestRow(RequestKey(r[2], r[3], r[4], r[5], r[6]), r[7], r[8]),
                )
        return found


def _counts(state: BatchState) -> dict[str, Any]:
    return {
        "status": state.status,
        "completed": state.completed,
        "failed": state.failed,
        "output_file": state.output_file_id,
        "error_file": state.error_file_id,
        "error": state.error,
    }
