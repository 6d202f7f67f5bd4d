"""`POST /v1/embeddings` for the model stand-in: the vectors of the model bundled with wordllama.

An endpoint whose vectors mean something (texts on one topic are close, texts that share no word
may be close too), so ranking through the endpoint path is tested against meaningful similarity:
the stand-in serves wordllama's l2_supercat vectors (256 dimensions, the mean of the tokens'
vectors, unit length), the very vectors `summarizer.rank.semantic` computes offline. The wire
format is OpenAI's: `input` a string or a list of strings, `data[i].embedding` a list of floats,
or base64 of little-endian float32 when `encoding_format` is `base64` (the openai SDK's default
when the caller names none).

`EMBEDDING_FAULTS`, set on the stand-in's `embedding_fault`, make an answer go wrong as real
endpoints' do: `hang` (nothing for `hang_seconds`), `trickle` (headers, then the body in 400
pieces over `hang_seconds`), `huge` (a valid answer padded to 16 MB, no Content-Length), and
vectors holding `nan`, `inf`, of different lengths (`ragged`) or of `strings`.
"""

from __future__ import annotations

import base64
import functools
import json
import math
from array import array
from http.server import BaseHTTPRequestHandler
from typing import Any

from summarizer.rank.semantic import BundledModel

from .server import BackgroundServer, drop_connection, send

EMBEDDING_FAULTS = frozenset({"hang", "trickle", "huge", "nan", "inf", "ragged", "strings"})
HUGE_BYTES = 16 << 20


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


def answer_with_fault(
    server: BackgroundServer,
    handler: BaseHTTPRequestHandler,
    payload: dict[str, Any],
    fault: str,
    *,
    hang_seconds: float,
) -> None:
    """Send the 200 answer `payload` spoiled by `fault` (one of EMBEDDING_FAULTS)."""
    if fault not in EMBEDDING_FAULTS:
        raise ValueError(f"unknown fault {fault!r}; known: {sorted(EMBEDDING_FAULTS)}")
    vectors = [row["embedding"] for row in payload["data"]]
    if fault in {"nan", "inf"}:
        vectors[0][0] = math.nan if fault == "nan" else math.inf  # json writes NaN / Infinity
    elif fault == "ragged":
        vectors[-1].append(0.0)
    elif fault == "strings":
        vectors[0][:] = [str(x) for x in vectors[0]]
    data = json.dumps(payload).encode("utf-8")
    if fault == "hang" and server.pause(hang_seconds):
        return drop_connection(handler)
    if fault == "trickle":
        return _trickle(server, handler, data, hang_seconds)
    if fault == "huge":
        return _unsized(handler, data + b" " * (HUGE_BYTES - len(data)))
    send(handler, 200, data, "application/json")


def _trickle(
    server: BackgroundServer, handler: BaseHTTPRequestHandler, data: bytes, seconds: float
) -> None:
    """Every read gets a few bytes well within any read timeout; the whole takes `seconds`."""
    pieces = 400
    size = -(-len(data) // pieces)
    try:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        for start in range(0, len(data), size):
            handler.wfile.write(data[start : start + size])
            handler.wfile.flush()
            if server.pause(seconds / pieces):
                break
    except OSError:
        pass
    handler.close_connection = True


def _unsized(handler: BaseHTTPRequestHandler, data: bytes) -> None:
    """A body delimited by closing the connection, as HTTP/1.0-style servers send one."""
    try:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(data)
    except OSError:
        pass
    handler.close_connection = True
