"""Which papers a digest holds, decided against what was placed before: the selection asks only a
`PlacedBefore` (ids -> day, days digested), here an in-memory one, never the store."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from summarizer.core.records import Paper, UpdatedFrom
from summarizer.core.selection import (
    SCHEME_MAILING,
    Listing,
    PlacedBefore,
    Plan,
    id_sort_key,
    plan_day,
)

DAY = date(2026, 1, 8)  # window: 2026-01-06 19:00 to 2026-01-07 19:00 UTC
OWN = datetime(2026, 1, 7, 12, tzinfo=UTC)  # inside DAY's window
EARLIER = datetime(2026, 1, 6, 12, tzinfo=UTC)  # inside 2026-01-07's window


@dataclass
class Placed:
    """What the store answers, held in memory; counts the questions asked."""

    placed: dict[str, date] = field(default_factory=dict)
    digested: set[date] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)

    @property
    def placements(self) -> Placed:  # the store and its placements table in one
        return self

    def days_by_paper(self, *, scheme: str) -> dict[str, date]:
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


# --- revisions ---------------------------------------------------------------------------------

FIRST_DAY = date(2026, 1, 7)


@dataclass
class Listed(Placed):
    """What the store answers about listed versions, held in memory."""

    listed: list[Listing] = field(default_factory=list)

    @property
    def listings(self) -> Listed:  # the store and its listings table in one
        return self

    def earlier(self, ids: Collection[str], *, scheme: str, before: date) -> dict[str, Listing]:
        self.asked.append(f"listings {sorted(ids)}")
        newest: dict[str, Listing] = {}
        for item in self.listed:
            pid = item.paper.id
            newer = pid not in newest or item.paper.version > newest[pid].paper.version
            if pid in ids and item.day < before and newer:
                newest[pid] = item
        return newest

    def listed_on(self, day: date, *, scheme: str) -> list[Listing]:
        return [item for item in self.listed if item.day == day]

    def list_first(self, *papers: Paper, day: date = FIRST_DAY) -> None:
        for p in papers:
            self.placed[p.id] = day
            self.listed.append(Listing(p, day, p.primary_category))


def revised(earlier: Paper, abstract: str, version: int = 2) -> Paper:
    return earlier.model_copy(update={"version": version, "abstract": abstract})


def select_with_revisions(
    store: Listed, found: list[Paper], revisions: list[Paper], day: date = DAY
) -> tuple[list[Paper], list[Paper], Plan]:
    plan = plan_day(day, categories=["cs.SD", "eess.AS"])

    def search(**query: Any) -> list[Paper]:
        return found

    def updated(**query: Any) -> list[Paper]:
        assert query == {"categories": plan.categories, "window": plan.window}
        return revisions

    selector = plan.select(search, store=store, revised=updated)
    return selector.papers(), selector.updates(), plan


def test_a_listed_paper_back_with_a_changed_abstract_is_an_update() -> None:
    store = Listed()
    one, two, three = (paper(f"2601.0000{n}", EARLIER) for n in (1, 2, 3))
    store.list_first(one, two, three)
    back = [
        revised(one, "A new abstract."),
        revised(two, " x \n"),  # the same words, rewrapped: nothing to say, nothing paid
        revised(three, "x", version=1),  # no new version
        revised(paper("2512.00009", EARLIER), "Never listed here."),
    ]
    papers, updates, plan = select_with_revisions(store, [paper("2601.00100", OWN)], back)
    assert [p.id for p in papers] == ["2601.00100"]
    assert [(p.id, p.version) for p in updates] == [("2601.00001", 2)]
    assert plan.updated_from == {"2601.00001": UpdatedFrom(version=1, day=FIRST_DAY)}
    assert plan.categories_by_id["2601.00001"] == "cs.SD"
    assert store.asked[-1] == "listings ['2601.00001', '2601.00002']"  # only what could be


def test_a_revision_is_judged_against_the_newest_listing_before_the_day() -> None:
    store = Listed()
    first = paper("2601.00001", EARLIER)
    store.list_first(first)
    second = revised(first, "Second abstract.")
    store.listed.append(
        Listing(second, date(2026, 1, 8), "cs.SD", UpdatedFrom(version=1, day=FIRST_DAY))
    )
    later = date(2026, 1, 12)
    _, updates, plan = select_with_revisions(
        store, [], [revised(first, "Second abstract.", 3)], later
    )
    assert updates == []  # v3 says what v2 said
    _, updates, plan = select_with_revisions(store, [], [revised(first, "Third.", 3)], later)
    assert plan.updated_from == {first.id: UpdatedFrom(version=2, day=date(2026, 1, 8))}


def test_a_rerun_lists_what_the_day_listed_before() -> None:
    store = Listed()
    first = paper("2601.00001", EARLIER)
    store.list_first(first)
    own = paper("2601.00100", OWN)
    store.list_first(own, day=DAY)
    update = revised(first, "New.")
    store.listed.append(Listing(update, DAY, "cs.SD", UpdatedFrom(version=1, day=FIRST_DAY)))
    # arXiv now lists v3 of the first (another day's revision) and v2 of the day's own paper
    papers, updates, plan = select_with_revisions(
        store, [revised(own, "Own, revised.")], [revised(first, "Newer.", 3)]
    )
    assert papers == [own]  # in the version this day listed
    assert updates == [update]
    assert plan.updated_from == {first.id: UpdatedFrom(version=1, day=FIRST_DAY)}


def test_no_query_of_revisions_without_an_earlier_digest() -> None:
    plan = plan_day(DAY, categories=["cs.SD"])
    store = Listed()
    store.list_first(paper("2601.00100", OWN), day=DAY)
    assert not plan.selector(store, updates=True).revisable
    assert not plan.selector(store).revisable  # revisions not followed at all
    store.list_first(paper("2601.00001", EARLIER))
    assert plan.selector(store, updates=True).revisable
