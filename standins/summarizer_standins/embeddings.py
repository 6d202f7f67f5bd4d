"""`POST /v1/embeddings` for the model stand-in: the vectors of the model bundled with wordllama.

An endpoint whose vectors mean something (texts on one topic are close, texts that share no word
may be close too), so ranking through the endpoint path is tested against meaningful similarity:
the stand-in serves wordllama's l2_supercat vectors (256 dimensions, the mean of the tokens'
vectors, unit length), the very vectors `summarizer.rank.semantic` computes offline. The wire
format is OpenAI's: `input` a string or a list of strings, `data[i].embedding` a list of floats,
or base64 of little-endian float32 when `encoding_format` is `base64` (the openai SDK's default
when the caller names none).
"""

from __future__ import annotations

import base64
import functools
from array import array
from typing import Any

from summarizer.rank.semantic import BundledModel


@functools.cache
def _model() -> BundledModel:
    return BundledModel.load()


def embedding_vectors(texts: list[str]) -> list[list[float]]:
    """Unit vectors, one per text (white space runs count as one space, as in paper texts)."""
    normalized = [" ".join(text.split()) for text in texts]
    vectors: list[list[float]] = _model().embed(normalized).tolist()
    return vectors


def embeddings_answer(body: Any, *, max_inputs: int = 2048) -> tuple[int, dict[str, Any], int]:
    """(HTTP status, JSON payload, number of inputs) for one embeddings request body; more than
    `max_inputs` inputs is a 400, as providers with a lower cap answer (DashScope: 10)."""
    if not isinstance(body, dict) or not body.get("model"):
        return 400, _error("you must provide a model parameter"), 0
    inputs = body.get("input")
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) for t in inputs):
        return 400, _error("'input' must be a string or an array of strings"), 0
    if len(inputs) > max_inputs:
        return 400, _error(f"batch size is invalid, it should not be larger than {max_inputs}"), 0
    if any(not t for t in inputs):
        return 400, _error("'input' cannot contain an empty string"), 0
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, vector in enumerate(embedding_vectors(inputs)):
        embedding: Any = vector
        if as_base64:
            embedding = base64.b64encode(array("f", vector).tobytes()).decode("ascii")
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(len(t.split()) for t in inputs)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    payload = {"object": "list", "data": data, "model": body["model"], "usage": usage}
    return 200, payload, len(inputs)


def _error(message: str) -> dict[str, Any]:
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    }
