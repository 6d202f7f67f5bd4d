"""What each finished run did: its command, day, status and figures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from ..core.redaction import redact_data
from .connection import StoreConnection, now


class RunTable:
    """The `runs` table."""

    def __init__(self, store: StoreConnection) -> None:
        self.store = store

    def record(
        self,
        *,
        command: str,
        day: date | None,
        started_at: datetime,
        status: str,
        stats: dict[str, Any],
    ) -> None:
        """One finished run. Written at the end, so a run refused for bad input leaves no store.
        Every text in `stats` (an error, a provider's answer) is redacted as it is written."""
        self.store._write(
            "INSERT INTO runs (command, day, started_at, finished_at, status, stats) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                command,
                day.isoformat() if day else None,
                started_at.astimezone(UTC).isoformat(timespec="seconds"),
                now(),
                status,
                json.dumps(redact_data(stats), ensure_ascii=False),
            ),
        )

    def all(self) -> list[dict[str, Any]]:
        rows = self.store._read("SELECT id, command, day, status, stats FROM runs ORDER BY id")
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
