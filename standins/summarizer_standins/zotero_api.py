"""A local stand-in for the Zotero Web API v3 (its read requests), serving one library.

What it speaks, as zotero.org/support/dev/web_api/v3/basics and /syncing describe: `GET
{library}/items/top` and `{library}/collections/<key>/items/top` (top-level items; trashed ones
only with `includeTrashed=1`), paged by `limit` (at most 100, or `page_max`) and `start`, with
`Total-Results` and `Link: <...>; rel="next"`; `since=V` (only objects changed after version V);
`If-Modified-Since-Version: V` (304 when the library has not changed since); `{library}/deleted
?since=V`; `Last-Modified-Version` on every answer; the key as `Zotero-API-Key` or `Authorization:
Bearer` (403 when wrong); `Backoff` on every answer when set, and queued 429/503 answers with
`Retry-After`. Under `base_path="/api"` and library `users/0`, with no key, it is the desktop's
local API. `requests` and `log` count what was asked, so a test can prove a second run asks only
for changes.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from .server import BackgroundServer, drop_connection, queue_faults, read_body, send

ZOTERO_FAULTS = frozenset({"429", "503", "500", "reset"})
KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"  # Zotero's object keys: 8 of these
_JSON = "application/json"


def object_key(number: int) -> str:
    digits = []
    for _ in range(8):
        number, digit = divmod(number, len(KEY_ALPHABET))
        digits.append(KEY_ALPHABET[digit])
    return "".join(reversed(digits))


class ZoteroStandin(BackgroundServer):
    """`with ZoteroStandin(library="users/475425", key="k") as z:` serves at `z.url` (the value
    for SUMMARIZER_ZOTERO_API). Change the library with `add`, `modify`, `trash`, `delete`: each
    raises the library version, as a sync of the reader's edits would."""

    def __init__(
        self,
        *,
        library: str = "users/475425",
        key: str | None = "zotero-standin-key",
        base_path: str = "",
        page_max: int = 100,
    ) -> None:
        super().__init__()
        self.library = library
        self.key = key
        self.base_path = base_path.rstrip("/")
        self.page_max = page_max
        self.version = 0
        self.collections: set[str] = set()
        self.backoff: str | None = None  # a `Backoff` header on every answer
        self.retry_after = "1"
        self.requests = 0
        self.log: list[dict[str, Any]] = []
        self._items: dict[str, dict[str, Any]] = {}
        self._deleted: dict[str, int] = {}  # key -> library version it was deleted at
        self._faults: deque[str] = deque()
        self._numbers = 1000
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_path}"

    # the library ----------------------------------------------------------------------------------
    def add(
        self,
        title: str,
        abstract: str = "",
        *,
        item_type: str = "journalArticle",
        creators: list[dict[str, str]] | None = None,
        collections: list[str] = (),  # type: ignore[assignment]
        parent: str | None = None,
        **fields: Any,
    ) -> str:
        """A new item; its key. `parent` makes it a child (a note or an attachment of another)."""
        with self._lock:
            self._numbers += 1
            self.version += 1
            key = object_key(self._numbers)
            added = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=self._numbers - 1000)
            data: dict[str, Any] = {
                "key": key,
                "version": self.version,
                "itemType": item_type,
                "title": title,
                "creators": creators or [],
                "abstractNote": abstract,
                "url": "",
                "DOI": "",
                "extra": "",
                "dateAdded": added.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "dateModified": added.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "collections": list(collections),
                "tags": [],
                "relations": {},
            } | fields
            if parent is not None:
                data["parentItem"] = parent
            self.collections.update(collections)
            self._items[key] = data
            return key

    def modify(self, key: str, **fields: Any) -> None:
        with self._lock:
            self.version += 1
            self._items[key].update(fields, version=self.version)
            self.collections.update(self._items[key].get("collections", ()))

    def trash(self, key: str) -> None:
        self.modify(key, deleted=1)

    def delete(self, key: str) -> None:
        with self._lock:
            self.version += 1
            del self._items[key]
            self._deleted[key] = self.version

    def keys(self) -> list[str]:
        """The items' keys, oldest first."""
        with self._lock:
            return list(self._items)

    def fail_next(self, *kinds: str) -> None:
        queue_faults(self._faults, kinds, known=ZOTERO_FAULTS, lock=self._lock)

    def reset_counters(self) -> None:
        with self._lock:
            self.requests = 0
            self.log = []

    # serving --------------------------------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        read_body(handler)
        url = urlsplit(handler.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        unless = handler.headers.get("If-Modified-Since-Version")
        entry: dict[str, Any] = {"path": url.path, "params": params, "unless": unless}
        with self._lock:
            self.requests += 1
            self.log.append(entry)
            fault = self._faults.popleft() if self._faults else None
        entry["fault"] = fault
        if fault == "reset":
            entry["status"] = 0
            return drop_connection(handler)
        if fault is not None:
            headers = {"Retry-After": self.retry_after} if fault in {"429", "503"} else {}
            return self._send(handler, entry, int(fault), b"Service Unavailable\n", headers)
        prefix = f"{self.base_path}/{self.library}/"
        if method != "GET" or not url.path.startswith(prefix):
            return self._send(handler, entry, 404 if self.key is None else 403, b"Not found\n")
        if self.key is not None and _key_of(handler) != self.key:
            return self._send(handler, entry, 403, b"Forbidden\n")
        with self._lock:
            self._route(handler, entry, url.path[len(prefix) :], params, unless)

    def _route(
        self,
        handler: BaseHTTPRequestHandler,
        entry: dict[str, Any],
        route: str,
        params: dict[str, str],
        unless: str | None,
    ) -> None:
        if unless is not None and unless.isdigit() and self.version <= int(unless):
            return self._send(handler, entry, 304, b"")
        since = int(params["since"]) if params.get("since", "").isdigit() else 0
        if route == "deleted":
            keys = sorted(k for k, v in self._deleted.items() if v > since)
            body = {"collections": [], "searches": [], "items": keys, "tags": [], "settings": []}
            return self._send(handler, entry, 200, json.dumps(body).encode())
        parts = route.split("/")
        if route == "items/top":
            wanted = None
        elif len(parts) == 4 and parts[0] == "collections" and parts[2:] == ["items", "top"]:
            if parts[1] not in self.collections:
                return self._send(handler, entry, 404, b"Collection not found\n")
            wanted = parts[1]
        else:
            return self._send(handler, entry, 404, b"Not found\n")
        trashed = params.get("includeTrashed") == "1"
        listed = [
            data
            for data in self._items.values()
            if "parentItem" not in data
            and data["version"] > since
            and (trashed or not data.get("deleted"))
            and (wanted is None or wanted in data.get("collections", ()))
        ]
        listed.sort(key=lambda d: (-d["version"], d["key"]))  # dateModified, newest first
        self._page(handler, entry, listed, params)

    def _page(
        self,
        handler: BaseHTTPRequestHandler,
        entry: dict[str, Any],
        listed: list[dict[str, Any]],
        params: dict[str, str],
    ) -> None:
        try:
            start = int(params.get("start", "0"))
            limit = int(params.get("limit", "25"))
        except ValueError:
            return self._send(handler, entry, 400, b"Invalid 'start' or 'limit'\n")
        if params.get("format", "json") != "json" or start < 0 or not 1 <= limit <= 100:
            return self._send(handler, entry, 400, b"Invalid request\n")
        limit = min(limit, self.page_max)
        page = listed[start : start + limit]
        items = [self._item(data) for data in page]
        headers = {"Total-Results": str(len(listed))}
        if start + limit < len(listed):
            path = urlsplit(handler.path).path
            query = urlencode(params | {"start": str(start + limit), "limit": str(limit)})
            headers["Link"] = f'<http://127.0.0.1:{self.port}{path}?{query}>; rel="next"'
        entry["count"] = len(items)
        self._send(handler, entry, 200, json.dumps(items).encode(), headers)

    def _item(self, data: dict[str, Any]) -> dict[str, Any]:
        kind, number = self.library.split("/")
        return {
            "key": data["key"],
            "version": data["version"],
            "library": {"type": kind.rstrip("s"), "id": int(number), "name": "reader"},
            "links": {},
            "meta": {"numChildren": 0},
            "data": data,
        }

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        entry: dict[str, Any],
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
    ) -> None:
        entry["status"] = status
        headers = {
            "Zotero-API-Version": "3",
            "Last-Modified-Version": str(self.version),
            **(headers or {}),
        }
        if self.backoff is not None:
            headers["Backoff"] = self.backoff
        send(
            handler, status, body, _JSON if body.startswith((b"[", b"{")) else "text/plain", headers
        )


def _key_of(handler: BaseHTTPRequestHandler) -> str | None:
    auth = handler.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth[7:].strip()
    return handler.headers.get("Zotero-API-Key")
