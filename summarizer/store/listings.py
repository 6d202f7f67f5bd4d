"""Every version of a paper a digest listed, with its record as listed: where it was placed first,
and each revision listed under 更新 since. A revision is judged against the newest version
listed before (its abstract), and a re-run of a day lists exactly what it listed before."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from ..core.records import Paper, UpdatedFrom
from ..core.selection import Listing
from .connection import StoreConnection, chunks, marks

_COLUMNS = "paper_id, version, day, category, record, from_version, from_day"


def insert_listings(conn: sqlite3.Connection, scheme: str, listings: Iterable[Listing]) -> None:
    """Record these listings (inside the caller's transaction); a version listed before keeps
    its first listing."""
    conn.executemany(
        f"INSERT INTO listings (scheme, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(scheme, paper_id, version) DO NOTHING",
        [
            (
                scheme,
                item.paper.id,
                item.paper.version,
                item.day.isoformat(),
                item.category,
                item.paper.model_dump_json(),
                item.updated_from.version if item.updated_from else None,
                item.updated_from.day.isoformat() if item.updated_from else None,
            )
            for item in listings
        ],
    )


def _listing(row: tuple[Any, ...]) -> Listing:
    _, _, day, category, record, from_version, from_day = row
    source = (
        UpdatedFrom(version=from_version, day=date.fromisoformat(from_day))
        if from_version is not None and from_day is not None
        else None
    )
    return Listing(
        paper=Paper.model_validate_json(record),
        day=date.fromisoformat(day),
        category=category,
        updated_from=source,
    )


class ListingTables:
    """The `listings` table (and, for days digested before it existed, the papers table)."""

    def __init__(self, store: StoreConnection) -> None:
        self.store = store

    def earlier(self, ids: Collection[str], *, scheme: str, before: date) -> dict[str, Listing]:
        """The newest version of each paper of `ids` a digest before `before` listed. A paper
        placed by a summarizer that kept no listings is known by its stored record, if any."""
        newest: dict[str, tuple[Any, ...]] = {}
        for chunk in chunks(sorted(set(ids))):
            rows = self.store._read(
                f"SELECT {_COLUMNS} FROM listings WHERE scheme = ? AND day < ? "
                f"AND paper_id IN ({marks(chunk)})",
                (scheme, before.isoformat(), *chunk),
            )
            for row in rows:
                if row[0] not in newest or row[1] > newest[row[0]][1]:
                    newest[row[0]] = row
        found = {pid: _listing(row) for pid, row in newest.items()}
        unknown = sorted(set(ids) - found.keys())
        for chunk in chunks(unknown):
            rows = self.store._read(
                "SELECT p.paper_id, papers.version, p.day, p.category, papers.record, NULL, NULL "
                "FROM placements AS p JOIN papers ON papers.id = p.paper_id "
                f"WHERE p.scheme = ? AND p.day < ? AND p.paper_id IN ({marks(chunk)})",
                (scheme, before.isoformat(), *chunk),
            )
            found.update({row[0]: _listing(row) for row in rows})
        return found

    def listed_on(self, day: date, *, scheme: str) -> list[Listing]:
        """Every version the digest of `day` listed."""
        rows = self.store._read(
            f"SELECT {_COLUMNS} FROM listings WHERE scheme = ? AND day = ? "
            "ORDER BY paper_id, version",
            (scheme, day.isoformat()),
        )
        return [_listing(row) for row in rows]
