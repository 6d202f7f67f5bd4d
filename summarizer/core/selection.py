"""Which papers a digest holds: its window, cross-list placement, and late arrivals."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

from .days import (
    Window,
    anchored_window,
    announced_at,
    digest_day_for,
    mailing_window,
    previous_digest_day,
)
from .records import Paper

WindowMode = Literal["mailing", "anchored"]
Search = Callable[..., list[Paper]]
SCHEME_MAILING = "mailing"


class PlacedBefore(Protocol):
    """What a digest needs to know of the digests made before it (the store answers it)."""

    def placements(self, *, scheme: str) -> dict[str, date]:
        """Each paper already placed under `scheme`, by id: the day of the digest holding it."""
        ...

    def digested_days(self, *, scheme: str) -> set[date]:
        """The days already digested under `scheme`, completely or not."""
        ...


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
        selector = self.selector(store)
        selector.take(search(categories=self.categories, window=self.query_window))
        return selector.papers()

    def selector(self, store: PlacedBefore) -> Selector:
        """A selector for pages of this plan's query as they arrive (the rules above, per paper;
        the store's placements are read once, now)."""
        self.fetched = 0
        return Selector(
            plan=self,
            placed=store.placements(scheme=self.scheme),
            digested=store.digested_days(scheme=self.scheme),
        )


@dataclass
class Selector:
    """`Plan.papers` a page at a time: `take(page)` returns the papers of the page this digest
    holds (a newer version of one taken before counts again); `papers()`, once every page is
    in, the digest's papers ascending by id, each in its newest version."""

    plan: Plan
    placed: dict[str, date]
    digested: set[date]
    _chosen: dict[str, Paper] = field(default_factory=dict)
    _seen: dict[str, int] = field(default_factory=dict)  # id -> newest version met

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
                self._chosen[paper.id] = paper
                plan.categories_by_id[paper.id] = category
                taken.append(paper)
        return taken

    def papers(self) -> list[Paper]:
        return sorted(self._chosen.values(), key=lambda p: id_sort_key(p.id))


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
