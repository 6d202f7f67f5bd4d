"""The provider's Batch API on the wire: request files, their upload, the batch's life, results.

A request line is `{custom_id, method: POST, url: /v1/chat/completions, body}` where `body` is
exactly what a live call sends (`client.chat_request`). Files are written line by line and cut at
the provider's limits (OpenAI: 50,000 requests and 200 MB per file; DashScope: 100 MB), so memory
stays flat however many requests a backfill makes. Results come back as an output file and an
error file, in no particular order, matched to requests by `custom_id`.
Sources: openai-python `types/batch.py`, `batch_create_params.py`; the OpenAI batch guide;
help.aliyun.com/zh/model-studio/batch-interfaces-compatible-with-openai.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlparse

import openai
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from ..errors import ModelFatalError, SummarizerError
from ..models import Paper
from .client import Completion, completion_of

log = logging.getLogger(__name__)
CHAT_URL: Literal["/v1/chat/completions"] = "/v1/chat/completions"
COMPLETION_WINDOW: Literal["24h"] = "24h"
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
# Error codes of requests the provider never ran (the window ran out, or we cancelled): not an
# attempt at the paper, and not paid for.
UNFINISHED = frozenset({"batch_expired", "batch_cancelled"})
QUEUE_FULL = "token_limit_exceeded"


class BatchUnavailable(SummarizerError):
    """The Batch API could not be reached or answered with a server error; look again later."""

    exit_code = 3


@dataclass(frozen=True)
class BatchLimits:
    max_requests: int = 50_000
    max_bytes: int = 200 * 1024 * 1024


def batch_limits(base_url: str | None) -> BatchLimits:
    host = urlparse(base_url or "").hostname or ""
    if "dashscope" in host:
        return BatchLimits(max_requests=50_000, max_bytes=100 * 1024 * 1024)
    return BatchLimits()


@dataclass(frozen=True)
class RequestKey:
    """What one request asks for; `custom_id` names all of it."""

    paper_id: str
    version: int
    kind: str
    prompt_version: str
    model: str

    @property
    def custom_id(self) -> str:
        return f"{self.paper_id}v{self.version}:{self.kind}:{self.prompt_version}:{self.model}"


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


# --- the provider's batch ------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchState:
    id: str
    status: str
    input_file_id: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    error: str | None = None  # why a batch failed as a whole: "code: message"

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def queue_full(self) -> bool:
        """Refused because the provider's queue of enqueued tokens for the model is full: worth
        submitting again once other batches have finished (OpenAI: token_limit_exceeded)."""
        return self.status == "failed" and (self.error or "").startswith(QUEUE_FULL)


class BatchClient(Protocol):
    def upload(self, path: Path) -> str: ...
    def submit(self, file_id: str, *, metadata: dict[str, str]) -> BatchState: ...
    def get(self, batch_id: str) -> BatchState: ...
    def cancel(self, batch_id: str) -> BatchState: ...
    def find_by_input(self, file_id: str) -> BatchState | None: ...
    def download(self, file_id: str, destination: Path) -> None: ...
    def close(self) -> None: ...


def _state(batch: Any) -> BatchState:
    counts = batch.request_counts
    errors = (batch.errors.data or []) if batch.errors else []
    error = f"{errors[0].code or 'error'}: {errors[0].message or ''}".strip() if errors else None
    return BatchState(
        error=error,
        id=batch.id,
        status=batch.status,
        input_file_id=batch.input_file_id,
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        total=counts.total if counts else 0,
        completed=counts.completed if counts else 0,
        failed=counts.failed if counts else 0,
    )


class OpenAIBatches:
    """Files and Batches on an OpenAI-compatible endpoint (synchronous: one call at a time)."""

    def __init__(self, *, api_key: str, base_url: str | None, timeout: float) -> None:
        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=max(timeout, 60.0), max_retries=2
        )

    def close(self) -> None:
        self._client.close()

    def upload(self, path: Path) -> str:
        with _errors("uploading a batch file"), path.open("rb") as handle:
            uploaded = self._client.files.create(file=(path.name, handle), purpose="batch")
        return uploaded.id

    def submit(self, file_id: str, *, metadata: dict[str, str]) -> BatchState:
        with _errors("creating a batch"):
            batch = self._client.batches.create(
                input_file_id=file_id,
                endpoint=CHAT_URL,
                completion_window=COMPLETION_WINDOW,
                metadata=metadata,
            )
        return _state(batch)

    def get(self, batch_id: str) -> BatchState:
        with _errors(f"reading batch {batch_id}"):
            batch = self._client.batches.retrieve(batch_id)
        return _state(batch)

    def cancel(self, batch_id: str) -> BatchState:
        with _errors(f"cancelling batch {batch_id}"):
            batch = self._client.batches.cancel(batch_id)
        return _state(batch)

    def find_by_input(self, file_id: str) -> BatchState | None:
        """The batch made from input file `file_id`, if one was created (a run killed between
        creating it and recording it)."""
        found = None
        with _errors("listing batches"):
            for batch in self._client.batches.list(limit=100):
                if batch.input_file_id == file_id:
                    found = _state(batch)
                    break
        return found

    def download(self, file_id: str, destination: Path) -> None:
        partial = destination.with_suffix(destination.suffix + ".part")
        with (
            _errors(f"downloading file {file_id}"),
            self._client.files.with_streaming_response.content(file_id) as response,
            partial.open("wb") as out,
        ):
            for chunk in response.iter_bytes(1 << 20):
                out.write(chunk)
        partial.replace(destination)


class _errors:
    """Map the SDK's exceptions: refused access stops the run, the rest is worth another look."""

    def __init__(self, doing: str) -> None:
        self.doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> Literal[False]:
        if exc is None:
            return False
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            raise ModelFatalError(
                f"the model endpoint refused access while {self.doing} "
                f"(HTTP {exc.status_code}); check OPENAI_API_KEY and OPENAI_BASE_URL"
            ) from None
        if (
            isinstance(exc, openai.NotFoundError)
            and "batch" in self.doing
            and "reading" not in self.doing
        ):
            raise ModelFatalError(
                f"the model endpoint has no Batch API (HTTP 404 while {self.doing}); "
                "run without --batch"
            ) from None
        if isinstance(exc, openai.APIStatusError):
            if exc.status_code >= 500 or exc.status_code in {408, 409, 429}:
                raise BatchUnavailable(f"HTTP {exc.status_code} while {self.doing}") from None
            raise ModelFatalError(
                f"the model endpoint rejected {self.doing} (HTTP {exc.status_code})"
            ) from None
        if isinstance(exc, openai.APIError | OSError):
            raise BatchUnavailable(f"{type(exc).__name__} while {self.doing}") from None
        return False


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    """One line of an output or error file."""

    custom_id: str
    completion: Completion | None = None
    error: str | None = None
    unfinished: bool = False  # never run (expired, cancelled): not an attempt, not paid


