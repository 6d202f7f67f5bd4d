"""One JSON POST to a chat platform or webhook, its answer read as the platform means it."""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx2 as httpx

from ..core.redaction import redact
from .base import DeliveryError, RateLimited, Unavailable

TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@cache
def _client() -> httpx.Client:
    """One client for the process: building a TLS context per message costs more than sending."""
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False)


def _retry_after(response: httpx.Response, answer: Any) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None and isinstance(answer, dict):  # Telegram: {"parameters": {"retry_after": 5}}
        value = (answer.get("parameters") or {}).get("retry_after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def post_json(
    url: str, body: dict[str, Any], *, params: dict[str, str] | None = None
) -> tuple[httpx.Response, Any]:
    """POST `body`; the response and its JSON (None when not JSON).

    A dropped connection or a 5xx is Unavailable (a couple of quick retries), a 429 is the
    platform's rate-limit answer with its `Retry-After`. Errors never carry the URL: it holds the
    token.
    """
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    if params:  # added to the query the URL already has (DingTalk's access_token), not instead
        url += ("&" if urlsplit(url).query else "?") + urlencode(params)
    try:
        response = _client().post(
            url,
            content=data,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
    except httpx.TransportError as exc:
        raise Unavailable(f"connection failed ({type(exc).__name__})") from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code == 429:
        raise RateLimited("HTTP 429 Too Many Requests", wait=_retry_after(response, answer))
    if response.status_code >= 500:
        raise Unavailable(f"HTTP {response.status_code}", wait=_retry_after(response, answer))
    return response, answer


def refused(response: httpx.Response, reason: object) -> DeliveryError:
    """The platform's own refusal, as one redacted line."""
    text = " ".join(str(reason).split())[:300]
    return DeliveryError(redact(f"HTTP {response.status_code}: {text}"))
