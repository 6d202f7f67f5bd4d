"""Similarity by embeddings: vectors from an OpenAI-compatible `/v1/embeddings` endpoint, batched,
and kept in the store per (paper, model), so a paper is embedded once per model, ever."""

from __future__ import annotations

import hashlib
import logging

import numpy as np
import openai

from ..core.errors import ModelFatalError
from ..llm.sdk import sdk_client
from ..store.database import Store

log = logging.getLogger(__name__)
BATCH = 64  # inputs per request at first; OpenAI takes 2048, DashScope's v3/v4 models only 10


class EmbeddingFailed(Exception):
    """The endpoint could not embed; the caller ranks lexically instead."""


class _Rejected(EmbeddingFailed):
    """HTTP 400/413: maybe too many inputs in one request."""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Embedder:
    """Vectors of texts by key; only keys not stored (or whose text changed) are sent."""

    def __init__(
        self, *, store: Store, model: str, api_key: str, base_url: str | None, timeout: float
    ) -> None:
        self.store = store
        self.model = model
        self.requests = 0
        self.embedded = 0  # texts sent and answered
        self.tokens = 0  # as the endpoint reports them (0 when it does not)
        self.batch = BATCH
        self._client = sdk_client(
            openai.OpenAI, api_key=api_key, base_url=base_url, timeout=timeout, max_retries=2
        )

    def vectors(self, texts: dict[str, str]) -> dict[str, np.ndarray]:
        """Unit vectors by key for `texts` (key -> text)."""
        stored = self.store.embeddings(texts, model=self.model)
        todo = [k for k, text in texts.items() if stored.get(k, ("",))[0] != text_hash(text)]
        fresh: list[tuple[str, str, list[float]]] = []
        try:
            while len(fresh) < len(todo):
                keys = todo[len(fresh) : len(fresh) + self.batch]
                try:
                    vectors = self._embed([texts[k] for k in keys])
                except _Rejected:
                    if len(keys) == 1:
                        raise
                    # A provider with a lower cap on inputs per request: halve until accepted.
                    self.batch = max(1, len(keys) // 2)
                    continue
                fresh += [(k, text_hash(texts[k]), v) for k, v in zip(keys, vectors, strict=True)]
        finally:
            self.store.save_embeddings(fresh, model=self.model)  # what was paid for is kept
        found = {k: v for k, (_, v) in stored.items() if k in texts} | {k: v for k, _, v in fresh}
        return {k: _unit(np.asarray(found[k], dtype=float)) for k in texts}

    def _embed(self, inputs: list[str]) -> list[list[float]]:
        self.requests += 1
        try:
            # `float`: some compatible servers do not speak the SDK's default base64 encoding.
            response = self._client.embeddings.create(
                model=self.model, input=inputs, encoding_format="float"
            )
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise ModelFatalError(
                f"the embedding endpoint refused access (HTTP {exc.status_code}); "
                "check OPENAI_API_KEY and SUMMARIZER_EMBEDDING_BASE_URL / OPENAI_BASE_URL"
            ) from None
        except openai.APIStatusError as exc:
            if exc.status_code in (400, 413):
                raise _Rejected(f"HTTP {exc.status_code}") from None
            raise EmbeddingFailed(f"HTTP {exc.status_code}") from None
        except (openai.APIError, ValueError, TypeError, AttributeError) as exc:
            raise EmbeddingFailed(type(exc).__name__) from None
        rows = sorted(response.data, key=lambda d: d.index)
        if len(rows) != len(inputs):
            raise EmbeddingFailed(f"{len(rows)} vectors for {len(inputs)} inputs")
        self.embedded += len(inputs)
        self.tokens += getattr(response.usage, "total_tokens", 0) or 0
        return [list(row.embedding) for row in rows]

    def close(self) -> None:
        self._client.close()


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def similarities(
    papers: list[np.ndarray], profile: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(cosine of each paper to the profile's centroid, papers x profile cosines), from unit
    vectors."""
    if not papers or not profile:
        return np.zeros(len(papers)), np.zeros((len(papers), len(profile)))
    day, mine = np.vstack(papers), np.vstack(profile)
    each = day @ mine.T
    topic = day @ _unit(mine.mean(axis=0))
    return np.clip(topic, 0.0, 1.0), np.clip(each, 0.0, 1.0)
