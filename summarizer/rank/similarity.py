"""How close each of a day's papers is to the reader's profile: words always, and meaning from
vectors, those of an embeddings endpoint when SUMMARIZER_EMBEDDING_MODEL names one, else those of
the model bundled in the `wordllama` wheel (offline, no key).

What cannot serve is said once and the day goes on with less, never stopped: an endpoint that
fails falls back to the bundled model, a bundled model that cannot load to words alone (ranking
orders a digest that is complete either way; a refused key is still a stop, from Embedder).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ..core.records import Paper
from ..store.database import Store
from .profile import ProfilePaper
from .text import paper_text

if TYPE_CHECKING:  # numpy, the model and openai load only when a profile is ranked
    import numpy as np

    from .fusion import Fused

log = logging.getLogger(__name__)


class VectorSource(Protocol):
    """Unit vectors by key, stored per (key, model): the endpoint's Embedder or ModelVectors."""

    embedded: int  # texts embedded so far (not found in the store)

    def vectors(self, texts: dict[str, str]) -> dict[str, np.ndarray]: ...

    def close(self) -> None: ...


class Similarity:
    """The day's similarities to one profile, with at most one endpoint client and one model."""

    def __init__(
        self,
        *,
        store: Store,
        endpoint: Callable[[], VectorSource] | None = None,
        bundled: bool = True,
    ) -> None:
        self.store = store
        self._make_endpoint = endpoint
        self._endpoint: VectorSource | None = None
        self._bundled = bundled
        self._model: VectorSource | None = None
        self._model_failed = ""  # why the bundled model could not load, once it could not

    def of(self, papers: list[Paper], profile: list[ProfilePaper]) -> tuple[Fused, str]:
        """The fused similarities of `papers` to `profile`, and a note for the run table."""
        from .fusion import MIN_DAY, fuse
        from .lexical import similarities

        texts = {p.id: paper_text(p.title, p.abstract) for p in papers}
        mine = {p.key: paper_text(p.title, p.abstract) for p in profile}
        words = similarities([texts[p.id] for p in papers], [mine[p.key] for p in profile])
        if len(papers) < MIN_DAY:  # no day to compare with: words alone, nothing embedded
            return fuse(words), ""
        vectors, note = self._vectors(texts | mine)
        if vectors is None:
            return fuse(words), note
        import numpy as np

        day = np.vstack([vectors[p.id] for p in papers])
        return fuse(words, day, np.vstack([vectors[p.key] for p in profile])), note

    def _vectors(self, texts: dict[str, str]) -> tuple[dict[str, np.ndarray] | None, str]:
        if self._make_endpoint is not None:
            from .embeddings import EmbeddingFailed

            try:
                return self._embedded(self._endpoint_source(), texts, "")
            except EmbeddingFailed as exc:
                log.warning(
                    "the embedding endpoint failed (%s); ranking with the bundled model instead. "
                    "SUMMARIZER_EMBEDDING_BASE_URL names an endpoint serving /v1/embeddings; "
                    "unset SUMMARIZER_EMBEDDING_MODEL to use the bundled model alone",
                    exc,
                )
                failed = f"embeddings failed ({exc})"
                vectors, note = self._bundled_vectors(texts)
                return vectors, "; ".join(n for n in (failed, note) if n)
        return self._bundled_vectors(texts)

    def _bundled_vectors(self, texts: dict[str, str]) -> tuple[dict[str, np.ndarray] | None, str]:
        model = self._model_source()
        if model is None:
            return None, f"ranked by words: {self._model_failed}" if self._model_failed else ""
        return self._embedded(model, texts, " with the bundled model")

    @staticmethod
    def _embedded(
        source: VectorSource, texts: dict[str, str], how: str
    ) -> tuple[dict[str, np.ndarray], str]:
        before = source.embedded
        before_tokens = getattr(source, "tokens", 0)
        vectors = source.vectors(texts)
        count = source.embedded - before
        if not count:
            return vectors, ""
        used = getattr(source, "tokens", 0) - before_tokens
        return vectors, f"embedded {count} texts" + (f" ({used:,} tokens)" if used else how)

    def _endpoint_source(self) -> VectorSource:
        if self._endpoint is None:
            assert self._make_endpoint is not None
            self._endpoint = self._make_endpoint()
        return self._endpoint

    def _model_source(self) -> VectorSource | None:
        if self._model is None and self._bundled and not self._model_failed:
            from .semantic import BundledModel, ModelUnavailable, ModelVectors

            try:
                self._model = ModelVectors(store=self.store, model=BundledModel.load())
            except ModelUnavailable as exc:
                self._model_failed = str(exc)
                log.warning("%s; ranking by words alone", exc)
        return self._model

    def close(self) -> None:
        for source in (self._endpoint, self._model):
            if source is not None:
                source.close()
        self._endpoint = self._model = None
