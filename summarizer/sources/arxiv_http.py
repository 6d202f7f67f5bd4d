"""The HTTP session under the arxiv client: each request bounded whole (not read by read) by
ARXIV_TIMEOUT, its body read with a size cap, and the `Retry-After` of a 429 or 503 kept for the
caller's pause."""

from __future__ import annotations

import threading
from typing import Any

import requests

from ..net.retry_after import retry_after_seconds

# A page of 2,000 entries (the most ARXIV_PAGE_SIZE allows) is a few MB of Atom.
MAX_ANSWER_BYTES = 32 << 20
CHUNK_BYTES = 64 << 10


class AnswerTooLarge(requests.RequestException):
    """The API's answer passed MAX_ANSWER_BYTES: not a page of results."""


def _read_capped(response: requests.Response) -> requests.Response:
    """`response` with its body read, at most MAX_ANSWER_BYTES of it (AnswerTooLarge past that,
    the rest never read)."""
    chunks, size = [], 0
    with response:
        for chunk in response.iter_content(CHUNK_BYTES):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise AnswerTooLarge(f"an answer larger than {MAX_ANSWER_BYTES:,} bytes")
    # As requests stores a body it has read itself; `.content` and `.text` then return it.
    response._content = b"".join(chunks)
    return response


class TimeoutSession(requests.Session):
    """`timeout` bounds each request whole, not each read: an endpoint that trickles a byte a
    second (or its headers) is given up on after `timeout` seconds, as a read timeout. The body
    is read with a size cap: an endpoint that never ends its answer costs MAX_ANSWER_BYTES.

    The request runs in a daemon thread that is abandoned at the deadline (requests cannot be
    interrupted mid-read); the socket's own timeout, or the cap, still ends that thread."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.retry_after: float | None = None  # what the last response asked, if anything

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        kwargs["stream"] = True  # the body is read here, with a cap
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def fetch() -> None:
            try:
                response = super(TimeoutSession, self).request(*args, **kwargs)
                outcome["response"] = _read_capped(response)
            except BaseException as exc:  # handed to the waiting thread
                outcome["error"] = exc
            finally:
                done.set()

        threading.Thread(target=fetch, name="arxiv-request", daemon=True).start()
        if not done.wait(self.timeout):
            raise requests.exceptions.ReadTimeout(
                f"no complete answer within ARXIV_TIMEOUT={self.timeout:g} s"
            )
        if "error" in outcome:
            raise outcome["error"]
        response: requests.Response = outcome["response"]
        self.retry_after = (
            retry_after_seconds(response.headers.get("Retry-After"))
            if response.status_code in (429, 503)
            else None
        )
        return response
