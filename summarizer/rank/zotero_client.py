"""Reading the Zotero Web API v3: versioned GETs, pages followed, slowing down when asked.

Every request names API version 3 and carries the key as `Zotero-API-Key` (none for a public
library or the desktop's local API). `Backoff: <s>` on any answer delays the next request; a 429
or 503 is retried after its `Retry-After`, other 5xx and lost connections after a short pause, a
few times. A refused key (403) stops the run; an API that stays unreachable is `Unreachable`, and
the caller ranks with the stored copy. Source: zotero.org/support/dev/web_api/v3/basics,
/syncing and /local_api (see FACTS.md, "Zotero Web API v3").
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx

from ..core.errors import FetchError
from ..net.bounded import Answer, TooLarge, TooSlow, bounded, http_client

log = logging.getLogger(__name__)
PAGE = 100  # the API's largest `limit`
ATTEMPTS = 3
MAX_WAIT = 60.0  # seconds: asked to wait longer, the run ranks with the stored copy instead
TIMEOUT = 30.0  # seconds for one request, whole
CAP = 64 << 20  # bytes of one answer (a page of 100 items is rarely over 1 MB)
_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


class Unreachable(Exception):
    """The API could not be read now (down, overloaded, too slow): try again on a later run."""


class ZoteroError(FetchError):
    """The API answered, and the answer stops the run (a refused key, an unknown library)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class ZoteroClient:
    """GETs under `{api}/{library}` (`users/<id>` or `groups/<id>`)."""

    def __init__(
        self,
        *,
        api: str,
        library: str,
        key: str | None,
        timeout: float = TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.library = library
        self.requests = 0
        self._base = f"{api.rstrip('/')}/{library}"
        self._headers = {"Zotero-API-Version": "3"} | ({"Zotero-API-Key": key} if key else {})
        self._timeout = timeout
        self._sleep = sleep
        self._client = http_client(timeout)
        self._calm_at = 0.0  # time.monotonic() before which the API asked us not to ask

    def get(
        self, path: str, params: dict[str, Any], *, unless_version: int | None = None
    ) -> Answer:
        """One answer, 200 or (with `unless_version`, nothing changed since) 304."""
        headers = dict(self._headers)
        if unless_version is not None:
            headers["If-Modified-Since-Version"] = str(unless_version)
        reason = ""
        for attempt in range(1, ATTEMPTS + 1):
            self._sleep(max(0.0, self._calm_at - time.monotonic()))
            self.requests += 1
            try:
                answer = bounded(
                    self._client, "GET", f"{self._base}/{path}", deadline=self._timeout,
                    cap=CAP, params=params, headers=headers,
                )  # fmt: skip
            except (TooSlow, TooLarge, httpx.HTTPError, httpx.InvalidURL) as exc:
                reason, pause = _describe(exc), float(attempt)
            else:
                self._calm(answer)
                if answer.status in (200, 304):
                    return answer
                reason, pause = f"HTTP {answer.status}", self._pause(answer, path, attempt)
            if pause > MAX_WAIT:
                reason += f", asked to wait {pause:.0f} s"
                break
            if attempt == ATTEMPTS:
                break
            log.info("Zotero API: %s; asking again in %.0f s", reason, pause)
            self._sleep(pause)
        raise Unreachable(reason)

    def pages(
        self, path: str, params: dict[str, Any], *, unless_version: int | None = None
    ) -> tuple[list[dict[str, Any]], int] | None:
        """Every item of a listing and the library version it was read at; None for a 304.

        Pages follow `Link: rel="next"` (else `Total-Results`). A listing whose version moves
        while it is read (the reader is editing) is read again, a few times."""
        for _ in range(ATTEMPTS):
            items: list[dict[str, Any]] = []
            start: int | None = 0
            version: int | None = None
            while start is not None:
                answer = self.get(
                    path,
                    params | {"limit": PAGE, "start": start},
                    unless_version=unless_version if start == 0 else None,
                )
                if answer.status == 304:
                    return None
                page_version = _version(answer)
                if version is not None and page_version != version:
                    break  # changed under us: read again
                version, page = page_version, _items(answer)
                items += page
                start = _next_start(answer, start, len(page))
            else:
                return items, version if version is not None else 0
        raise Unreachable("the library kept changing while it was read")

    def _pause(self, answer: Answer, path: str, attempt: int) -> float:
        """Seconds before asking again after a refusal; raises when asking again is pointless."""
        if answer.status in (401, 403):
            raise ZoteroError(
                f"the Zotero API refused access to {self.library} (HTTP {answer.status}); check "
                "SUMMARIZER_ZOTERO_KEY (it must be allowed to read this library) or, for the "
                "desktop's local API, that Zotero allows other applications to communicate with it",
                status=answer.status,
            )
        asked = _seconds(answer.headers.get("Retry-After"))
        if answer.status in (429, 503) and asked is not None:
            return asked
        if answer.status >= 500:
            return float(attempt)
        what = "not found" if answer.status == 404 else f"refused (HTTP {answer.status})"
        raise ZoteroError(
            f"Zotero: {self.library}/{path} {what}; check SUMMARIZER_ZOTERO_USER / _GROUP / "
            "_COLLECTION",
            status=answer.status,
        )

    def _calm(self, answer: Answer) -> None:
        if (seconds := _seconds(answer.headers.get("Backoff"))) is not None:
            self._calm_at = time.monotonic() + min(seconds, MAX_WAIT)

    def close(self) -> None:
        self._client.close()


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _version(answer: Answer) -> int:
    value = answer.headers.get("Last-Modified-Version", "")
    if not value.strip().isdigit():
        raise Unreachable("an answer without Last-Modified-Version")
    return int(value)


def _items(answer: Answer) -> list[dict[str, Any]]:
    try:
        page = json.loads(answer.body)
    except ValueError:
        raise Unreachable("an answer that is not JSON") from None
    if not isinstance(page, list):
        raise Unreachable("an answer that is not a list of items")
    return [item for item in page if isinstance(item, dict)]


def _next_start(answer: Answer, start: int, count: int) -> int | None:
    link = _NEXT.search(answer.headers.get("Link", ""))
    if link is not None:
        found = parse_qs(urlsplit(link.group(1)).query).get("start", [""])[0]
        return int(found) if found.isdigit() and int(found) > start else None
    total = answer.headers.get("Total-Results", "")
    if count and total.isdigit() and start + count < int(total):
        return start + count
    return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TooSlow | TooLarge):
        return str(exc)
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return f"connection failed ({type(exc).__name__})"
