"""Output files a hostile or broken Batch API sends (`BatchAPI.hostile`), streamed so that even an
endless one costs the stand-in nothing:

- `forged`: result lines whose `custom_id` forges a log line, clears the screen, sets the
  window title or reverses the text; error lines of `FORGED_FAILURES` real requests whose
  message does the same; then every real answer (those requests' a second time).
- `flood`: the real answers after `count` lines naming requests nobody made.
- `endless-lines`: the real answers, then lines naming nobody's requests, never ending.
- `endless-line`: the real answers, then one line that never ends (no line break, ever).
- `oversized`: the first answer padded to `OVERSIZED` bytes (a valid JSON line, far past any
  real answer), then the rest.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler

MODES = frozenset({"forged", "flood", "endless-lines", "endless-line", "oversized"})
OVERSIZED = 6 << 20
CHUNK = 1 << 16
# custom_ids and messages that act on a terminal if printed raw
FORGED_IDS = (
    "2601.00001v1:brief:x\nWARNING summarizer.batch.collect: forged log line",
    "\nsummarizer: error: forged error line",
    "\x1b[2J\x1b[Hthe screen was cleared",
    "\x1b]0;pwned window title\x07",
    "\u202egnp.exe",
    "line\u2028separator\u2029paragraph\x9b31m",
)
FORGED_FAILURES = 3
FORGED_MESSAGE = "\x1b[2J\x1b]0;pwned\x07\nsummarizer: error: forged by the provider"


def hostile_content(mode: str, real: list[bytes], *, count: int) -> Callable[[], Iterator[bytes]]:
    """The output file of mode `mode` around the `real` result lines, made afresh on each
    download (a generator: never whole in memory)."""
    if mode not in MODES:
        raise ValueError(f"unknown hostile output {mode!r}; known: {sorted(MODES)}")

    def content() -> Iterator[bytes]:
        if mode == "forged":
            yield from (_error_line(n, custom_id) for n, custom_id in enumerate(FORGED_IDS))
            # the first FORGED_FAILURES real requests fail first, with a forging message
            for number, line in enumerate(real[:FORGED_FAILURES]):
                yield _error_line(len(FORGED_IDS) + number, json.loads(line)["custom_id"])
            yield from real
        elif mode == "flood":
            yield from _nobody(range(count))
            yield from real
        elif mode == "endless-lines":
            yield from real
            yield from _nobody(itertools.count(), pad=1000)
        elif mode == "endless-line":
            yield from real
            yield b'{"id": "batch_req_x", "custom_id": "'
            yield from itertools.repeat(b"x" * CHUNK)
        else:  # oversized
            first, *rest = real or [b"{}\n"]
            record = json.loads(first)
            record["padding"] = "x" * OVERSIZED
            yield (json.dumps(record) + "\n").encode()
            yield from rest

    return content


def _error_line(number: int, custom_id: str) -> bytes:
    record = {
        "id": f"batch_req_forged{number}",
        "custom_id": custom_id,
        "response": None,
        "error": {"code": "server_error", "message": FORGED_MESSAGE},
    }
    return (json.dumps(record) + "\n").encode()


def _nobody(numbers: Iterable[int], *, pad: int = 0) -> Iterator[bytes]:
    """Result lines naming requests nobody made, each `pad` bytes longer than it need be."""
    padding = b" " * pad
    for number in numbers:
        yield b'{"id": "batch_req_%d", "custom_id": "nobody-%d", "response": null}%s\n' % (
            number,
            number,
            padding,
        )


def stream(
    handler: BaseHTTPRequestHandler, chunks: Iterable[bytes], stopping: threading.Event
) -> None:
    """Send `chunks` as one chunked HTTP response, a slice of at least CHUNK bytes at a time,
    until they end, the client hangs up or the stand-in stops."""
    try:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        pending: list[bytes] = []
        size = 0
        for piece in itertools.chain(chunks, [b""]):
            pending.append(piece)
            size += len(piece)
            if (size >= CHUNK or not piece) and size:
                handler.wfile.write(b"%x\r\n%s\r\n" % (size, b"".join(pending)))
                pending, size = [], 0
            if stopping.is_set():
                break
        handler.wfile.write(b"0\r\n\r\n")
    except OSError:  # the client stopped reading: what a capped download does
        handler.close_connection = True
