"""Batch request files: the lines a provider's Batch API (or `vllm run_batch`) reads.

A request line is `{custom_id, method: POST, url: /v1/chat/completions, body}` where `body` is
exactly what a live call sends (`request.request_body`). Files are written line by line and cut at
the provider's limits (OpenAI: 50,000 requests and 200 MB per file; DashScope: 100 MB), so memory
stays flat however many requests a backfill makes. The provider's side is in `batch_client`,
the results in `batch_results`.
Sources: openai-python `types/batch.py`, `batch_create_params.py`; the OpenAI batch guide;
help.aliyun.com/zh/model-studio/batch-interfaces-compatible-with-openai.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..core.batches import RequestKey
from ..core.records import Paper
from .batch_client import CHAT_URL

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchLimits:
    max_requests: int = 50_000
    max_bytes: int = 200 * 1024 * 1024


def batch_limits(base_url: str | None) -> BatchLimits:
    host = urlparse(base_url or "").hostname or ""
    if "dashscope" in host:
        return BatchLimits(max_requests=50_000, max_bytes=100 * 1024 * 1024)
    return BatchLimits()


def request_key(paper: Paper, kind: str, prompt_version: str, model: str) -> RequestKey:
    return RequestKey(paper.id, paper.version, kind, prompt_version, model)


@dataclass(frozen=True)
class BatchRequest:
    key: RequestKey
    body: dict[str, Any]
    day: str | None = None
    source: str = "abstract"

    def line(self) -> bytes:
        record = {
            "custom_id": self.key.custom_id,
            "method": "POST",
            "url": CHAT_URL,
            "body": self.body,
        }
        return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


@dataclass
class RequestFile:
    path: Path
    requests: list[tuple[RequestKey, str | None, str]] = field(default_factory=list)
    size: int = 0


def write_request_files(
    requests: Iterable[BatchRequest], *, directory: Path, stem: str, limits: BatchLimits
) -> Iterator[RequestFile]:
    """Stream `requests` into `directory/stem-N.jsonl` files within `limits`; yield each file
    once it is closed, holding only the (key, day, source) of its own requests in memory."""
    directory.mkdir(parents=True, exist_ok=True)
    current: RequestFile | None = None
    handle = None
    number = 0
    try:
        for request in requests:
            data = request.line()
            if len(data) > limits.max_bytes:
                log.warning(
                    "%s: request larger than a whole batch file; left to a live call",
                    request.key.custom_id,
                )
                continue
            if current is not None and (
                len(current.requests) >= limits.max_requests
                or current.size + len(data) > limits.max_bytes
            ):
                assert handle is not None
                handle.close()
                handle = None
                yield current
                current = None
            if current is None:
                number += 1
                current = RequestFile(path=directory / f"{stem}-{number}.jsonl")
                handle = current.path.open("wb")
            assert handle is not None
            handle.write(data)
            current.size += len(data)
            current.requests.append((request.key, request.day, request.source))
        if current is not None:
            assert handle is not None
            handle.close()
            handle = None
            yield current
    finally:
        if handle is not None:
            handle.close()


def drop_requests(path: Path, custom_ids: set[str]) -> int:
    """Rewrite request file `path` without the requests named; return how many are left."""
    kept = 0
    partial = path.with_suffix(".part")
    with path.open("rb") as source, partial.open("wb") as out:
        for line in source:
            if json.loads(line)["custom_id"] not in custom_ids:
                out.write(line)
                kept += 1
    partial.replace(path)
    return kept
