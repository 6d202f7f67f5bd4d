"""Similarity by embeddings: vectors from an OpenAI-compatible `/v1/embeddings` endpoint, batched,
and kept in the store per (paper, model), so a paper is embedded once per model, ever.

The endpoint is a ranking input, not the run's purpose: it has its own timeout for a whole
request (SUMMARIZER_EMBEDDING_TIMEOUT, not the chat model's minutes), one retry after a 429, a 5xx
or a dropped connection, none after a timeout, and a cap on the size of its answer. Every vector
is checked (numbers, finite, one length) before it is used or stored: a batch that fails the check
is the endpoint failing (the run ranks by words and says so), and a stored vector that fails it
(kept by an older version) is ignored and asked for again.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx2 as httpx
import numpy as np

from ..core.errors import ModelFatalError
from ..llm.sdk import DEFAULT_BASE_URL
from ..net.bounded import Answer, TooLarge, TooSlow, bounded, http_client
from ..store.database import Store
from .bags import Words
from .text import text_hash
from .vectors import VectorsUnavailable

log = logging.getLogger(__name__)
BATCH = 64  # inputs per request at first; OpenAI takes 2048, DashScope's v3/v4 models only 10
RETRIES = 1
MAX_PAUSE = 10.0  # seconds: a longer Retry-After is the endpoint failing, for ranking's purposes
# An answer's size: 256 KiB per input holds a vector of ~10,000 floats written out in JSON.
CAP_BASE, CAP_PER_INPUT = 1 << 20, 256 << 10
FLOAT32_MAX = float(np.finfo(np.float32).max)  # vectors are stored as float32


class EmbeddingFailed(VectorsUnavailable):
    """The endpoint could not embed; the next vector source serves instead."""


class _Rejected(EmbeddingFailed):
    """HTTP 400/413: maybe too many inputs in one request."""


class Embedder:
    """Vectors of texts by key; only keys not stored (or whose text changed) are sent."""

    def __init__(
        self,
        *,
        store: Store,
        model: str,
        api_key: str,
        base_url: str | None,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.model = model
        self.timeout = timeout
        self.requests = 0
        self.embedded = 0  # texts sent and answered
        self.tokens = 0  # as the endpoint reports them (0 when it does not)
        self.batch = BATCH
        self.broken: str | None = None  # why the endpoint is given up on for this run
        self._url = (base_url or DEFAULT_BASE_URL).rstrip("/") + "/embeddings"
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._sleep = sleep
        self._client = http_client(timeout)

    def vectors(
        self, texts: dict[str, str], *, words: Words | None = None
    ) -> dict[str, np.ndarray]:
        """Unit vectors by key for `texts` (key -> text); the endpoint reads texts, not `words`."""
        stored = self._stored(texts)
        fresh = self._fetch([k for k in texts if k not in stored], texts, dims=None)
        dims = len(next(iter(fresh.values()))) if fresh else _usual_length(stored)
        stale = [k for k, vector in stored.items() if len(vector) != dims]
        if stale:  # kept from another model version, or by a version that did not check
            log.info("%d stored vectors of another length; embedding them again", len(stale))
            fresh |= self._fetch(stale, texts, dims=dims)
        found: dict[str, np.ndarray | list[float]] = {**stored, **fresh}
        return {k: _unit(np.asarray(found[k], dtype=float)) for k in texts}

    def _stored(self, texts: dict[str, str]) -> dict[str, np.ndarray]:
        """The stored vectors of these texts (the same text), those that pass the check (stored
        as float32, they are numbers; an older version may have kept an empty or NaN one)."""
        found = {}
        for key, (hashed, blob) in self.store.ranking.embedding_blobs(
            texts, model=self.model
        ).items():
            vector = np.frombuffer(blob, dtype=np.float32)
            if hashed == text_hash(texts[key]) and len(vector) and np.isfinite(vector).all():
                found[key] = vector
        return found

    def _fetch(
        self, keys: list[str], texts: dict[str, str], *, dims: int | None
    ) -> dict[str, list[float]]:
        """Vectors of `keys` from the endpoint, batch by batch; each batch stored as it comes."""
        fresh: dict[str, list[float]] = {}
        while len(fresh) < len(keys):
            batch = keys[len(fresh) : len(fresh) + self.batch]
            try:
                vectors = self._embed([texts[k] for k in batch], dims=dims)
            except _Rejected:
                if len(batch) == 1:
                    raise
                # A provider with a lower cap on inputs per request: halve until accepted.
                self.batch = max(1, len(batch) // 2)
                continue
            dims = len(vectors[0])
            rows = [(k, text_hash(texts[k]), v) for k, v in zip(batch, vectors, strict=True)]
            self.store.ranking.save_embeddings(rows, model=self.model)  # what was paid for is kept
            fresh.update(zip(batch, vectors, strict=True))
        return fresh

    def _embed(self, inputs: list[str], *, dims: int | None) -> list[list[float]]:
        answer = self._post({"model": self.model, "input": inputs, "encoding_format": "float"})
        payload = _json(answer.body)
        vectors = _vectors(payload, len(inputs))
        problem = _problem(vectors)
        if problem is None and dims is not None and len(vectors[0]) != dims:
            problem = f"vectors of {len(vectors[0])} values where the others have {dims}"
        if problem is not None:
            raise EmbeddingFailed(problem)
        self.embedded += len(inputs)
        usage = payload.get("usage") if isinstance(payload, dict) else None
        tokens = usage.get("total_tokens") if isinstance(usage, dict) else None
        self.tokens += tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else 0
        return vectors

    def _post(self, body: dict[str, Any]) -> Answer:
        """One request's answer (status 200), with one retry after a passing fault."""
        if self.broken is not None:
            raise EmbeddingFailed(self.broken)
        cap = CAP_BASE + CAP_PER_INPUT * len(body["input"])
        pause: float | None
        for attempt in range(RETRIES + 1):
            self.requests += 1
            try:
                answer = bounded(
                    self._client, "POST", self._url, deadline=self.timeout, cap=cap,
                    json=body, headers=self._headers,
                )  # fmt: skip
            except (TooSlow, httpx.TimeoutException):
                # A hanging endpoint would hang again: given up on for the rest of the run.
                self.broken = (
                    f"no complete answer within {self.timeout:g} s (SUMMARIZER_EMBEDDING_TIMEOUT)"
                )
                raise EmbeddingFailed(self.broken) from None
            except TooLarge as exc:
                raise EmbeddingFailed(str(exc)) from None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                reason, pause = f"connection failed ({type(exc).__name__})", 1.0
            else:
                if answer.status == 200:
                    return answer
                reason, pause = f"HTTP {answer.status}", _fault_pause(answer)
            if attempt == RETRIES or pause is None:
                break
            self._sleep(pause)
        raise EmbeddingFailed(reason)

    def close(self) -> None:
        self._client.close()


