"""Two weeks of papers around the US switch to daylight saving (2026-03-08), for backfills: a paper
every 3 hours, weekends included, and papers on the edges of the mailing windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from summarizer_standins.synthetic import synthetic_papers

from summarizer.core.days import mailing_window
from summarizer.core.records import Paper
from tests.support.build import CATEGORIES
from tests.support.cli import Stage

FIRST, LAST = date(2026, 3, 2), date(2026, 3, 13)  # Monday .. Friday of the next week
WEEKDAYS = [
    FIRST + timedelta(days=i) for i in range(12) if (FIRST + timedelta(days=i)).weekday() < 5
]
STEP = timedelta(hours=3)
# Edges of windows next to the DST change, with their digest day worked out by hand:
# before 2026-03-08 New York is UTC-5 (14:00 = 19:00Z), after it UTC-4 (14:00 = 18:00Z).
EDGES = {
    "2603.00001": (datetime(2026, 3, 5, 18, 59, 59, tzinfo=UTC), date(2026, 3, 6)),  # Thu 13:59:59
    "2603.00002": (datetime(2026, 3, 5, 19, 0, 0, tzinfo=UTC), date(2026, 3, 9)),  # Thu 14:00 EST
    "2603.00003": (datetime(2026, 3, 6, 19, 0, 0, tzinfo=UTC), date(2026, 3, 10)),  # Fri 14:00 EST
    "2603.00004": (datetime(2026, 3, 8, 7, 30, 0, tzinfo=UTC), date(2026, 3, 10)),  # Sun, the jump
    "2603.00005": (datetime(2026, 3, 9, 17, 59, 59, tzinfo=UTC), date(2026, 3, 10)),  # Mon 13:59:59
    "2603.00006": (datetime(2026, 3, 9, 18, 0, 0, tzinfo=UTC), date(2026, 3, 11)),  # Mon 14:00 EDT
    "2603.00007": (datetime(2026, 3, 9, 18, 30, 0, tzinfo=UTC), date(2026, 3, 11)),  # was 13:30 EST
}


def every_three_hours(start: datetime, end: datetime, *, prefix: str, seed: int = 0) -> list[Paper]:
    """Papers published exactly at start, start + 3 h, ... (< end), ids ascending with time."""
    n = int((end - start) / STEP)
    # synthetic_papers spreads n papers at the middles of n equal slots: shift by half a slot
    return synthetic_papers(
        n,
        day_window_start=start - STEP / 2,
        day_window_end=start - STEP / 2 + n * STEP,
        categories=CATEGORIES,
        id_prefix=prefix,
        seed=seed,
    )


def at(paper_id: str, instant: datetime, title: str) -> Paper:
    """A synthetic paper `paper_id` published exactly at `instant`."""
    (paper,) = synthetic_papers(
        1,
        day_window_start=instant - timedelta(seconds=1),
        day_window_end=instant + timedelta(seconds=1),
        categories=CATEGORIES,
        id_prefix=paper_id.split(".")[0],
        seed=sum(map(ord, paper_id)),
    )
    return paper.model_copy(update={"id": paper_id, "published": instant, "title": title})


def two_weeks() -> list[Paper]:
    """The grid from before the first window (Thu 2026-02-26 14:00 EST) to after the last (Thu
    03-12 14:00), and the edge papers."""
    grid = every_three_hours(
        datetime(2026, 2, 24, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC), prefix="2602"
    )
    edges = [at(pid, instant, f"Edge Case Paper {pid}") for pid, (instant, _) in EDGES.items()]
    return grid + edges


def expected_day(paper: Paper, among: list[date] = WEEKDAYS) -> date | None:
    """The digest day of `among` whose mailing window holds the paper (None: outside)."""
    days = [d for d in among if paper.published in mailing_window(d)]
    assert len(days) <= 1, (paper.id, days)  # the windows never overlap
    return days[0] if days else None


def week(stage: Stage) -> dict[str, date]:
    """Serve a paper every 3 hours for the digests of Monday 2026-03-02 .. Friday 03-06 on the
    stage's arXiv; the digest day each paper belongs to."""
    corpus = every_three_hours(
        datetime(2026, 2, 26, tzinfo=UTC), datetime(2026, 3, 6, tzinfo=UTC), prefix="2602"
    )
    for paper in corpus:
        stage.arxiv.add(paper)
    return {p.id: d for p in corpus if (d := expected_day(p, WEEKDAYS[:5])) is not None}
