"""Which digest each paper went into (placed once per scheme, never moved), and which days have
been digested, completely or not."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date

from ..core.selection import Listing
from .connection import StoreConnection, now
from .listings import insert_listings


class PlacementTables:
    """The `placements` and `digested_days` tables."""

    def __init__(self, store: StoreConnection) -> None:
        self.store = store

    def days_by_paper(self, *, scheme: str) -> dict[str, date]:
        rows = self.store._read("SELECT paper_id, day FROM placements WHERE scheme = ?", (scheme,))
        return {paper_id: date.fromisoformat(day) for paper_id, day in rows}

    def place(
        self,
        *,
        scheme: str,
        day: date,
        entries: Iterable[tuple[str, str]],
        complete: bool,
        listings: Iterable[Listing] = (),
    ) -> None:
        """Record the digest of `day` as holding exactly these (paper id, category) pairs, and
        the versions it listed (`listings`: its papers, and its revised papers)."""
        rows = [(scheme, pid, day.isoformat(), cat) for pid, cat in entries]
        listed = list(listings)

        def work(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO placements (scheme, paper_id, day, category) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(scheme, paper_id) DO NOTHING",
                rows,
            )
            conn.execute(
                "INSERT OR REPLACE INTO digested_days (scheme, day, finished_at, complete) "
                "VALUES (?, ?, ?, ?)",
                (scheme, day.isoformat(), now(), int(complete)),
            )
            if listed:
                insert_listings(conn, scheme, listed)

        self.store.transaction(work)

    def categories_by_day(self) -> dict[date, dict[str, str]]:
        """For the site: by day, the category each paper was placed under (any scheme; where a
        paper was placed by two schemes on the same day, the mailing's wins)."""
        rows = self.store._read(
            "SELECT day, paper_id, category FROM placements ORDER BY scheme = 'mailing'"
        )
        found: dict[date, dict[str, str]] = {}
        for day, paper_id, category in rows:
            found.setdefault(date.fromisoformat(day), {})[paper_id] = category
        return found

    def digested_days(self, *, scheme: str, complete_only: bool = False) -> set[date]:
        rows = self.store._read(
            "SELECT day FROM digested_days WHERE scheme = ? AND complete >= ?",
            (scheme, int(complete_only)),
        )
        return {date.fromisoformat(day) for (day,) in rows}
