"""One JSON POST to a chat platform or webhook, its answer read as the platform means it.

Every request has a whole-request deadline (`DEADLINE`, connect to last byte, kept by a
`Watchdog` that shuts the socket), separate from the per-read timeout, and its answer is read
with a size cap (`MAX_ANSWER`): a server that trickles or never ends its answer costs at most
`DEADLINE` seconds and `MAX_ANSWER` bytes. Tests shorten both by setting these constants.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx2 as httpx

from ..core.redaction import redact
from ..core.text_safety import clean_text, shorten
from .base import DeliveryError, RateLimited, Unavailable
from .deadline import Watchdog

TIMEOUT = httpx.Timeout(30.0, connect=10.0)  # each connect and read
DEADLINE = 60.0  # seconds for a whole request, connect to the answer's last byte
MAX_ANSWER = 1 << 20  # bytes of an answer read: a platform's answer is a few hundred
REASON_CHARS = 300  # of a refusal quoted in an error line


@dataclass(frozen=True)
class Answer:
    """A platform's answer: its status, headers, body as text, and the body as JSON (None when
    it is not JSON)."""

    status: int
    headers: httpx.Headers
    text: str
    json: Any


@cache
def _client() -> httpx.Client:
    """One client for the process (one TLS context: building one per message costs more than
    sending). No connection is kept alive: each request opens its own, so the watchdog of its
    deadline sees the socket it uses (httpx's `trace` names it only when it is opened)."""
    limits = httpx.Limits(max_keepalive_connections=0)
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False, limits=limits)


def _retry_after(answer: Answer) -> float | None:
    value = answer.headers.get("Retry-After")
    if value is None and isinstance(answer.json, dict):  # Telegram: {"parameters": {...}}
        value = (answer.json.get("parameters") or {}).get("retry_after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def _read_capped(response: httpx.Response) -> bytes:
    """The body, or DeliveryError once it passes MAX_ANSWER bytes (the rest is never read)."""
    declared = response.headers.get("Content-Length", "")
    too_large = DeliveryError(
        f"HTTP {response.status_code}: the answer is larger than {MAX_ANSWER:,} bytes; not read, "
        "not counted as delivered"
    )
    if declared.isdigit() and int(declared) > MAX_ANSWER:
        raise too_large
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > MAX_ANSWER:
            raise too_large
    return bytes(body)


def post_json(url: str, body: dict[str, Any], *, params: dict[str, str] | None = None) -> Answer:
    """POST `body`; the platform's answer.

    A dropped connection or a 5xx is Unavailable (a couple of quick retries), a 429 is the
    platform's rate-limit answer with its `Retry-After`; no complete answer within DEADLINE, or
    one over MAX_ANSWER bytes, is a DeliveryError (not retried: such a server is not having a
    hiccup). Errors never carry the URL: it holds the token.
    """
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    if params:  # added to the query the URL already has (DingTalk's access_token), not instead
        url += ("&" if urlsplit(url).query else "?") + urlencode(params)
    headers = {"Content-Type": "application/json; charset=utf-8", "Accept-Encoding": "identity"}
    with Watchdog(DEADLINE) as watchdog:
        try:
            with _client().stream(
                "POST", url, content=data, headers=headers, extensions={"trace": watchdog.trace}
            ) as response:
                raw = _read_capped(response)
        except (httpx.HTTPError, httpx.StreamError, DeliveryError) as exc:
            if watchdog.expired:
                raise DeliveryError(
                    f"no complete answer within {DEADLINE:g} s; not counted as delivered"
                ) from None
            if isinstance(exc, DeliveryError):
                raise
            raise Unavailable(f"connection failed ({type(exc).__name__})") from None
    text = raw.decode("utf-8", "replace")  # every platform answers in UTF-8
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    answer = Answer(response.status_code, response.headers, text, parsed)
    if answer.status == 429:
        raise RateLimited("HTTP 429 Too Many Requests", wait=_retry_after(answer))
    if answer.status >= 500:
        raise Unavailable(f"HTTP {answer.status}", wait=_retry_after(answer))
    return answer


_PAGE = re.compile(r"(?i)<(!doctype|html|body)\b")
_PAGE_PARTS = re.compile(r"(?is)<(head|script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>")


def quoted(text: str) -> str:
    """Text a server sent, made fit for one error line: an HTML page as its visible text,
    redacted (the server may quote the request's URL or body back), without control characters,
    cut short."""
    text = text[: REASON_CHARS * 10]
    if _PAGE.search(text):  # a proxy's or a server's error page: what it says
        text = html.unescape(_PAGE_PARTS.sub(" ", text))
    # Redacted before it is cut (no half secret), once the characters a secret could be split
    # by are gone, and again once spaces are collapsed.
    line = " ".join(redact(clean_text(text)).split())
    return shorten(redact(line), REASON_CHARS)


def refused(answer: Answer, reason: object) -> DeliveryError:
    """The platform's own refusal, as one redacted line."""
    return DeliveryError(f"HTTP {answer.status}: {quoted(str(reason))}")


def is_zero(code: object) -> bool:
    """A platform's success code: the number 0 (not `false`, not "0", not missing)."""
    return type(code) is int and code == 0
