"""One JSON POST to a chat platform or webhook, its answer read as the platform means it.

Every request has a whole-request deadline (`DEADLINE`, connect to last byte) separate from the
per-read timeout, and its answer is read with a size cap (`MAX_ANSWER`), both kept by
`net.bounded`: a server that trickles or never ends its answer costs at most `DEADLINE` seconds
and `MAX_ANSWER` bytes. Tests shorten both by setting these constants.
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
from ..net.bounded import TooLarge, TooSlow, bounded, http_client
from ..net.retry_after import retry_after_seconds
from .base import DeliveryError, RateLimited, Unavailable

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
    sending)."""
    return http_client(TIMEOUT, follow_redirects=False)


def _retry_after(answer: Answer) -> float | None:
    value = answer.headers.get("Retry-After")
    if value is None and isinstance(answer.json, dict):  # Telegram: {"parameters": {...}}
        value = (answer.json.get("parameters") or {}).get("retry_after")
    return retry_after_seconds(value)


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
    try:
        raw = bounded(
            _client(), "POST", url, deadline=DEADLINE, cap=MAX_ANSWER, content=data, headers=headers
        )
    except TooSlow:
        raise DeliveryError(
            f"no complete answer within {DEADLINE:g} s; not counted as delivered"
        ) from None
    except TooLarge:
        raise DeliveryError(
            f"the answer is larger than {MAX_ANSWER:,} bytes; not read, not counted as delivered"
        ) from None
    except (httpx.HTTPError, httpx.StreamError) as exc:
        raise Unavailable(f"connection failed ({type(exc).__name__})") from None
    text = raw.body.decode("utf-8", "replace")  # every platform answers in UTF-8
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    answer = Answer(raw.status, raw.headers, text, parsed)
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


def expect_code_zero(
    answer: Answer,
    *,
    platform: str,
    rate_limit_code: int,
    code_keys: tuple[str, ...] = ("errcode",),
    message_keys: tuple[str, ...] = ("errmsg",),
    wait: float | None = None,
) -> None:
    """Delivered only when the platform's JSON answer holds the code 0 (under the first of
    `code_keys` it has) with HTTP 200; its rate-limit code is RateLimited (`wait` seconds, else
    the default pause); `{}`, a page or any other code is a refusal quoting its message."""
    body = answer.json if isinstance(answer.json, dict) else {}
    code = next((body[key] for key in code_keys if key in body), None)
    if answer.status == 200 and is_zero(code):
        return
    message = next((body[key] for key in message_keys if key in body), "") if body else answer.text
    label = f"{platform} {code_keys[0]} {code}"
    if code == rate_limit_code:
        raise RateLimited(f"{label}: {quoted(str(message))}", wait=wait)
    raise refused(answer, f"{label}: {message}" if body else f"{platform}: {message}")


def is_zero(code: object) -> bool:
    """A platform's success code: the number 0 (not `false`, not "0", not missing)."""
    return type(code) is int and code == 0
