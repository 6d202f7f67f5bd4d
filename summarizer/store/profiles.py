"""The reader's profile kept in the store: profile files parsed once (keyed by a hash of their
bytes, so an edited file is parsed again), and the copy of a Zotero library with the library
version it was synced at (the next sync asks only for what changed since).

Records are plain JSON objects here (the store sits below the ranking stage that gives them
meaning). The tables come with the schema's first migration (schema.MIGRATIONS), so a store from
before them gains them the first time it is opened.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from .database import Store

KEEP_PARSED = 4  # parsed files kept: the current profile and a few recent edits of it


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class ProfileStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    # profile files ------------------------------------------------------------------------------
    def parsed(self, file_hash: str) -> list[dict[str, Any]] | None:
        """The papers parsed from the file with this hash, or None when it was never parsed."""
        rows = self.store._read(
            "SELECT papers FROM parsed_profiles WHERE file_hash = ?", (file_hash,)
        )
        if not rows:
            return None
        try:
            papers = json.loads(zlib.decompress(rows[0][0]))
        except (zlib.error, ValueError):
            return None  # a damaged row is parsed again, never trusted
        return papers if isinstance(papers, list) else None

    def save_parsed(self, file_hash: str, papers: list[dict[str, Any]]) -> None:
        blob = zlib.compress(json.dumps(papers, ensure_ascii=False).encode("utf-8"), 6)

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO parsed_profiles VALUES (?, ?, ?)", (file_hash, blob, _now())
            )
            conn.execute(
                "DELETE FROM parsed_profiles WHERE file_hash NOT IN (SELECT file_hash FROM "
                "parsed_profiles ORDER BY used_at DESC LIMIT ?)",
                (KEEP_PARSED,),
            )

        self.store.transaction(work)

    # a Zotero library ---------------------------------------------------------------------------
    def zotero_version(self, library: str) -> int | None:
        """The library version the stored copy was synced at (None: never synced)."""
        rows = self.store._read(
            "SELECT version FROM zotero_libraries WHERE library = ?", (library,)
        )
        return int(rows[0][0]) if rows else None

    def zotero_items(self, library: str) -> list[dict[str, Any]]:
        rows = self.store._read(
            "SELECT record FROM zotero_items WHERE library = ? ORDER BY key", (library,)
        )
        return [json.loads(record) for (record,) in rows]

    def save_zotero(
        self,
        library: str,
        *,
        version: int,
        changed: Iterable[tuple[str, int, dict[str, Any]]],
        removed: Iterable[str],
        replace: bool,
    ) -> None:
        """One sync, in one transaction: `changed` (key, item version, record) stored, `removed`
        keys dropped (`replace`: every item not in `changed` too), the library version kept."""
        rows = [(library, key, item_version, json.dumps(record, ensure_ascii=False))
                for key, item_version, record in changed]  # fmt: skip
        gone = [(library, key) for key in removed]

        def work(conn: sqlite3.Connection) -> None:
            if replace:
                conn.execute("DELETE FROM zotero_items WHERE library = ?", (library,))
            conn.executemany("DELETE FROM zotero_items WHERE library = ? AND key = ?", gone)
            conn.executemany("INSERT OR REPLACE INTO zotero_items VALUES (?, ?, ?, ?)", rows)
            conn.execute(
                "INSERT OR REPLACE INTO zotero_libraries VALUES (?, ?, ?)",
                (library, version, _now()),
            )

        self.store.transaction(work)
