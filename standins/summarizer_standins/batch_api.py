"""The Files and Batches endpoints of the OpenAI stand-in, with OpenAI's semantics.

`POST /v1/files` (multipart, `purpose=batch`), `GET /v1/files/{id}`, `GET /v1/files/{id}/content`;
`POST /v1/batches`, `GET /v1/batches/{id}`, `POST /v1/batches/{id}/cancel`, `GET /v1/batches`.
A batch runs on the stand-in's own clock, fast: `validating` for `timing[0]` seconds, then
`in_progress` for `timing[1]` (request counts rising), `finalizing` for `timing[2]`, then
`completed`; or `failed` when the input file breaks the rules, `expired` (with `expire_after` set:
only that share of the requests is run), `cancelling` → `cancelled`. Output and error files are
shuffled (OpenAI: "not in input order"). Error lines of requests never run carry the code
`batch_expired` / `batch_cancelled`. Limits: 50,000 requests and 200 MB per file, one model.
`hostile` makes the output files what a hostile or broken provider sends (batch_hostile),
`hostile_error` the reason every batch fails with, `id_prefix` what batch ids start with,
`output_id` the id of every output file.
Sources: openai-python `types/batch.py`, `batch_create_params.py`; the OpenAI batch guide.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .batch_hostile import hostile_content, stream
from .batch_wire import BatchJob, batch_object, file_object, multipart, result_line
from .server import read_body, send

if TYPE_CHECKING:
    from .openai_api import ModelStandin

MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024
PREFIXES = ("/v1/files", "/v1/batches")


class BatchAPI:
    """Held by a ModelStandin (`standin.batch_api`); answers with the stand-in's own answers."""

    def __init__(self, owner: ModelStandin, *, seed: int = 0) -> None:
        self.owner = owner
        self.timing = (0.1, 0.4, 0.1)
        self.fail_fraction = 0.0  # share of requests answered by an error line (HTTP 500)
        self.invalid_fraction = 0.0  # share answered with malformed JSON
        self.expire_after: float | None = None  # share run before the batch expires
        # Requests that may be enqueued at once across running batches (a stand-in for OpenAI's
        # enqueued-token limit per model): a batch beyond it fails with token_limit_exceeded.
        self.queue_limit: int | None = None
        self.enabled = True
        self.hostile: str | None = None  # a batch_hostile mode for the output files
        self.flood = 1_000_000  # lines naming nobody's requests, in mode `flood`
        self.hostile_error: str | None = None  # every batch fails, with this reason
        self.id_prefix = "batch_standin"  # what the ids of new batches start with
        self.output_id: str | None = None  # the id of every output file (a hostile one: `../x`)
        self.downloads = 0  # output and error file contents served
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, BatchJob] = {}
        self.created = 0
        self.answered: Counter[str] = Counter()  # paper -> answers sent in output files
        self._contents: dict[str, bytes] = {}
        self._streams: dict[str, Callable[[], Iterator[bytes]]] = {}  # hostile output files
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._number = 0

    def handles(self, path: str) -> bool:
        """Whether this serves `path`; with `enabled` off the endpoint has no Batch API (the
        chat handler answers 404, as an endpoint without one does)."""
        return self.enabled and path.split("?")[0].startswith(PREFIXES)

    # --- HTTP ----------------------------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        raw = read_body(handler)
        auth = handler.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return self._error(handler, 401, "You didn't provide an API key.")
        expected = self.owner.expected_key
        if expected is not None and auth[7:].strip() != expected:
            return self._error(handler, 401, "Incorrect API key provided.")
        path, _, query = handler.path.partition("?")
        parts = [unquote(p) for p in path.split("/") if p][1:]  # drop "v1"
        if len(parts) == 3 and parts[0] == "files" and parts[2] == "content":
            with self._lock:
                content = self._streams.get(parts[1])
            if content is not None:  # sent outside the lock: it may never end
                self.downloads += 1
                return stream(handler, content(), self.owner.stopping)
        with self._lock:
            if parts == ["files"] and method == "POST":
                return self._upload(handler, raw)
            if len(parts) >= 2 and parts[0] == "files" and method == "GET":
                return self._file(handler, parts[1], content=parts[2:] == ["content"])
            if parts == ["batches"] and method == "POST":
                return self._create(handler, raw)
            if parts == ["batches"] and method == "GET":
                return self._list(handler, query)
            if len(parts) == 2 and parts[0] == "batches" and method == "GET":
                return self._retrieve(handler, parts[1])
            if len(parts) == 3 and parts[0] == "batches" and parts[2] == "cancel":
                return self._cancel(handler, parts[1])
        return self._error(handler, 404, f"Unknown request URL: {method} {handler.path}.")

    def _upload(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        fields = multipart(handler.headers.get("Content-Type", ""), raw)
        purpose = fields.get("purpose", (b"", ""))[0].decode()
        if "file" not in fields:
            return self._error(handler, 400, "'file' is a required property")
        data, filename = fields["file"]
        if purpose != "batch":
            return self._error(handler, 400, f"Invalid purpose {purpose!r} for this stand-in")
        self._number += 1
        file_id = f"file-standin{self._number:06d}"
        self._contents[file_id] = data
        self.files[file_id] = file_object(file_id, len(data), filename, "batch")
        self._json(handler, 200, self.files[file_id])

    def _file(self, handler: BaseHTTPRequestHandler, file_id: str, *, content: bool) -> None:
        if file_id not in self.files:
            return self._error(handler, 404, f"No such File object: {file_id}")
        if content:
            self.downloads += 1
            send(handler, 200, self._contents[file_id], "application/octet-stream")
        else:
            self._json(handler, 200, self.files[file_id])

    def _create(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        try:
            params = json.loads(raw)
        except ValueError:
            return self._error(handler, 400, "We could not parse the JSON body of your request.")
        file_id = params.get("input_file_id")
        if file_id not in self.files:
            return self._error(handler, 404, f"No such File object: {file_id}")
        if params.get("completion_window") != "24h":
            return self._error(handler, 400, "completion_window must be '24h'")
        self._number += 1
        self.created += 1
        batch = BatchJob(
            id=f"{self.id_prefix}{self._number:06d}",
            input_file_id=file_id,
            endpoint=str(params.get("endpoint")),
            metadata=params.get("metadata") or {},
            created=time.monotonic(),
            created_at=int(time.time()),
            expire_after=self.expire_after,
        )
        self.batches[batch.id] = batch
        # Validated off the request, as the provider does: the batch is `validating` meanwhile.
        threading.Thread(
            target=self._validate, args=(batch, self._contents[file_id]), daemon=True
        ).start()
        self._json(handler, 200, self._object(batch))

    def _retrieve(self, handler: BaseHTTPRequestHandler, batch_id: str) -> None:
        if batch_id not in self.batches:
            return self._error(handler, 404, f"No batch found with id '{batch_id}'.")
        self._json(handler, 200, self._object(self.batches[batch_id]))

    def _cancel(self, handler: BaseHTTPRequestHandler, batch_id: str) -> None:
        batch = self.batches.get(batch_id)
        if batch is None:
            return self._error(handler, 404, f"No batch found with id '{batch_id}'.")
        status = self._status(batch)[0]
        if status in {"completed", "failed", "expired", "cancelled"}:
            return self._error(handler, 409, f"Cannot cancel a batch with status '{status}'.")
        if batch.cancelled is None:
            batch.cancelled_done = self._status(batch)[1]
            batch.cancelled = time.monotonic()
        self._json(handler, 200, self._object(batch))

    def _list(self, handler: BaseHTTPRequestHandler, query: str) -> None:
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        limit = min(max(int(params.get("limit") or 20), 1), 100)
        ordered = sorted(self.batches.values(), key=lambda b: b.id, reverse=True)  # newest first
        after = params.get("after")
        if after:
            ordered = [b for b in ordered if b.id < after]
        page = ordered[:limit]
        self._json(
            handler,
            200,
            {
                "object": "list",
                "data": [self._object(b) for b in page],
                "first_id": page[0].id if page else None,
                "last_id": page[-1].id if page else None,
                "has_more": len(ordered) > limit,
            },
        )

    # --- a batch's life --------------------------------------------------------------------------
    def _validate(self, batch: BatchJob, data: bytes) -> None:
        try:
            self._check_lines(batch, data)
        finally:
            batch.validated.set()

    def _check_lines(self, batch: BatchJob, data: bytes) -> None:
        if self.hostile_error is not None:
            batch.errors.append({"code": "invalid_file", "message": self.hostile_error})
            return
        if len(data) > MAX_BYTES:
            batch.errors.append({"code": "file_too_large", "message": "over 200 MB", "line": None})
            return
        seen: set[str] = set()
        models: set[str] = set()
        for number, raw in enumerate(data.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
                custom_id = line["custom_id"]
                ok = line["method"] == "POST" and line["url"] == batch.endpoint
                models.add(str(line["body"]["model"]))
            except (ValueError, KeyError, TypeError):
                ok, custom_id = False, None
            if not ok or custom_id in seen:
                batch.errors.append(
                    {"code": "invalid_request", "message": "bad request line", "line": number}
                )
                return
            seen.add(custom_id)
            batch.lines.append(line)
        if len(batch.lines) > MAX_REQUESTS or len(models) > 1 or not batch.lines:
            batch.errors.append({"code": "invalid_file", "message": "limits", "line": None})
            return
        with self._lock:
            draws = [self._rng.random() for _ in batch.lines]
            if self.queue_limit is not None:
                running = {"validating", "in_progress", "finalizing", "cancelling"}
                enqueued = sum(
                    len(other.lines)
                    for other in self.batches.values()
                    if other is not batch
                    and other.validated.is_set()
                    and self._status(other)[0] in running
                )
                if enqueued + len(batch.lines) > self.queue_limit:
                    message = (
                        f"Enqueued token limit reached for {batch.lines[0]['body']['model']}. "
                        f"Limit: {self.queue_limit} enqueued requests. Please try again once "
                        "some in_progress batches have been completed."
                    )
                    batch.errors.append(
                        {"code": "token_limit_exceeded", "message": message, "line": None}
                    )
                    return
        for draw in draws:
            if draw < self.fail_fraction:
                batch.fates.append("failed")
            elif draw < self.fail_fraction + self.invalid_fraction:
                batch.fates.append("invalid")
            else:
                batch.fates.append("ok")

    def _status(self, batch: BatchJob) -> tuple[str, int]:
        """(status, requests run so far) on the stand-in's clock."""
        if not batch.validated.is_set():
            return "validating", 0
        if batch.errors:
            return "failed", 0
        now = time.monotonic()
        validating, running, finalizing = self.timing
        total = len(batch.lines)
        if batch.cancelled is not None:
            return ("cancelling" if now - batch.cancelled < 0.1 else "cancelled"), (
                batch.cancelled_done
            )
        elapsed = now - batch.created
        limit = total
        if batch.expire_after is not None:
            limit = int(total * batch.expire_after)
        if elapsed < validating:
            return "validating", 0
        if elapsed < validating + running:
            return "in_progress", min(limit, int(total * (elapsed - validating) / running))
        if batch.expire_after is not None:
            return "expired", limit
        if elapsed < validating + running + finalizing:
            return "finalizing", total
        return "completed", total

    def _object(self, batch: BatchJob) -> dict[str, Any]:
        status, done = self._status(batch)
        obj = batch_object(batch, status=status, done=done)
        if status in {"completed", "expired", "cancelled"}:
            if batch.final is None:
                batch.final = self._finish(batch, done, status)
            obj.update(batch.final)
        return obj

    def _finish(self, batch: BatchJob, done: int, status: str) -> dict[str, Any]:
        """Run the requests (the stand-in's own answers) and write the shuffled result files."""
        outputs: list[bytes] = []
        errors: list[bytes] = []
        for index, line in enumerate(batch.lines):
            fate = batch.fates[index] if index < done else status
            self._number += 1
            body = None
            if fate in {"ok", "invalid"}:
                paper, body = self.owner.batch_answer(
                    line["body"],
                    number=self._number,
                    fault="malformed" if fate == "invalid" else None,
                )
                self.answered[paper] += 1
            record = result_line(self._number, line["custom_id"], fate=fate, body=body)
            (outputs if body is not None else errors).append(record)
        final: dict[str, Any] = {}
        for name, lines in (("output_file_id", outputs), ("error_file_id", errors)):
            if lines:
                self._rng.shuffle(lines)
                self._number += 1
                file_id = f"file-standin{self._number:06d}"
                if name == "output_file_id" and self.output_id is not None:
                    file_id = self.output_id
                self._contents[file_id] = b"".join(lines)
                if self.hostile is not None and name == "output_file_id":
                    self._streams[file_id] = hostile_content(self.hostile, lines, count=self.flood)
                self.files[file_id] = file_object(
                    file_id,
                    len(self._contents[file_id]),
                    f"{batch.id}_{name[:-8]}.jsonl",
                    "batch_output",
                )
                final[name] = file_id
        return final

    # --- replies ---------------------------------------------------------------------------------
    def _json(self, handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
        send(handler, status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    def _error(self, handler: BaseHTTPRequestHandler, status: int, message: str) -> None:
        error = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
        self._json(handler, status, {"error": error})
