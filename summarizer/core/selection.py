"""Which papers a digest holds: its window, cross-list placement, late arrivals, and revisions
(a paper an earlier digest listed, back with a new version whose abstract changed)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol, cast

from .days import (
    Window,
    anchored_window,
    announced_at,
    digest_day_for,
    mailing_window,
    previous_digest_day,
)
from .records import Paper, UpdatedFrom

WindowMode = Literal["mailing", "anchored"]
Search = Callable[..., list[Paper]]
SCHEME_MAILING = "mailing"


@dataclass(frozen=True)
class Listing:
    """One version of a paper as a digest listed it: where it was placed, or as a revision
    (`updated_from` set). `paper` is the record as listed."""

    paper: Paper
    day: date
    category: str
    updated_from: UpdatedFrom | None = None


class Placements(Protocol):
    """Where the digests made before put each paper (the store's `placements` table)."""

    def days_by_paper(self, *, scheme: str) -> dict[str, date]:
        """Each paper already placed under `scheme`, by id: the day of the digest holding it."""
        ...

    def digested_days(self, *, scheme: str) -> set[date]:
        """The days already digested under `scheme`, completely or not."""
        ...


class Listings(Protocol):
    """The versions digests listed (the store's `listings` table)."""

    def earlier(self, ids: Collection[str], *, scheme: str, before: date) -> dict[str, Listing]:
        """The newest version of each paper of `ids` a digest before `before` listed."""
        ...

    def listed_on(self, day: date, *, scheme: str) -> list[Listing]:
        """Every version the digest of `day` listed (its papers, and its revised ones)."""
        ...


class PlacedBefore(Protocol):
    """What a digest needs to know of the digests made before it (the store answers it)."""

    @property
    def placements(self) -> Placements: ...


class ListedBefore(PlacedBefore, Protocol):
    """What revisions need besides the placements: the versions digests listed (the store)."""

    @property
    def listings(self) -> Listings: ...


def same_abstract(one: str, other: str) -> bool:
    """Abstracts compared with their whitespace normalized (arXiv rewraps lines)."""
    return one.split() == other.split()


def id_sort_key(paper_id: str) -> tuple[int, str, int]:
    """New-style ids numerically by (yymm, number); old-style ids (`hep-th/9901001`) before them."""
    if match := re.fullmatch(r"(\d{4})\.(\d{4,5})", paper_id):
        return (1, match.group(1), int(match.group(2)))
    archive, _, number = paper_id.partition("/")
    return (0, archive, int(number) if number.isdigit() else 0)


def place_category(paper: Paper, categories: list[str]) -> str | None:
    """Its primary category when configured, else the first configured category it is listed in."""
    if paper.primary_category in categories:
        return paper.primary_category
    return next((c for c in categories if c in paper.categories), None)


@dataclass
class Plan:
    """One digest day: the window that defines it and the wider query that also catches papers
    which reached the API after their own window had been digested."""

    day: date
    window: Window
    query_window: Window
    categories: list[str]
    scheme: str
    anchor: str | None = None
    display_tz: str = "Asia/Shanghai"
    fetched: int = 0
    categories_by_id: dict[str, str] = field(default_factory=dict)
    updated_from: dict[str, UpdatedFrom] = field(default_factory=dict)  # its revised papers

    @property
    def ready_at(self) -> datetime:
        """When all its papers are known: the mailing's announcement, or the anchored window's
        end. A digest made earlier would be empty or partial, and recorded as done."""
        return announced_at(self.day) if self.scheme == SCHEME_MAILING else self.window.end

    def papers(self, search: Search, *, store: PlacedBefore) -> list[Paper]:
        """The papers this digest holds, ascending by id, from ONE query over `query_window`.

        The store's placements (which digest holds each paper, without version) decide first, so
        a paper appears in one digest only, whatever the order days are run or re-run in:
        - a paper already placed stays where it is: in this digest if placed on this day, in no
          other (re-running an earlier day never pulls back a late paper placed after it);
        - an unplaced paper inside this day's window belongs here;
        - an unplaced paper of an earlier window is late (the API listed it after its own day
          was digested) and comes here, but only when its own day HAS been digested; otherwise
          it waits for that day, so a backfill or a first run never sweeps up older days.
        A late paper found more than `late_days` digest days after its own is not seen at all.
        """
        return self.select(search, store=store).papers()

    def select(
        self, search: Search, *, store: PlacedBefore, revised: Search | None = None
    ) -> Selector:
        """`papers` and, given `revised` (the query of papers updated in a window), the day's
        revised papers too (`Selector.updates`)."""
        selector = self.selector(store, updates=revised is not None)
        selector.take(search(categories=self.categories, window=self.query_window))
        if revised is not None and selector.revisable:
            selector.take_revised(revised(categories=self.categories, window=self.window))
        return selector

    def selector(self, store: PlacedBefore, *, updates: bool = False) -> Selector:
        """A selector for pages of this plan's query as they arrive (the rules above, per paper;
        the store's placements are read once, now). `updates` (the store a ListedBefore):
        revised papers are listed, and what this day listed before stays as it was."""
        self.fetched = 0
        self.categories_by_id.clear()
        self.updated_from.clear()
        selector = Selector(
            plan=self,
            placed=store.placements.days_by_paper(scheme=self.scheme),
            digested=store.placements.digested_days(scheme=self.scheme),
        )
        if updates:
            selector.follow_revisions(cast(ListedBefore, store))
        return selector


@dataclass
class Selector:
    """`Plan.papers` a page at a time: `take(page)` returns the papers of the page this digest
    holds (a newer version of one taken before counts again); `papers()`, once every page is
    in, the digest's papers ascending by id, each in its newest version.

    Following revisions (`follow_revisions`), `take_revised(page)` takes from a page of papers
    updated in the day's window those an earlier digest listed whose abstract changed since
    (`updates()`); what this day listed before is kept: its papers in the version listed (a
    re-run does not pay for a newer one, which is another day's revision), its revisions too.
    """

    plan: Plan
    placed: dict[str, date]
    digested: set[date]
    _chosen: dict[str, Paper] = field(default_factory=dict)
    _seen: dict[str, int] = field(default_factory=dict)  # id -> newest version met
    _store: ListedBefore | None = None
    _pinned: dict[str, Paper] = field(default_factory=dict)  # id -> the version listed here
    _updates: dict[str, Paper] = field(default_factory=dict)
    _recorded: list[Paper] = field(default_factory=list)  # revisions listed here before

    @property
    def revisable(self) -> bool:
        """Whether a revision could be listed: an earlier digest placed some paper."""
        return self._store is not None and any(d < self.plan.day for d in self.placed.values())

    def follow_revisions(self, store: ListedBefore) -> None:
        self._store = store
        for listing in store.listings.listed_on(self.plan.day, scheme=self.plan.scheme):
            paper = listing.paper
            if listing.updated_from is None:
                pinned = self._pinned.get(paper.id)
                if pinned is None or pinned.version < paper.version:
                    self._pinned[paper.id] = paper
            elif paper.id not in self._updates:
                self._listed_as_update(paper, listing.category, listing.updated_from)
                self._recorded.append(paper)

    def _listed_as_update(self, paper: Paper, category: str, source: UpdatedFrom) -> None:
        self._updates[paper.id] = paper
        self.plan.categories_by_id[paper.id] = category
        self.plan.updated_from[paper.id] = source

    def take(self, page: Iterable[Paper]) -> list[Paper]:
        plan, taken = self.plan, []
        for paper in page:
            newest = self._seen.get(paper.id)
            if newest is not None and newest >= paper.version:
                continue
            self._seen[paper.id] = paper.version
            in_window = paper.published in plan.window
            plan.fetched += in_window and newest is None
            category = place_category(paper, plan.categories)
            if category is None:
                continue
            if paper.id in self.placed:
                keep = self.placed[paper.id] == plan.day
            elif in_window:
                keep = True
            else:
                # A late arrival: its own window was digested before the API listed it.
                keep = (
                    plan.scheme == SCHEME_MAILING
                    and digest_day_for(paper.published) in self.digested
                )
            if keep:
                pinned = self._pinned.get(paper.id)
                if pinned is not None and pinned.version < paper.version:
                    paper = pinned  # listed here in that version; the newer is a revision
                self._chosen[paper.id] = paper
                plan.categories_by_id[paper.id] = category
                taken.append(paper)
        return taken

    def take_revised(self, page: Iterable[Paper]) -> list[Paper]:
        """The revised papers of `page` (papers updated in the day's window) this day lists."""
        plan, store = self.plan, self._store
        if store is None:
            return []
        candidates = {
            p.id: p
            for p in page
            if p.version > 1
            and self.placed.get(p.id, plan.day) < plan.day
            and p.id not in self._updates
            and p.id not in self._chosen
        }
        if not candidates:
            return []
        before = store.listings.earlier(list(candidates), scheme=plan.scheme, before=plan.day)
        taken = []
        for paper in candidates.values():
            listed = before.get(paper.id)
            if listed is None or paper.version <= listed.paper.version:
                continue
            if same_abstract(paper.abstract, listed.paper.abstract):
                continue  # a new version with the same abstract: nothing to say, nothing paid
            category = place_category(paper, plan.categories)
            if category is None:
                continue
            self._listed_as_update(
                paper, category, UpdatedFrom(version=listed.paper.version, day=listed.day)
            )
            taken.append(paper)
        return taken

    def recorded_updates(self) -> list[Paper]:
        """The revisions listed before on this day (a re-run lists them again)."""
        return list(self._recorded)

    def papers(self) -> list[Paper]:
        return sorted(self._chosen.values(), key=lambda p: id_sort_key(p.id))

    def updates(self) -> list[Paper]:
        """The day's revised papers, ascending by id, in the version listed."""
        return sorted(self._updates.values(), key=lambda p: id_sort_key(p.id))


def plan_day(
    day: date,
    *,
    categories: list[str],
    mode: WindowMode = "mailing",
    anchor: str = "08:50",
    tz: str = "Asia/Shanghai",
    late_days: int = 3,
) -> Plan:
    """The plan for `day`; raises window.NoMailing for a weekend in mailing mode."""
    if mode == "anchored":
        window = anchored_window(day, anchor=anchor, tz=tz)
        return Plan(
            day=day,
            window=window,
            query_window=window,
            categories=categories,
            scheme=f"anchored {anchor} {tz}",
            anchor=anchor,
            display_tz=tz,
        )
    window = mailing_window(day)
    earliest = day
    for _ in range(late_days):
        earliest = previous_digest_day(earliest)
    return Plan(
        day=day,
        window=window,
        query_window=Window(mailing_window(earliest).start, window.end),
        categories=categories,
        scheme=SCHEME_MAILING,
    )
