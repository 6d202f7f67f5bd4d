"""The SQLite store: lazy creation, summaries keyed by (id, version, prompt version, model)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from summarizer.store.database import Store
from tests.support.build import paper, summary


def test_reading_creates_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "out" / "s.sqlite3")
    assert store.summaries([paper("2601.00001")], kind="brief", prompt_version="p", model="m") == {}
    assert store.placements(scheme="mailing") == {}
    assert not (tmp_path / "out").exists()


def test_summaries_are_keyed_by_version_prompt_and_model(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.save_summary(summary("2601.00001"))
    store.save_summary(summary("2601.00002", version=2))
    key = {"kind": "brief", "prompt_version": "brief@1", "model": "m"}
    found = store.summaries([paper("2601.00001"), paper("2601.00002", 2)], **key)  # type: ignore[arg-type]
    assert set(found) == {"2601.00001", "2601.00002"}
    assert found["2601.00001"].usage.prompt_tokens == 10
    # a new version, a new prompt or another model is not served from the old answer
    assert store.summaries([paper("2601.00002", 3)], **key) == {}  # type: ignore[arg-type]
    assert (
        store.summaries([paper("2601.00001")], kind="brief", prompt_version="brief@2", model="m")
        == {}
    )
    assert (
        store.summaries([paper("2601.00001")], kind="brief", prompt_version="brief@1", model="n")
        == {}
    )
    store.close()
    reopened = Store(tmp_path / "s.sqlite3")
    assert set(reopened.summaries([paper("2601.00001")], **key)) == {"2601.00001"}  # type: ignore[arg-type]


def test_a_paper_is_placed_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.place(
        scheme="mailing", day=date(2026, 1, 7), entries=[("2601.1", "cs.SD")], complete=True
    )
    store.place(
        scheme="mailing", day=date(2026, 1, 8), entries=[("2601.1", "cs.SD")], complete=False
    )
    assert store.placements(scheme="mailing") == {"2601.1": date(2026, 1, 7)}
    assert store.placements(scheme="anchored 08:50 Asia/Shanghai") == {}
    assert store.digested_days(scheme="mailing") == {date(2026, 1, 7), date(2026, 1, 8)}
    assert store.digested_days(scheme="mailing", complete_only=True) == {date(2026, 1, 7)}


def test_newer_paper_version_wins(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.save_papers([paper("2601.00001", 2)])
    store.save_papers([paper("2601.00001", 1)])
    conn = store._connect(create=False)
    assert conn is not None
    assert conn.execute("SELECT version FROM papers").fetchall() == [(2,)]
