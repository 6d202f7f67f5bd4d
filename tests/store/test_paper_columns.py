"""The papers table's `comment` and `journal_ref` columns (schema step 2), and older stores."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from summarizer.core.records import Paper
from summarizer.store.database import Store
from tests.support import build

OLD_PAPERS = (
    "CREATE TABLE papers (id TEXT PRIMARY KEY, version INTEGER NOT NULL, record TEXT NOT NULL, "
    "fetched_at TEXT NOT NULL)"
)


def _paper(pid: str, *, comment: str | None = None, journal_ref: str | None = None) -> Paper:
    return build.paper(pid, comment=comment, journal_ref=journal_ref)


def _rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT id, comment, journal_ref FROM papers ORDER BY id").fetchall()


def test_a_store_made_before_the_columns_gets_them_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = _paper("2601.00001")
    with sqlite3.connect(path) as conn:
        conn.execute(OLD_PAPERS)
        conn.execute(
            "INSERT INTO papers VALUES (?, 1, ?, '2026-01-06T00:00:00+00:00')",
            (old.id, old.model_dump_json(exclude={"comment", "journal_ref"})),
        )
    store = Store(path)
    store.papers.save(
        [_paper("2601.00002", comment="Accepted to ICASSP 2026", journal_ref="IEEE SPL 33 (2026)")]
    )
    store.close()
    assert _rows(path) == [
        ("2601.00001", None, None),
        ("2601.00002", "Accepted to ICASSP 2026", "IEEE SPL 33 (2026)"),
    ]
    # opening it again (the columns are there now) changes nothing
    again = Store(path)
    assert again.placements.categories_by_day() == {}
    again.close()
    assert len(_rows(path)) == 2
    # the record of an old row still reads as a Paper, without the new fields
    with sqlite3.connect(path) as conn:
        (record,) = conn.execute("SELECT record FROM papers WHERE id = '2601.00001'").fetchone()
    assert Paper.model_validate_json(record).comment is None


def test_a_paper_fetched_again_updates_comment_and_journal_ref(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = Store(path)
    store.papers.save([_paper("2601.00003", comment="Submitted to ICASSP 2026")])
    store.papers.save([_paper("2601.00003", comment="Accepted to ICASSP 2026", journal_ref="J")])
    store.close()
    assert _rows(path) == [("2601.00003", "Accepted to ICASSP 2026", "J")]
