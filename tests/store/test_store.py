"""The SQLite store: lazy creation, summaries keyed by (id, version, prompt version, model)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from summarizer.core.records import UpdatedFrom
from summarizer.core.selection import Listing
from summarizer.store.database import Store
from summarizer.store.schema import MIGRATIONS, apply_schema
from tests.support.build import paper, summary


def test_reading_creates_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "out" / "s.sqlite3")
    assert (
        store.papers.summaries([paper("2601.00001")], kind="brief", prompt_version="p", model="m")
        == {}
    )
    assert store.placements.days_by_paper(scheme="mailing") == {}
    assert not (tmp_path / "out").exists()


def test_summaries_are_keyed_by_version_prompt_and_model(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.papers.save_summary(summary("2601.00001"))
    store.papers.save_summary(summary("2601.00002", version=2))
    key = {"kind": "brief", "prompt_version": "brief@1", "model": "m"}
    found = store.papers.summaries([paper("2601.00001"), paper("2601.00002", 2)], **key)  # type: ignore[arg-type]
    assert set(found) == {"2601.00001", "2601.00002"}
    assert found["2601.00001"].usage.prompt_tokens == 10
    # a new version, a new prompt or another model is not served from the old answer
    assert store.papers.summaries([paper("2601.00002", 3)], **key) == {}  # type: ignore[arg-type]
    assert (
        store.papers.summaries(
            [paper("2601.00001")], kind="brief", prompt_version="brief@2", model="m"
        )
        == {}
    )
    assert (
        store.papers.summaries(
            [paper("2601.00001")], kind="brief", prompt_version="brief@1", model="n"
        )
        == {}
    )
    store.close()
    reopened = Store(tmp_path / "s.sqlite3")
    assert set(reopened.papers.summaries([paper("2601.00001")], **key)) == {"2601.00001"}  # type: ignore[arg-type]


def test_a_paper_is_placed_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.placements.place(
        scheme="mailing", day=date(2026, 1, 7), entries=[("2601.1", "cs.SD")], complete=True
    )
    store.placements.place(
        scheme="mailing", day=date(2026, 1, 8), entries=[("2601.1", "cs.SD")], complete=False
    )
    assert store.placements.days_by_paper(scheme="mailing") == {"2601.1": date(2026, 1, 7)}
    assert store.placements.days_by_paper(scheme="anchored 08:50 Asia/Shanghai") == {}
    assert store.placements.digested_days(scheme="mailing") == {date(2026, 1, 7), date(2026, 1, 8)}
    assert store.placements.digested_days(scheme="mailing", complete_only=True) == {
        date(2026, 1, 7)
    }


def test_newer_paper_version_wins(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.papers.save([paper("2601.00001", 2)])
    store.papers.save([paper("2601.00001", 1)])
    conn = store._connect(create=False)
    assert conn is not None
    assert conn.execute("SELECT version FROM papers").fetchall() == [(2,)]


def test_every_listed_version_is_kept_with_its_record(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    first, later = date(2026, 1, 7), date(2026, 1, 12)
    v1, v2 = paper("2601.00001", 1, abstract="One."), paper("2601.00001", 2, abstract="Two.")
    store.placements.place(
        scheme="mailing",
        day=first,
        entries=[(v1.id, "cs.SD")],
        complete=True,
        listings=[Listing(v1, first, "cs.SD")],
    )
    revision = Listing(v2, later, "cs.SD", UpdatedFrom(version=1, day=first))
    store.placements.place(
        scheme="mailing", day=later, entries=[], complete=True, listings=[revision]
    )
    # the same version listed again (a re-run) keeps its first listing
    store.placements.place(
        scheme="mailing",
        day=date(2026, 1, 13),
        entries=[],
        complete=True,
        listings=[Listing(v2, date(2026, 1, 13), "eess.AS")],
    )
    assert store.placements.days_by_paper(scheme="mailing") == {
        v1.id: first
    }  # a revision moves nothing
    assert store.listings.listed_on(later, scheme="mailing") == [revision]
    assert store.listings.listed_on(first, scheme="mailing") == [Listing(v1, first, "cs.SD")]
    assert store.listings.earlier([v1.id, "2601.00009"], scheme="mailing", before=later) == {
        v1.id: Listing(v1, first, "cs.SD")
    }
    assert store.listings.earlier([v1.id], scheme="mailing", before=date(2026, 1, 20)) == {
        v1.id: revision
    }
    assert (
        store.listings.earlier([v1.id], scheme="anchored 08:50 Asia/Shanghai", before=later) == {}
    )


def test_a_paper_placed_before_listings_were_kept_is_known_by_its_stored_record(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "s.sqlite3")
    old = paper("2601.00001", 1, abstract="As summarized.")
    store.papers.save([old])
    store.placements.place(
        scheme="mailing", day=date(2026, 1, 7), entries=[(old.id, "cs.SD")], complete=True
    )
    store.placements.place(
        scheme="mailing", day=date(2026, 1, 7), entries=[("2601.00002", "cs.SD")], complete=True
    )
    found = store.listings.earlier(
        [old.id, "2601.00002"], scheme="mailing", before=date(2026, 1, 8)
    )
    assert found == {old.id: Listing(old, date(2026, 1, 7), "cs.SD")}  # no record, no baseline


def test_a_store_of_the_previous_schema_gains_the_listings_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    conn = sqlite3.connect(path)
    apply_schema(conn, path, migrations=MIGRATIONS[:1])  # a store made before revisions
    conn.close()
    store = Store(path)
    day = date(2026, 1, 7)
    assert store.listings.listed_on(day, scheme="mailing") == []
    listed = Listing(paper("2601.00001"), day, "cs.SD")
    store.placements.place(scheme="mailing", day=day, entries=[], complete=True, listings=[listed])
    assert store.listings.listed_on(day, scheme="mailing") == [listed]
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
