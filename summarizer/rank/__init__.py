"""The ranking stage, between selection and summarizing: what the reader cares about first.

`build_ranker(rank, llm, ...)` gives None when no ranking setting is given (the digest then stays
byte for byte as without this stage); otherwise a `Ranker` whose `rank(papers)` drops excluded
papers, scores the rest with a reason, and names the top N to summarize. A profile is compared
by words and by meaning: the vectors of SUMMARIZER_EMBEDDING_MODEL's endpoint when it is set,
else those of the model bundled with wordllama (offline, no key; see rank.similarity).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..core.redaction import protect_secret
from ..publish.highlight import highlight_spans
from ..store.database import Store
from .interests import Interests
from .profile import FetchIds, ProfilePaper
from .ranker import Ranker, Ranking, RankRecord

if TYPE_CHECKING:
    from ..llm.settings import LLMSettings
    from .embeddings import Embedder
    from .settings import RankSettings

log = logging.getLogger(__name__)

__all__ = [
    "Interests",
    "ProfilePaper",
    "RankRecord",
    "Ranker",
    "Ranking",
    "build_ranker",
    "highlight_spans",
]


def build_ranker(
    settings: RankSettings, llm: LLMSettings, *, store: Store, fetch: FetchIds
) -> Ranker | None:
    """The ranker of the run's ranking settings; `llm` gives the endpoint, key and timeout that
    embeddings share with the summaries unless they have their own."""
    if not (settings.relevance_set or settings.exclude):
        return None
    model = settings.embedding_model
    if model and not (settings.profile or settings.zotero_library):
        log.warning("SUMMARIZER_EMBEDDING_MODEL does nothing without SUMMARIZER_PROFILE")

    protect_secret(settings.embedding_api_key)
    zotero = None
    if settings.zotero_library:
        from .zotero import zotero_profile

        zotero = zotero_profile(settings, store=store)

    def embedder() -> Embedder:
        from .embeddings import Embedder

        assert model is not None
        own_key = settings.embedding_api_key
        return Embedder(
            store=store,
            model=model,
            api_key=own_key.get_secret_value() if own_key else llm.require_key(),
            base_url=settings.embedding_base_url or llm.openai_base_url,
            timeout=settings.embedding_timeout,
        )

    return Ranker(
        interests=Interests(
            keywords=tuple(settings.keywords),
            authors=tuple(settings.authors),
            exclude=tuple(settings.exclude),
        ),
        profile_path=settings.profile,
        top=settings.top,
        store=store,
        fetch=fetch,
        embedder=embedder if model else None,
        ranked=settings.relevance_set,
        zotero=zotero,
    )
