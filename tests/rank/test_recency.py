"""Recency: a profile paper's weight halves with each half-life of age (rank/recency.py), and on
the evaluation's recency folds (an older topic and a recent one in one profile) the recent topic
comes first with the default half-life where equal weights leave the two mixed."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from benchmarks import eval_rank
from summarizer.rank.profile import ProfilePaper
from summarizer.rank.recency import recency_weights
from summarizer.store.database import Store

NEWEST = datetime(2025, 11, 3, 9, 30, tzinfo=UTC)


def paper(key: str, added: datetime | None) -> ProfilePaper:
    return ProfilePaper(key=key, title=key, abstract="", added=added)


def test_a_paper_weighs_half_for_each_half_life_of_age_and_the_undated_as_the_newest() -> None:
    profile = [
        paper("new", NEWEST),
        paper("one", NEWEST - timedelta(days=100)),
        paper("two", NEWEST - timedelta(days=200)),
        paper("undated", None),
        paper("naive", (NEWEST - timedelta(days=100)).replace(tzinfo=None)),  # a CSV's date
    ]
    weights = recency_weights(profile, half_life=100)
    assert weights == pytest.approx([1.0, 0.5, 0.25, 1.0, 0.5])


@pytest.mark.parametrize(
    ("added", "half_life"),
    [
        ([NEWEST, NEWEST - timedelta(days=400)], 0.0),  # no half-life
        ([NEWEST, NEWEST, None], 365.0),  # no two dates apart
        ([None, None], 365.0),  # nothing dated (arXiv ids, BibTeX)
        ([], 365.0),
    ],
)
def test_equal_weights_are_no_weights(added: list[datetime | None], half_life: float) -> None:
    profile = [paper(str(n), a) for n, a in enumerate(added)]
    assert recency_weights(profile, half_life=half_life) is None


@pytest.fixture(scope="module")
def recency() -> list[tuple[str, float, float]]:
    """Each recency fold's share of (recent, older) pairs ranked recent first, with equal weights
    and with the default half-life."""
    papers, _, folds = eval_rank.load()
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "eval.sqlite3")
        for fold in eval_rank.recency_folds(papers, folds):
            share = [
                eval_rank.recent_first(
                    eval_rank.ranks(eval_rank.ranked(fold, papers, store, half_life=h), fold.day),
                    fold,
                )["first"]
                for h in (0.0, eval_rank.HALF_LIFE)
            ]
            found.append((fold.topic, float(share[0]), float(share[1])))  # type: ignore[arg-type]
        store.close()
    return found


def test_recent_interests_come_first_on_every_recency_fold(
    recency: list[tuple[str, float, float]],
) -> None:
    assert len(recency) >= 6
    for topic, equal, decayed in recency:
        assert decayed >= equal, topic
    assert np.mean([decayed for _, _, decayed in recency]) >= 0.85
    assert np.mean([decayed for _, _, decayed in recency]) > np.mean([e for _, e, _ in recency])
