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
from .text import paper_text

if TYPE_CHECKING:  # numpy, bm25s and openai load only when a profile is ranked
    import numpy as np

    from .embeddings import Embedder
    from .zotero import ZoteroProfile

log = logging.getLogger(__name__)
KEYWORD_BOOST = 0.5  # per keyword found: one keyword outweighs most differences in similarity
TITLE_BOOST = 0.25  # per keyword found in the title too
AUTHOR_BOOST = 0.5  # per followed author
RECOMMENDED = 10  # papers in the recommended section when no top N is set
_TITLE_CHARS = 60


@dataclass(frozen=True)
class RankRecord:
    """Why a paper ranks where it does. `score` = similarity to the profile (0-1) + boosts."""

    score: float
    why: str
    keywords: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    closest: str | None = None  # title of the profile paper it is closest to


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
    """Ranks any number of days with one profile (read once) and one embedding client."""

    def __init__(
        self,
        *,
        interests: Interests,
        profile_path: Path | None,
        top: int | None,
        store: Store,
        fetch: FetchIds,
        embedder: Callable[[], Embedder] | None = None,
        ranked: bool = True,
        zotero: ZoteroProfile | None = None,
    ) -> None:
        self.interests = interests
        self.profile_path = profile_path
        self.top = top
        self.store = store
        self.fetch = fetch
        self.ranked = ranked
        self.zotero = zotero
        self._make_embedder = embedder
        self._embedder: Embedder | None = None
        self._profile: list[ProfilePaper] | None = None

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
        similarity, closest, ranking.note = self._similarity(kept)
        if self.zotero is not None and self.zotero.note:
            ranking.note = "; ".join(n for n in (self.zotero.note, ranking.note) if n)
        for i, paper in enumerate(kept):
            keywords = tuple(self.interests.matched_keywords(paper))
            authors = tuple(self.interests.matched_authors(paper))
            index = closest[i]
            near = self.profile[index].title if index is not None else None
            score = float(similarity[i]) + KEYWORD_BOOST * len(keywords)
            score += TITLE_BOOST * len(self.interests.in_title(paper, keywords))
            score += AUTHOR_BOOST * len(authors)
            ranking.records[paper.id] = RankRecord(
                score=round(score, 3),  # ranked by the score shown, so ties are ties everywhere
                why=_why(keywords, authors, near, float(similarity[i])),
                keywords=keywords,
                authors=authors,
                closest=near,
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

    def _similarity(self, papers: list[Paper]) -> tuple[list[float], list[int | None], str]:
        """Similarity of each paper to the profile, the closest profile paper, and a note."""
        if not papers or not self.profile:
            return [0.0] * len(papers), [None] * len(papers), ""
        from . import embeddings, lexical

        texts = [paper_text(p.title, p.abstract) for p in papers]
        mine = [paper_text(p.title, p.abstract) for p in self.profile]
        note = ""
        if self._make_embedder is not None:
            try:
                topic, each, note = self._embedded(papers, texts, mine)
            except embeddings.EmbeddingFailed as exc:
                log.warning(
                    "the embedding endpoint failed (%s); ranking by words instead. "
                    "SUMMARIZER_EMBEDDING_BASE_URL names an endpoint serving /v1/embeddings; "
                    "unset SUMMARIZER_EMBEDDING_MODEL to rank by words",
                    exc,
                )
                note = f"embeddings failed ({exc}): ranked by words"
                topic, each = lexical.similarities(texts, mine)
        else:
            topic, each = lexical.similarities(texts, mine)
        closest: list[int | None] = [
            int(row.argmax()) if row.size and row.max() > 0 else None for row in each
        ]
        return [float(x) for x in topic], closest, note

    def _embedded(
        self, papers: list[Paper], texts: list[str], mine: list[str]
    ) -> tuple[np.ndarray, np.ndarray, str]:
        """Similarities by embeddings, and a note of what was embedded for them."""
        if self._embedder is None:
            assert self._make_embedder is not None
            self._embedder = self._make_embedder()
        embedded, tokens = self._embedder.embedded, self._embedder.tokens
        keyed = {p.id: t for p, t in zip(papers, texts, strict=True)}
        keyed |= {p.key: t for p, t in zip(self.profile, mine, strict=True)}
        vectors = self._embedder.vectors(keyed)
        from . import embeddings

        topic, each = embeddings.similarities(
            [vectors[p.id] for p in papers], [vectors[p.key] for p in self.profile]
        )
        count, used = self._embedder.embedded - embedded, self._embedder.tokens - tokens
        note = f"embedded {count} texts ({used:,} tokens)" if count else ""
        return topic, each, note

    def close(self) -> None:
        if self._embedder is not None:
            self._embedder.close()
            self._embedder = None


def _why(keywords: tuple[str, ...], authors: tuple[str, ...], near: str | None, sim: float) -> str:
    parts = []
    if keywords:
        parts.append("keywords: " + ", ".join(keywords))
    if authors:
        parts.append("follows: " + ", ".join(authors))
    if near is not None:
        short = near if len(near) <= _TITLE_CHARS else near[: _TITLE_CHARS - 1].rstrip() + "…"
        parts.append(f"similarity {sim:.2f}, closest to: {short}")
    return "; ".join(parts) or "matches none of your interests"
