"""What each push sent (summarizer.deliver): one row per (day, channel, recipient, kind), claimed
by one run at a time so two runs never send the same day to the same place."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .connection import StoreConnection, now

COLUMNS = "day, channel, recipient, kind, status, sent, total, error, updated_at, claim"


class DeliveryTable(StoreConnection):
    """The `deliveries` table."""

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
        token, moment = secrets.token_hex(8), datetime.now(UTC)
        stale = (moment - timedelta(seconds=lease)).isoformat(timespec="seconds")
        self._write(
            f"INSERT INTO deliveries ({COLUMNS}) VALUES (?, ?, ?, ?, 'sending', 0, 0, NULL, ?, ?) "
            "ON CONFLICT(day, channel, recipient, kind) DO UPDATE SET status = 'sending', "
            "error = NULL, updated_at = excluded.updated_at, claim = excluded.claim "
            "WHERE status NOT IN ('sent', 'sending') OR (status = 'sent' AND ?) "
            "OR (status = 'sending' AND updated_at <= ?)",
            (*key, moment.isoformat(timespec="seconds"), token, int(force), stale),
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
            f"INSERT OR REPLACE INTO deliveries ({COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (day.isoformat(), channel, recipient, kind, status, sent, total, error, now()),
        )

    def deliveries(self) -> list[dict[str, Any]]:
        rows = self._read("SELECT * FROM deliveries ORDER BY day, channel, recipient, kind")
        names = ("day", "channel", "recipient", "kind", "status", "sent", "total", "error", "at")
        rows = [row[: len(names)] for row in rows]
        return [dict(zip(names, row, strict=True)) for row in rows]
