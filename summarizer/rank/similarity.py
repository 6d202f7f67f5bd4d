"""How close each of a day's papers is to the reader's profile: words always, and meaning from
the vectors of the first source in rank.vector_sources.VECTOR_SOURCES that serves (an embeddings
endpoint when SUMMARIZER_EMBEDDING_MODEL names one, else the model bundled in `wordllama`).

What cannot serve is said and the day goes on with less, never stopped: an endpoint that fails
falls back to the bundled model, a bundled model that cannot load to words alone (ranking orders
a digest that is complete either way; a refused key is still a stop, from Embedder).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..core.records import Paper
from ..store.database import Store
from .profile import ProfilePaper
from .text import paper_text
from .vector_sources import VECTOR_SOURCES, SourceOptions, VectorSourceEntry
from .vectors import VectorSource, VectorsUnavailable

if TYPE_CHECKING:  # numpy, the model and openai load only when a profile is ranked
    import numpy as np

    from .bags import Words
    from .fusion import Fused

log = logging.getLogger(__name__)


class Similarity:
    """The day's similarities to one profile, with at most one endpoint client and one model."""

    def __init__(
        self,
        *,
        store: Store,
        endpoint: Callable[[], VectorSource] | None = None,
        bundled: bool = True,
        half_life: float = 0.0,
    ) -> None:
        """`half_life`: days after which a profile paper weighs half (rank.recency; 0: all the
        same)."""
        self.store = store
        self.half_life = half_life
        self._options = SourceOptions(store=store, endpoint=endpoint, bundled=bundled)
        self._made: dict[str, VectorSource | None] = {}  # by entry name; None: not asked for
        self._unmade: dict[str, str] = {}  # sources that could not be made, and why (said once)

    def of(self, papers: list[Paper], profile: list[ProfilePaper]) -> tuple[Fused, str]:
        """The fused similarities of `papers` to `profile`, and a note for the run table."""
        import numpy as np

        from .bags import Words
        from .fusion import MIN_DAY, fuse
        from .lexical import similarities
        from .recency import recency_weights

        texts = {p.id: paper_text(p.title, p.abstract) for p in papers}
        mine = [paper_text(p.title, p.abstract) for p in profile]
        every = texts | {p.key: text for p, text in zip(profile, mine, strict=True)}
        words = Words.split(list(every.values()))  # once, for the words and the bundled model
        row = {key: n for n, key in enumerate(every)}
        recent = recency_weights(profile, half_life=self.half_life)
        weights = None if recent is None else np.array(recent)
        lexical = similarities(
            list(texts.values()),
            mine,
            words=words.rows([row[p.id] for p in papers] + [row[p.key] for p in profile]),
            weights=weights,
        )
        if len(papers) < MIN_DAY:  # no day to compare with: words alone, nothing embedded
            return fuse(lexical, weights=weights), ""
        vectors, note = self._vectors(every, words)
        if vectors is None:
            return fuse(lexical, weights=weights), note
        day = np.vstack([vectors[p.id] for p in papers])
        them = np.vstack([vectors[p.key] for p in profile])
        return fuse(lexical, day, them, weights=weights), note

    def _vectors(
        self, texts: dict[str, str], words: Words
    ) -> tuple[dict[str, np.ndarray] | None, str]:
        """The vectors of the first source that serves (None: words alone), and the notes."""
        notes: list[str] = []
        for entry in VECTOR_SOURCES:
            try:
                source = self._source(entry)
                if source is None:
                    continue
                vectors, note = self._embedded(source, texts, entry.how, words)
            except VectorsUnavailable as exc:
                if entry.name not in self._unmade:  # an unmade source was said when made
                    log.warning(entry.warning.format(why=exc))
                notes.append(entry.note.format(why=exc))
                continue
            return vectors, "; ".join(n for n in (*notes, note) if n)
        return None, "; ".join(notes)

    def _source(self, entry: VectorSourceEntry) -> VectorSource | None:
        """The entry's source, made when first needed; one that could not be made is not tried
        again (VectorsUnavailable with the same reason)."""
        if entry.name in self._unmade:
            raise VectorsUnavailable(self._unmade[entry.name])
        if entry.name not in self._made:
            try:
                self._made[entry.name] = entry.make(self._options)
            except VectorsUnavailable as exc:
                log.warning(entry.warning.format(why=exc))
                self._unmade[entry.name] = str(exc)
                raise
        return self._made[entry.name]

    @staticmethod
    def _embedded(
        source: VectorSource, texts: dict[str, str], how: str, words: Words
    ) -> tuple[dict[str, np.ndarray], str]:
        before = source.embedded
        before_tokens = getattr(source, "tokens", 0)
        vectors = source.vectors(texts, words=words)
        count = source.embedded - before
        if not count:
            return vectors, ""
        used = getattr(source, "tokens", 0) - before_tokens
        return vectors, f"embedded {count} texts" + (f" ({used:,} tokens)" if used else how)

    def close(self) -> None:
        for source in self._made.values():
            if source is not None:
                source.close()
        self._made.clear()
