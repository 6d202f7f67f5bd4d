"""Result lines of a batch (output and error files, or `vllm run_batch` output), read one at a
time and matched to their requests by `custom_id`."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from .client import Completion, completion_of

# One result line at most. The largest answer a run accepts (MAX_ANSWER_CHARS, each character
# escaped as \uXXXX in the worst case: 1.2 MB) with as much reasoning beside it stays under it;
# a real line is a few KB. A longer line is an error line of its request, never parsed.
MAX_LINE_BYTES = 4 << 20
# An over-long line is read past (and dropped) up to this far; no line break by then: the rest
# of the file is not read (a stream that never ends, or not a JSON lines file at all).
SKIP_BYTES = 64 << 20
_JSON = json.JSONDecoder()
_MIB = MAX_LINE_BYTES >> 20
_SKIP_MIB = SKIP_BYTES >> 20
_CUSTOM_ID = re.compile(rb'"custom_id"\s*:\s*"((?:[^"\\]|\\.){1,1000})"')
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

    def result(self) -> BatchResult:
        return self


class ResultLine(NamedTuple):
    """A line of a result file, its answer read (`result()`) only once it names a request of
    ours: a flood of other lines costs no more than their custom_ids."""

    custom_id: str
    record: dict[str, Any]

    def result(self) -> BatchResult:
        return _result(self.custom_id, self.record)


class ResultFile:
    """The result lines of one file, read one at a time with a cap on each: whatever the file
    holds (no line break ever, `/dev/zero`, gigabytes of junk), memory stays flat. What could not
    be read is counted (`unreadable`, the first such line), not logged line by line; `stopped`
    says why reading ended before the end of the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.unreadable = 0
        self.first_unreadable: int | None = None
        self.stopped: str | None = None

    def __iter__(self) -> Iterator[ResultLine | BatchResult]:
        with self.path.open("rb") as handle:
            for number in itertools.count(1):
                raw = handle.readline(MAX_LINE_BYTES + 1)
                if not raw:
                    return
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    custom_id = _leading_custom_id(raw)
                    ended = _read_past_line(handle)
                    if custom_id is not None:  # paid for, and far beyond any valid answer
                        yield BatchResult(custom_id, error=f"a result line over {_MIB} MiB")
                    else:
                        self._unreadable(number)
                    if not ended:
                        self.stopped = f"line {number} runs on past {_SKIP_MIB} MiB, never ending"
                        return
                    continue
                raw = raw.strip()
                if not raw:
                    continue
                try:
                    if raw[:1] != b"{":  # not a JSON object: not even decoded
                        raise ValueError
                    text = raw.decode("utf-8")
                    record, end = _JSON.raw_decode(text)
                    if end != len(text):
                        raise ValueError
                    line = ResultLine(str(record["custom_id"]), record)
                except (ValueError, KeyError, TypeError, RecursionError):
                    self._unreadable(number)
                    continue
                yield line

    def _unreadable(self, number: int) -> None:
        self.unreadable += 1
        if self.first_unreadable is None:
            self.first_unreadable = number


def read_results(path: Path) -> Iterator[BatchResult]:
    """The results of an output or error file (also `vllm run_batch` output), every one read."""
    return (line.result() for line in ResultFile(path))


def _leading_custom_id(raw: bytes) -> str | None:
    """The `custom_id` a line too long to parse names near its start (OpenAI and vLLM write it
    second, after the line's own id), if any."""
    match = _CUSTOM_ID.search(raw, 0, 65536)
    if match is None:
        return None
    try:
        return str(json.loads(b'"' + match.group(1) + b'"'))
    except ValueError:
        return None


def _read_past_line(handle: BinaryIO) -> bool:
    """Read on to the end of an over-long line, a slice at a time and keeping none; False when
    no line break came within `SKIP_BYTES` (an endless stream, or not a JSON lines file)."""
    skipped = 0
    while skipped <= SKIP_BYTES:
        piece = handle.readline(1 << 20)
        if not piece or piece.endswith(b"\n"):
            return True
        skipped += len(piece)
    return False


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