def _fault_pause(answer: Answer) -> float | None:
    """Seconds to wait before retrying a refused request, or None: not retried (or raised)."""
    if answer.status in (401, 403):
        raise ModelFatalError(
            f"the embedding endpoint refused access (HTTP {answer.status}); "
            "check OPENAI_API_KEY and SUMMARIZER_EMBEDDING_BASE_URL / OPENAI_BASE_URL"
        )
    if answer.status in (400, 413):
        raise _Rejected(f"HTTP {answer.status}")
    if answer.status != 429 and answer.status < 500:
        return None
    try:
        asked = float(answer.headers.get("Retry-After", "1"))
    except ValueError:
        asked = 1.0
    return max(asked, 0.0) if asked <= MAX_PAUSE else None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise EmbeddingFailed("an answer that is not JSON") from None


def _vectors(payload: Any, count: int) -> list[Any]:
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list) or len(data) != count:
        got = len(data) if isinstance(data, list) else "no"
        raise EmbeddingFailed(f"{got} vectors for {count} inputs")
    rows = [row if isinstance(row, dict) else {} for row in data]
    indexes = [row.get("index") for row in rows]
    if sorted(i for i in indexes if isinstance(i, int)) == list(range(count)):
        rows = sorted(rows, key=lambda row: row["index"])
    return [row.get("embedding") for row in rows]


def _problem(vectors: list[Any]) -> str | None:
    """What makes these vectors unusable (None: nothing): not lists of numbers, empty, of
    different lengths, or holding NaN, infinite or (as float32) overflowing values."""
    for vector in vectors:
        if not isinstance(vector, list) or not vector:
            return "vectors that are not lists of numbers"
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in vector):
            return "vectors with values that are not numbers"
    lengths = sorted({len(v) for v in vectors})
    if len(lengths) > 1:
        return f"vectors of different lengths ({', '.join(map(str, lengths[:3]))})"
    values = np.asarray(vectors, dtype=float)
    if not np.isfinite(values).all() or np.abs(values).max() > FLOAT32_MAX:
        return "vectors with NaN or infinite values"
    return None


def _usual_length(stored: dict[str, np.ndarray]) -> int | None:
    lengths = Counter(len(v) for v in stored.values())
    return lengths.most_common(1)[0][0] if lengths else None


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
