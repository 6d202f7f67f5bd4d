"""A profile straight from the reader's Zotero library (SUMMARIZER_ZOTERO_*), kept in the store and
refreshed with the library's version, so a nightly run asks for changes only.

The first run reads the library's top-level items (or one collection's) and keeps the papers
among them (not notes or attachments, nothing in the trash) with the library version. A later run
asks `items/top?since=V` with `If-Modified-Since-Version: V`: one 304 when nothing changed. When
something did, the changes are read library-wide, trashed items included, and each changed item is
judged again, so one moved out of the collection or into the trash leaves the profile (a
collection's own listing would only stop showing it); `deleted?since=V` names the items deleted
for good. Title and abstract are what ranks; the date added and an arXiv id named by the item's
`extra`, URL or DOI come along. When the API cannot be reached the stored copy is used, and the
run says so.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ..core.errors import FetchError
from ..core.redaction import protect_secret
from ..store.database import Store
from ..store.profiles import ProfileStore
from .profile import ProfilePaper, arxiv_id_in, parse_added
from .settings import RankSettings
from .zotero_client import Unreachable, ZoteroClient, ZoteroError

log = logging.getLogger(__name__)
NOT_PAPERS = frozenset({"note", "attachment", "annotation"})


def zotero_profile(settings: RankSettings, *, store: Store) -> ZoteroProfile | None:
    """The reader's Zotero library as a profile source, or None when none is set."""
    library = settings.zotero_library
    if library is None:
        return None
    protect_secret(settings.zotero_key)  # never in a message, a log or a traceback
    key = settings.zotero_key.get_secret_value() if settings.zotero_key else None
    client = ZoteroClient(api=settings.zotero_api, library=library, key=key)
    return ZoteroProfile(
        client=client, store=store, api=settings.zotero_api, collection=settings.zotero_collection
    )


class ZoteroProfile:
    """The library's papers, synced once per run on first use. `note` says when the stored copy
    stood in for an unreachable API."""

    def __init__(
        self, *, client: ZoteroClient, store: Store, api: str, collection: str | None
    ) -> None:
        self.client = client
        self.store = store
        self.collection = collection
        # The stored copy's name: where it comes from, never the key.
        self.name = f"{api.rstrip('/')}/{client.library}"
        self.name += f"/collections/{collection}" if collection else ""
        self.shown = client.library + (f" (collection {collection})" if collection else "")
        self.note = ""

    def papers(self) -> list[ProfilePaper]:
        cache = ProfileStore(self.store)
        synced = cache.zotero_version(self.name)
        try:
            self._sync(cache, synced)
        except Unreachable as exc:
            if synced is None:
                raise FetchError(
                    f"could not read the Zotero library {self.shown}: {exc}; run again later"
                ) from None
            self.note = f"Zotero unreachable ({exc}): ranked with the stored copy"
            log.warning("the Zotero API is unreachable (%s); ranking with the stored copy", exc)
        finally:
            self.client.close()
        papers = [ProfilePaper.from_record(r) for r in cache.zotero_items(self.name)]
        if not papers:
            log.warning("the Zotero library %s holds no paper with a title", self.shown)
        return papers

    def _sync(self, cache: ProfileStore, synced: int | None) -> None:
        if synced is not None and self._changes(cache, synced):
            return
        listing = f"collections/{self.collection}/items/top" if self.collection else "items/top"
        read = self.client.pages(listing, {"format": "json"})
        assert read is not None  # no If-Modified-Since-Version: never a 304
        items, version = read
        cache.save_zotero(
            self.name, version=version, changed=self._kept(items), removed=(), replace=True
        )

    def _changes(self, cache: ProfileStore, synced: int) -> bool:
        """Apply what changed since version `synced`; False when a whole read is needed instead
        (an API without the list of deletions, as some local servers)."""
        read = self.client.pages(
            "items/top",
            {"format": "json", "since": synced, "includeTrashed": 1},
            unless_version=synced,
        )
        if read is None:
            return True  # 304: nothing changed
        items, version = read
        try:
            deleted = self.client.get("deleted", {"since": synced})
        except ZoteroError as exc:
            if exc.status in (400, 404):
                return False
            raise
        gone = set(_deleted_items(deleted.body))
        kept = [row for row in self._kept(items) if row[0] not in gone]
        left = {str(item.get("key")) for item in items} - {key for key, _, _ in kept}
        cache.save_zotero(
            self.name, version=version, changed=kept, removed=gone | left, replace=False
        )
        log.info(
            "Zotero: %d changed, %d gone since version %d", len(kept), len(gone | left), synced
        )
        return True

    def _kept(self, items: list[dict[str, Any]]) -> list[tuple[str, int, dict[str, Any]]]:
        """(key, version, record) of the items that belong in the profile."""
        kept = []
        for item in items:
            data = item.get("data")
            if not isinstance(data, dict) or not isinstance(item.get("key"), str):
                continue
            if self.collection and self.collection not in (data.get("collections") or []):
                continue
            paper = paper_of(data)
            if paper is not None:
                version = item.get("version")
                kept.append(
                    (item["key"], version if isinstance(version, int) else 0, paper.record())
                )
        return kept


def paper_of(data: dict[str, Any]) -> ProfilePaper | None:
    """The profile paper an item's `data` describes, or None for a note, an attachment, a trashed
    item or one without a title."""
    if data.get("itemType") in NOT_PAPERS or data.get("deleted"):
        return None
    title = _text(data, "title")
    if not title.strip():
        return None
    creators = [c for c in data.get("creators") or [] if isinstance(c, dict)]
    authors = [_name(c) for c in creators if _name(c)]
    return ProfilePaper.of(
        title,
        _text(data, "abstractNote"),
        authors,
        added=parse_added(_text(data, "dateAdded")),
        arxiv_id=arxiv_id_in(*(_text(data, k) for k in ("archiveID", "extra", "url", "DOI"))),
    )


def _text(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    return value if isinstance(value, str) else ""


def _name(creator: dict[str, Any]) -> str:
    """`First Last`, or the single-field `name` of an organisation."""
    if isinstance(creator.get("name"), str):
        return creator["name"].strip()
    return f"{_text(creator, 'firstName')} {_text(creator, 'lastName')}".strip()


def _deleted_items(body: bytes) -> list[str]:
    try:
        answer = json.loads(body)
    except ValueError:
        raise Unreachable("a list of deletions that is not JSON") from None
    keys = answer.get("items") if isinstance(answer, dict) else None
    return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []
