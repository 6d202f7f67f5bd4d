"""Result lines of a batch (output and error files, or `vllm run_batch` output), read one at a
time and matched to their requests by `custom_id`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from .client import Completion, completion_of

log = logging.getLogger(__name__)
# Error codes of requests the provider never ran (the window ran out, or we cancelled): not an
# attempt at the paper, and not paid for.
UNFINISHED = frozenset({"batch_expired", "batch_cancelled"})


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
