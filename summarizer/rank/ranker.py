"""The ranking stage: exclusions, a score and a reason per paper, and the day's top N."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.records import Entry, Paper
from ..publish.render import id_key
from ..store.database import Store
from .interests import Interests
from .profile import FetchIds, ProfilePaper, reader_profile
from .similarity import Similarity
from .vectors import VectorSource

if TYPE_CHECKING:
    from .zotero import ZoteroProfile

log = logging.getLogger(__name__)
KEYWORD_BOOST = 0.5  # per keyword found: one keyword outweighs most differences in similarity
TITLE_BOOST = 0.25  # per keyword found in the title too
AUTHOR_BOOST = 0.5  # per followed author
RECOMMENDED = 10  # papers in the recommended section when no top N is set
_TITLE_CHARS = 50


@dataclass(frozen=True)
class RankRecord:
    """Why a paper ranks where it does. `score` = similarity to the profile (0-1) + boosts."""

    score: float
    why: str
    keywords: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    closest: tuple[str, ...] = ()  # titles of the profile papers it is closest to, closest first


@dataclass
class Ranking:
    """One day's papers after ranking. With no relevance setting `records` is empty and the
    digest is laid out as before."""

    kept: list[Paper]  # in the order given, excluded papers removed
    excluded: dict[str, str] = field(default_factory=dict)  # paper id -> the word that excluded it
    records: dict[str, RankRecord] = field(default_factory=dict)
    top: int | None = None
    note: str = ""

    # Read once ranking is done (`Ranker.rank` fills `records` first).
    @functools.cached_property
    def order(self) -> list[Paper]:
        """Kept papers, best first; ties by id, as every page and push orders them."""
        if not self.records:
            return list(self.kept)
        return sorted(self.kept, key=lambda p: (-self.records[p.id].score, id_key(p.id)))

    @functools.cached_property
    def _chosen_ids(self) -> set[str]:
        best = self.order if self.top is None else self.order[: self.top]
        return {p.id for p in best}

    @property
    def chosen(self) -> list[Paper]:
        """The papers to summarize: the top N, or all kept."""
        return [p for p in self.kept if p.id in self._chosen_ids]

    @property
    def below_top(self) -> list[Paper]:
        return [p for p in self.kept if p.id not in self._chosen_ids]

    def recommended(self) -> list[str]:
        """Ids for the recommended section: the best papers that match something, best first."""
        if not self.records:
            return []
        limit = self.top or RECOMMENDED
        return [p.id for p in self.order if self.records[p.id].score > 0][:limit]

    def annotate(self, entry: Entry) -> Entry:
        record = self.records.get(entry.paper.id)
        if record is None:
            return entry
        below = entry.paper.id not in self._chosen_ids
        return entry.model_copy(
            update={
                "score": record.score,
                "why": record.why,
                "summarized": not below,
                "keywords": list(record.keywords),
            }
        )


class Ranker:
    """Ranks any number of days with one profile (read once), one embedding client and one
    bundled model (each made when first needed)."""

    def __init__(
        self,
        *,
        interests: Interests,
        profile_path: Path | None,
        top: int | None,
        store: Store,
        fetch: FetchIds,
        embedder: Callable[[], VectorSource] | None = None,
        bundled: bool = True,
        ranked: bool = True,
        zotero: ZoteroProfile | None = None,
        profile: list[ProfilePaper] | None = None,
        half_life: float = 0.0,
    ) -> None:
        """`profile`: the profile's papers as read already (benchmarks), else read from
        `profile_path` when first needed. `bundled`: compare by the bundled model's vectors
        when no endpoint serves (else by words alone). `half_life`: days after which a profile
        paper weighs half as much as the newest (0: all the same)."""
        self.interests = interests
        self.profile_path = profile_path
        self.top = top
        self.store = store
        self.fetch = fetch
        self.ranked = ranked
        self.zotero = zotero
        self.similarity = Similarity(
            store=store, endpoint=embedder, bundled=bundled, half_life=half_life
        )
        self._profile = profile

    @property
    def profile(self) -> list[ProfilePaper]:
        if self._profile is None:
            self._profile = reader_profile(
                self.profile_path, zotero=self.zotero, store=self.store, fetch=self.fetch
            )
        return self._profile

    def rank(self, papers: list[Paper]) -> Ranking:
        excluded = {p.id: w for p in papers if (w := self.interests.excluded_by(p)) is not None}
        kept = [p for p in papers if p.id not in excluded]
        ranking = Ranking(kept=kept, excluded=excluded, top=self.top)
        if not self.ranked:
            return ranking
        similarity = [0.0] * len(kept)
        closest: list[tuple[int, ...]] = [()] * len(kept)
        if kept and self.profile:
            fused, ranking.note = self.similarity.of(kept, self.profile)
            similarity, closest = [float(x) for x in fused.similarity], fused.closest
        if self.zotero is not None and self.zotero.note:
            ranking.note = "; ".join(n for n in (self.zotero.note, ranking.note) if n)
        asked_words, asked_authors = bool(self.interests.keywords), bool(self.interests.authors)
        for paper, sim, near in zip(kept, similarity, closest, strict=True):
            # What is not asked for is not looked for: a day has thousands of papers.
            keywords = tuple(self.interests.matched_keywords(paper)) if asked_words else ()
            authors = tuple(self.interests.matched_authors(paper)) if asked_authors else ()
            titles = tuple(self.profile[j].title for j in near)
            score = sim + KEYWORD_BOOST * len(keywords)
            if keywords:
                score += TITLE_BOOST * len(self.interests.in_title(paper, keywords))
            score += AUTHOR_BOOST * len(authors)
            ranking.records[paper.id] = RankRecord(
                score=round(score, 3),  # ranked by the score shown, so ties are ties everywhere
                why=_why(keywords, authors, titles, sim),
                keywords=keywords,
                authors=authors,
                closest=titles,
            )
        return ranking

    def preview(self, papers: list[Paper]) -> list[Paper]:
        """The papers a run would summarize, for a dry run: read-only and offline, so the top N
        is chosen by keywords and authors only (the profile is not read)."""
        kept = [p for p in papers if self.interests.excluded_by(p) is None]
        if self.top is None:
            return kept

        def boost(paper: Paper) -> float:
            keywords = self.interests.matched_keywords(paper)
            return KEYWORD_BOOST * len(keywords) + AUTHOR_BOOST * len(
                self.interests.matched_authors(paper)
            )

        best = {p.id for p in sorted(kept, key=lambda p: -boost(p))[: self.top]}
        return [p for p in kept if p.id in best]

    def close(self) -> None:
        self.similarity.close()


def _short(title: str) -> str:
    return title if len(title) <= _TITLE_CHARS else title[: _TITLE_CHARS - 1].rstrip() + "…"


def _why(
    keywords: tuple[str, ...], authors: tuple[str, ...], closest: tuple[str, ...], sim: float
) -> str:
    parts = []
    if keywords:
        parts.append("keywords: " + ", ".join(keywords))
    if authors:
        parts.append("follows: " + ", ".join(authors))
    if closest:
        near = " and ".join(f"“{_short(t)}”" for t in closest)
        parts.append(f"similarity {sim:.2f}, closest to {near}")
    return "; ".join(parts) or "matches none of your interests"
