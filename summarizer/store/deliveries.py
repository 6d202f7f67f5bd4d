"""What each push sent (summarizer.deliver): one row per (day, channel, recipient, kind), claimed
by one run at a time so two runs never send the same day to the same place.

A claim names its holder (`holders.new_holder`: host, pid, process start). A delivery left
"sending" by a run that died is taken over at once when its process is gone from this machine;
one held by a live process (or one on another machine) is left alone until its lease lapses.
Errors are redacted as they are written: no stored row holds a secret, whatever a server said.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from ..core.redaction import redact
from .connection import StoreConnection, now
from .holders import holder_alive, new_holder

COLUMNS = "day, channel, recipient, kind, status, sent, total, error, updated_at, claim"


class DeliveryClaim(NamedTuple):
    """What claiming a delivery found: whether this run took it, its status before (or its
    status now, when not taken), the messages already sent, and who holds it now."""

    taken: bool
    status: str
    sent: int
    holder: str | None


class DeliveryTable:
    """The `deliveries` table."""

    def __init__(self, store: StoreConnection) -> None:
        self.store = store

    def claim(
        self,
        *,
        day: date,
        channel: str,
        recipient: str,
        kind: str,
        force: bool,
        lease: float,
        holder: str | None = None,
    ) -> DeliveryClaim:
        """Take this delivery for `holder` (a new one when None).

        Status "sent" (unless `force`) or "sending" by a live holder younger than `lease`
        seconds leaves it alone; anything else becomes "sending" with this holder, in one
        statement, so two runs never send the same day to the same place (two runs finding the
        same dead holder: the first one's statement changes the claim, the second's matches
        nothing).
        """
        holder = holder or new_holder()
        key = (day.isoformat(), channel, recipient, kind)
        where = "day = ? AND channel = ? AND recipient = ? AND kind = ?"
        before = self.store._read(f"SELECT status, claim FROM deliveries WHERE {where}", key)
        dead = None
        if before and before[0][0] == "sending" and before[0][1]:
            dead = None if holder_alive(str(before[0][1])) else str(before[0][1])
        moment = datetime.now(UTC)
        stale = (moment - timedelta(seconds=lease)).isoformat(timespec="seconds")
        self.store._write(
            f"INSERT INTO deliveries ({COLUMNS}) VALUES (?, ?, ?, ?, 'sending', 0, 0, NULL, ?, ?) "
            "ON CONFLICT(day, channel, recipient, kind) DO UPDATE SET status = 'sending', "
            "error = NULL, updated_at = excluded.updated_at, claim = excluded.claim "
            "WHERE status NOT IN ('sent', 'sending') OR (status = 'sent' AND ?) "
            "OR (status = 'sending' AND (updated_at <= ? OR claim = ?))",
            (*key, moment.isoformat(timespec="seconds"), holder, int(force), stale, dead),
        )
        rows = self.store._read(f"SELECT status, sent, claim FROM deliveries WHERE {where}", key)
        status, sent, claim = rows[0]
        previous = str(before[0][0]) if before else "new"
        if claim == holder:
            return DeliveryClaim(True, previous, int(sent), holder)
        return DeliveryClaim(False, str(status), int(sent), str(claim) if claim else None)

    def record(
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
        self.store._write(
            f"INSERT OR REPLACE INTO deliveries ({COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (
                day.isoformat(),
                channel,
                recipient,
                kind,
                status,
                sent,
                total,
                redact(error) if error is not None else None,
                now(),
            ),
        )

    def all(self) -> list[dict[str, Any]]:
        rows = self.store._read("SELECT * FROM deliveries ORDER BY day, channel, recipient, kind")
        names = ("day", "channel", "recipient", "kind", "status", "sent", "total", "error", "at")
        rows = [row[: len(names)] for row in rows]
        return [dict(zip(names, row, strict=True)) for row in rows]
