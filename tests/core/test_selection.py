"""Which papers a digest holds, decided against what was placed before: the selection asks only a
`PlacedBefore` (ids -> day, days digested), here an in-memory one, never the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from summarizer.core.records import Paper
from summarizer.core.selection import SCHEME_MAILING, PlacedBefore, id_sort_key, plan_day

DAY = date(2026, 1, 8)  # window: 2026-01-06 19:00 to 2026-01-07 19:00 UTC
OWN = datetime(2026, 1, 7, 12, tzinfo=UTC)  # inside DAY's window
EARLIER = datetime(2026, 1, 6, 12, tzinfo=UTC)  # inside 2026-01-07's window


@dataclass
class Placed:
    """What the store answers, held in memory; counts the questions asked."""

    placed: dict[str, date] = field(default_factory=dict)
    digested: set[date] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)

    def placements(self, *, scheme: str) -> dict[str, date]:
        self.asked.append(f"placements {scheme}")
        return dict(self.placed)

    def digested_days(self, *, scheme: str) -> set[date]:
        self.asked.append(f"digested {scheme}")
        return set(self.digested)


def paper(pid: str, published: datetime, *, version: int = 1, category: str = "cs.SD") -> Paper:
    return Paper(
        id=pid,
        version=version,
        title=f"Paper {pid}",
        authors=["A"],
        primary_category=category,
        categories=[category],
        published=published,
        abstract="x",
        pdf_url=f"https://arxiv.org/pdf/{pid}v{version}",
    )


def select(placed: PlacedBefore, found: list[Paper], day: date = DAY) -> list[str]:
    plan = plan_day(day, categories=["cs.SD", "eess.AS"])

    def search(**query: Any) -> list[Paper]:
        assert query == {"categories": plan.categories, "window": plan.query_window}
        return found

    return [p.id for p in plan.papers(search, store=placed)]


def test_a_paper_of_the_window_not_placed_before_belongs_here() -> None:
    placed = Placed()
    found = [
        paper("2601.00010", OWN),
        paper("2601.00002", OWN),
        paper("2601.00003", OWN, category="cs.LG"),
    ]
    assert select(placed, found) == ["2601.00002", "2601.00010"]  # by id, unlisted category out
    assert placed.asked == [f"placements {SCHEME_MAILING}", f"digested {SCHEME_MAILING}"]


def test_a_placed_paper_stays_in_its_own_digest() -> None:
    placed = Placed(placed={"2601.00001": DAY, "2601.00002": date(2026, 1, 9)})
    found = [paper("2601.00001", OWN), paper("2601.00002", OWN)]
    assert select(placed, found) == ["2601.00001"]


def test_a_late_paper_comes_only_once_its_own_day_was_digested() -> None:
    late = [paper("2601.00005", EARLIER)]
    assert select(Placed(), late) == []  # its own day (01-07) waits for it
    assert select(Placed(digested={date(2026, 1, 7)}), late) == ["2601.00005"]


def test_a_newer_version_is_taken_once_in_its_newest_version() -> None:
    found = [
        paper("2601.00001", OWN),
        paper("2601.00001", OWN, version=3),
        paper("2601.00001", OWN, version=2),
    ]
    plan = plan_day(DAY, categories=["cs.SD"])
    selector = plan.selector(Placed())
    assert [p.version for p in selector.take(found)] == [1, 3]
    assert [(p.id, p.version) for p in selector.papers()] == [("2601.00001", 3)]
    assert plan.fetched == 1


def test_old_style_ids_sort_before_new_ones() -> None:
    ids = ["2601.00010", "hep-th/9901001", "2512.99999", "2601.00002"]
    assert sorted(ids, key=id_sort_key) == [
        "hep-th/9901001",
        "2512.99999",
        "2601.00002",
        "2601.00010",
    ]
