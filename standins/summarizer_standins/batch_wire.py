"""The Files and Batches wire format as the stand-in writes it: batch objects, file objects,
result lines of output and error files, multipart uploads (openai-python `types/batch.py`,
`file_object.py`; the OpenAI batch guide's output and error line shapes)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

SERVER_ERROR = {
    "message": "The server had an error processing your request.",
    "type": "server_error",
    "param": None,
    "code": None,
}


@dataclass
class BatchJob:
    id: str
    input_file_id: str
    endpoint: str
    metadata: dict[str, Any]
    created: float  # the stand-in's clock (monotonic)
    created_at: int
    lines: list[dict[str, Any]] = field(default_factory=list)
    fates: list[str] = field(default_factory=list)  # per line: ok, invalid, failed
    errors: list[dict[str, Any]] = field(default_factory=list)
    expire_after: float | None = None
    cancelled: float | None = None  # clock time of the cancel request
    cancelled_done: int = 0
    final: dict[str, Any] | None = None  # output/error file ids once the batch has ended
    validated: threading.Event = field(default_factory=threading.Event)


def batch_object(batch: BatchJob, *, status: str, done: int) -> dict[str, Any]:
    """The Batch object as `GET /v1/batches/{id}` returns it, without its result files."""
    fates = batch.fates[:done]
    return {
        "id": batch.id,
        "object": "batch",
        "endpoint": batch.endpoint,
        "errors": {"object": "list", "data": batch.errors} if batch.errors else None,
        "input_file_id": batch.input_file_id,
        "completion_window": "24h",
        "status": status,
        "output_file_id": None,
        "error_file_id": None,
        "created_at": batch.created_at,
        "expires_at": batch.created_at + 86400,
        "request_counts": {
            "total": 0 if status == "validating" else len(batch.lines),
            "completed": sum(f != "failed" for f in fates),
            "failed": sum(f == "failed" for f in fates),
        },
        "metadata": batch.metadata,
    }


def result_line(number: int, custom_id: str, *, fate: str, body: dict[str, Any] | None) -> bytes:
    """One line of an output file (an answer), or of an error file: a failed request (HTTP 500)
    or one never run because the batch expired or was cancelled first."""
    record: dict[str, Any] = {"id": f"batch_req_{number:08d}", "custom_id": custom_id}
    if body is not None:
        record["response"] = {"status_code": 200, "request_id": f"req_{number}", "body": body}
        record["error"] = None
    elif fate == "failed":
        record["response"] = {
            "status_code": 500,
            "request_id": f"req_{number}",
            "body": {"error": SERVER_ERROR},
        }
        record["error"] = None
    else:
        code = "batch_expired" if fate == "expired" else "batch_cancelled"
        record["response"] = None
        record["error"] = {"code": code, "message": f"This request was not executed ({fate})."}
    return (json.dumps(record, ensure_ascii=False) + "\n").encode()


def file_object(file_id: str, size: int, filename: str, purpose: str) -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": size,
        "created_at": int(time.time()),
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
    }


def multipart(content_type: str, body: bytes) -> dict[str, tuple[bytes, str]]:
    """The fields of a multipart/form-data body: name -> (content, filename)."""
    boundary = next(
        (p.split("=", 1)[1].strip('"') for p in content_type.split(";") if "boundary=" in p), ""
    )
    fields: dict[str, tuple[bytes, str]] = {}
    if not boundary:
        return fields
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.partition(b"\r\n\r\n")
        disposition = next(
            (
                h
                for h in head.decode("utf-8", "replace").split("\r\n")
                if h.lower().startswith("content-disposition")
            ),
            "",
        )
        params = dict(
            (k.strip(), v.strip().strip('"'))
            for k, _, v in (p.partition("=") for p in disposition.split(";")[1:])
        )
        if "name" in params:
            fields[params["name"]] = (content.removesuffix(b"\r\n"), params.get("filename", ""))
    return fields