def read_results(path: Path) -> Iterator[BatchResult]:
    """The lines of an output or error file (also `vllm run_batch` output), one at a time."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                custom_id = str(record["custom_id"])
            except (ValueError, KeyError, TypeError):
                log.warning("%s line %d: not a batch result; skipped", path.name, number)
                continue
            yield _result(custom_id, record)


def _result(custom_id: str, record: dict[str, Any]) -> BatchResult:
    error = record.get("error")
    response = record.get("response")
    if isinstance(error, dict) and error:
        code = str(error.get("code") or "error")
        return BatchResult(
            custom_id, error=f"{code}: {error.get('message', '')}", unfinished=code in UNFINISHED
        )
    if not isinstance(response, dict):
        return BatchResult(custom_id, error="no response")
    status = response.get("status_code")
    body = response.get("body")
    if status != 200 or not isinstance(body, dict):
        message = ""
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            message = str(body["error"].get("message", ""))
        return BatchResult(custom_id, error=f"HTTP {status}: {message}".strip())
    try:
        completion = completion_of(ChatCompletion.model_validate(body))
    except (ValidationError, AttributeError, IndexError, TypeError) as exc:
        return BatchResult(custom_id, error=f"unreadable completion ({type(exc).__name__})")
    return BatchResult(custom_id, completion=completion)
