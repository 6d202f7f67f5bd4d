"""The provider's Files and Batches endpoints behind a small interface (upload, create, look,
cancel, find, download), and the OpenAI-compatible implementation of it.
Sources: openai-python `types/batch.py`, `batch_create_params.py`; the OpenAI batch guide.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Protocol

import openai

from ..core.batches import BatchState
from ..core.errors import ModelFatalError, SummarizerError
from .batch_results import MAX_LINE_BYTES
from .sdk import sdk_client

CHAT_URL: Literal["/v1/chat/completions"] = "/v1/chat/completions"
COMPLETION_WINDOW: Literal["24h"] = "24h"
# An output or error file is read up to one whole result line (batch_results.MAX_LINE_BYTES)
# plus this much per request of its batch: ~10x a long detailed answer on average, so a real
# file always fits and an endless one stops (what it left unanswered is asked again).
BYTES_PER_REQUEST = 256 << 10


class BatchUnavailable(SummarizerError):
    """The Batch API could not be reached or answered with a server error; look again later."""

    exit_code = 3


class BatchNotFound(SummarizerError):
    """The provider does not know this batch (deleted, or another account's)."""

    exit_code = 3


class BatchClient(Protocol):
    def upload(self, path: Path) -> str: ...
    def submit(self, file_id: str, *, metadata: dict[str, str]) -> BatchState: ...
    def get(self, batch_id: str) -> BatchState: ...
    def cancel(self, batch_id: str) -> BatchState: ...
    def find_by_input(self, file_id: str) -> BatchState | None: ...
    def download(self, file_id: str, destination: Path, *, limit: int) -> bool:
        """Write the file's first `limit` bytes at most; whether that was all of it."""

    def close(self) -> None: ...


def result_file_limit(requests: int) -> int:
    """The most bytes read of an output or error file of a batch of `requests` requests."""
    return MAX_LINE_BYTES + max(requests, 1) * BYTES_PER_REQUEST


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

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        timeout: float,
        organization: str | None = None,
        project: str | None = None,
    ) -> None:
        self._client = sdk_client(
            openai.OpenAI,
            api_key=api_key,
            base_url=base_url,
            organization=organization,
            project=project,
            timeout=max(timeout, 60.0),
            max_retries=2,
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

    def download(self, file_id: str, destination: Path, *, limit: int) -> bool:
        partial = destination.with_suffix(destination.suffix + ".part")
        left = limit
        with (
            _errors(f"downloading file {file_id}"),
            self._client.files.with_streaming_response.content(file_id) as response,
            partial.open("wb") as out,
        ):
            for chunk in response.iter_bytes(1 << 20):
                out.write(chunk[:left])
                left -= len(chunk)
                if left < 0:
                    break  # leaving the block closes the connection: the rest is never read
        if left < 0:
            _drop_last_line(partial)  # cut short: its last line is part of a line
        partial.replace(destination)
        return left >= 0


def _drop_last_line(path: Path) -> None:
    """Cut `path` after its last line break (a slice at a time from the end)."""
    with path.open("r+b") as handle:
        end = handle.seek(0, 2)
        while end > 0:
            start = max(0, end - (1 << 20))
            handle.seek(start)
            found = handle.read(end - start).rfind(b"\n")
            if found >= 0:
                handle.truncate(start + found + 1)
                return
            end = start
        handle.truncate(0)


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
        if isinstance(exc, openai.NotFoundError) and self.doing.startswith("reading batch"):
            what = self.doing.removeprefix("reading ")
            raise BatchNotFound(f"the provider has no {what}") from None
        if isinstance(exc, openai.NotFoundError) and "batch" in self.doing:
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
