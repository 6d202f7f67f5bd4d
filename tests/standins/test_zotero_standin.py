"""The Zotero Web API stand-in speaks what the API documents (zotero.org/support/dev/web_api/v3/
basics and /syncing): paging headers, versions, `since`, 304, deletions, trash, keys and
slow-down answers. Read with a plain HTTP client, not ours."""

from __future__ import annotations

import httpx2 as httpx
import pytest
from summarizer_standins.zotero_api import ZoteroStandin, object_key

KEY = "zotero-standin-key"
CLIENT = httpx.Client()  # one TLS context for the module (each httpx.get builds one)


def get(z: ZoteroStandin, path: str, **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
    headers = {"Zotero-API-Version": "3", "Zotero-API-Key": KEY} | kwargs.pop("headers", {})
    return CLIENT.get(f"{z.url}/{z.library}/{path}", headers=headers, **kwargs)


def test_pages_carry_total_results_a_next_link_and_the_library_version() -> None:
    with ZoteroStandin(key=KEY) as z:
        keys = [z.add(f"paper {i}") for i in range(5)]
        first = get(z, "items/top", params={"limit": 2, "format": "json"})
        assert first.status_code == 200
        assert first.headers["Total-Results"] == "5"
        assert first.headers["Last-Modified-Version"] == "5"
        assert first.headers["Zotero-API-Version"] == "3"
        assert [item["key"] for item in first.json()] == keys[::-1][:2]  # newest first
        seen = [item["key"] for item in first.json()]
        response = first
        while "next" in response.links:
            response = CLIENT.get(response.links["next"]["url"], headers={"Zotero-API-Key": KEY})
            seen += [item["key"] for item in response.json()]
        assert sorted(seen) == sorted(keys) and "Link" not in response.headers
        assert z.requests == 3
        assert get(z, "items/top", params={"limit": 101}).status_code == 400


def test_since_304_deleted_and_the_trash() -> None:
    with ZoteroStandin(key=KEY) as z:
        a, b, c = z.add("a"), z.add("b"), z.add("c")
        version = z.version
        unchanged = get(z, "items/top", headers={"If-Modified-Since-Version": str(version)})
        assert unchanged.status_code == 304 and unchanged.headers["Last-Modified-Version"] == "3"
        z.modify(a, title="a2")
        z.trash(b)
        z.delete(c)
        changed = get(z, "items/top", params={"since": version})
        assert [i["data"]["title"] for i in changed.json()] == ["a2"]  # trashed: not listed
        with_trash = get(z, "items/top", params={"since": version, "includeTrashed": 1})
        assert {i["key"]: i["data"].get("deleted") for i in with_trash.json()} == {a: None, b: 1}
        deleted = get(z, "deleted", params={"since": version}).json()
        assert deleted["items"] == [c]
        assert get(z, "deleted", params={"since": z.version}).json()["items"] == []


def test_children_collections_and_keys() -> None:
    with ZoteroStandin(key=KEY) as z:
        paper = z.add("in a collection", collections=["ABCD2345"])
        z.add("its note", item_type="note", parent=paper)
        z.add("elsewhere")
        assert len(get(z, "items/top").json()) == 2  # the child note is not top-level
        listed = get(z, "collections/ABCD2345/items/top").json()
        assert [i["key"] for i in listed] == [paper]
        assert get(z, "collections/ZZZZ9999/items/top").status_code == 404
        assert get(z, "items/top", headers={"Zotero-API-Key": "wrong"}).status_code == 403
        bearer = {"Authorization": f"Bearer {KEY}", "Zotero-API-Key": ""}
        assert get(z, "items/top", headers=bearer).status_code == 200
    assert len({object_key(n) for n in range(1000, 1100)}) == 100


def test_slow_down_answers() -> None:
    with ZoteroStandin(key=KEY) as z:
        z.add("a")
        z.backoff = "5"
        z.retry_after = "7"
        z.fail_next("429", "503")
        assert get(z, "items/top").headers["Retry-After"] == "7"
        assert get(z, "items/top").status_code == 503
        ok = get(z, "items/top")
        assert ok.status_code == 200 and ok.headers["Backoff"] == "5"
        with pytest.raises(ValueError, match="unknown fault"):
            z.fail_next("418")


def test_the_local_api_shape_needs_no_key() -> None:
    with ZoteroStandin(library="users/0", key=None, base_path="/api") as z:
        z.add("local")
        assert z.url.endswith("/api")
        response = CLIENT.get(f"{z.url}/users/0/items/top")
        assert response.status_code == 200 and response.json()[0]["data"]["title"] == "local"
        assert CLIENT.get(f"{z.url}/users/1/items/top").status_code == 404
