"""The Zotero profile against the loopback Zotero API stand-in: the first sync reads the library
page by page, later ones ask for changes only, and the stored copy stands in when the API is
down; a refused key stops the run; the key is never stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from summarizer_standins.zotero_api import ZoteroStandin

from summarizer.core.errors import FetchError
from summarizer.rank.zotero import ZoteroProfile, paper_of
from summarizer.rank.zotero_client import ZoteroClient, ZoteroError
from summarizer.store.database import Store
from summarizer.store.profiles import ProfileStore

KEY = "zotero-SECRET-key-4f1c9a"
AUTHOR = [{"creatorType": "author", "firstName": "Meinard", "lastName": "Müller"}]


@pytest.fixture
def zotero() -> Iterator[ZoteroStandin]:
    with ZoteroStandin(key=KEY, page_max=2) as standin:
        yield standin


def sync(
    z: ZoteroStandin,
    store: Store,
    *,
    collection: str | None = None,
    sleeps: list[float] | None = None,
    key: str | None = KEY,
) -> tuple[list[str], ZoteroProfile]:
    """One run's sync: the profile's titles, sorted, and the profile (its note, its client)."""
    z.reset_counters()
    client = ZoteroClient(
        api=z.url,
        library=z.library,
        key=key,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
    )
    profile = ZoteroProfile(client=client, store=store, api=z.url, collection=collection)
    return sorted(p.title for p in profile.papers()), profile


def test_a_library_becomes_the_profile_and_later_syncs_ask_only_for_changes(
    zotero: ZoteroStandin, tmp_path: Path
) -> None:
    store = Store(tmp_path / "s.db")
    beat = zotero.add("Beat tracking", "We track beats.", creators=AUTHOR, item_type="preprint")
    keep = zotero.add("Chord recognition", "Chords.", extra="arXiv: 2401.01234")
    gone = zotero.add("Source separation", "Stems.")
    zotero.add("Reading notes", item_type="note")  # a standalone note is no paper
    zotero.add("paper.pdf", item_type="attachment", parent=keep)
    zotero.add("", "an item without a title")
    titles, _ = sync(zotero, store)
    assert titles == ["Beat tracking", "Chord recognition", "Source separation"]
    assert zotero.requests == 3  # five top-level items, two a page, following Link rel="next"
    assert all(e["params"]["limit"] == "100" for e in zotero.log)  # asked for the most allowed

    titles, _ = sync(zotero, store)
    assert titles == ["Beat tracking", "Chord recognition", "Source separation"]
    assert [(e["status"], e["unless"]) for e in zotero.log] == [(304, str(zotero.version))]

    version = zotero.version
    zotero.trash(beat)
    zotero.delete(gone)
    zotero.modify(keep, title="Chord recognition, revised")
    zotero.add("Music transcription", "Notes from audio.")
    titles, _ = sync(zotero, store)
    assert titles == ["Chord recognition, revised", "Music transcription"]
    asked = [(e["path"].rsplit("/", 1)[-1], e["params"].get("since")) for e in zotero.log]
    since = str(version)  # three changed items, two a page, then the deletions
    assert asked == [("top", since), ("top", since), ("deleted", since)]
    assert zotero.log[0]["params"]["includeTrashed"] == "1"


def test_an_item_moved_out_of_the_collection_leaves_the_profile(
    zotero: ZoteroStandin, tmp_path: Path
) -> None:
    store = Store(tmp_path / "s.db")
    mine = zotero.add("Mine", collections=["MUSIC234"])
    zotero.add("Also mine", collections=["MUSIC234", "OTHER567"])
    zotero.add("Not in it", collections=["OTHER567"])
    titles, _ = sync(zotero, store, collection="MUSIC234")
    assert titles == ["Also mine", "Mine"]
    assert zotero.log[0]["path"].endswith("/collections/MUSIC234/items/top")
    zotero.modify(mine, collections=["OTHER567"])  # the collection's listing simply drops it
    titles, _ = sync(zotero, store, collection="MUSIC234")
    assert titles == ["Also mine"]
    whole, _ = sync(zotero, store)  # the whole library is another copy
    assert whole == ["Also mine", "Mine", "Not in it"]


def test_items_become_profile_papers_with_date_added_and_arxiv_id() -> None:
    paper = paper_of(
        {
            "itemType": "preprint",
            "title": "  A   title ",
            "abstractNote": "An abstract.",
            "creators": [*AUTHOR, {"creatorType": "editor", "name": "A Lab"}],
            "dateAdded": "2024-03-01T08:00:00Z",
            "archiveID": "arXiv:2403.00001",
        }
    )
    assert paper is not None and paper.title == "A title"
    assert paper.authors == ["Meinard Müller", "A Lab"] and paper.arxiv_id == "2403.00001"
    assert paper.added is not None and paper.added.isoformat() == "2024-03-01T08:00:00+00:00"
    by_doi = paper_of({"title": "t", "DOI": "10.48550/arXiv.2312.11111"})
    assert by_doi is not None and by_doi.arxiv_id == "2312.11111"
    assert paper_of({"title": "t", "deleted": 1}) is None
    assert paper_of({"title": "t", "itemType": "annotation"}) is None
    assert paper_of({"title": 5}) is None


def test_the_api_asks_to_slow_down_and_is_obeyed(zotero: ZoteroStandin, tmp_path: Path) -> None:
    zotero.add("a")
    zotero.add("b")
    zotero.add("c")
    zotero.backoff = "7"
    zotero.retry_after = "2"
    zotero.fail_next("429", "503")
    sleeps: list[float] = []
    titles, _ = sync(zotero, Store(tmp_path / "s.db"), sleeps=sleeps)
    assert titles == ["a", "b", "c"]
    assert [e["status"] for e in zotero.log] == [429, 503, 200, 200]
    retries = [s for s in sleeps if s == 2.0]
    assert len(retries) == 2  # each Retry-After waited out
    assert any(s > 6.5 for s in sleeps)  # Backoff: 7 before the second page


def test_an_unreachable_api_ranks_with_the_stored_copy_and_says_so(
    zotero: ZoteroStandin, tmp_path: Path
) -> None:
    store = Store(tmp_path / "s.db")
    zotero.add("kept")
    assert sync(zotero, store)[0] == ["kept"]
    zotero.add("added while the API was down")
    zotero.retry_after = "3600"  # longer than any run should wait
    zotero.fail_next("503")
    titles, profile = sync(zotero, store)
    assert titles == ["kept"] and zotero.requests == 1
    assert "Zotero unreachable (HTTP 503, asked to wait 3600 s)" in profile.note
    assert "stored copy" in profile.note
    zotero.fail_next("reset", "reset", "reset")
    titles, profile = sync(zotero, store)
    assert titles == ["kept"] and "connection failed" in profile.note
    titles, profile = sync(zotero, store)
    assert titles == ["added while the API was down", "kept"] and profile.note == ""


def test_unreachable_with_no_stored_copy_stops_the_run(tmp_path: Path) -> None:
    with ZoteroStandin(key=KEY) as z:
        z.fail_next("500", "500", "500")
        with pytest.raises(FetchError, match="could not read the Zotero library users/475425"):
            sync(z, Store(tmp_path / "s.db"))
        assert z.requests == 3


def test_a_refused_key_stops_the_run_and_no_key_is_stored(
    zotero: ZoteroStandin, tmp_path: Path
) -> None:
    store = Store(tmp_path / "s.db")
    zotero.add("a")
    sync(zotero, store)
    zotero.key = "another-key"  # revoked
    with pytest.raises(ZoteroError, match="refused access to users/475425 .HTTP 403") as caught:
        sync(zotero, store)
    assert caught.value.exit_code == 3
    store.close()
    assert KEY.encode() not in (tmp_path / "s.db").read_bytes()
    assert not any(KEY in str(p) for p in tmp_path.iterdir())


def test_the_local_api_and_one_without_a_list_of_deletions(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with ZoteroStandin(library="users/0", key=None, base_path="/api") as z:
        first = z.add("local one")
        z.add("local two")
        assert sync(z, store, key=None)[0] == ["local one", "local two"]
        z.delete(first)
        z.add("local three")
        original = z.handle

        def no_deletions(handler, method):  # type: ignore[no-untyped-def]
            if "/deleted" in handler.path:  # a server without the list of deletions
                from summarizer_standins.server import read_body, send

                read_body(handler)
                return send(handler, 404, b"Not found", "text/plain")
            return original(handler, method)

        z.handle = no_deletions  # type: ignore[method-assign]
        assert sync(z, store, key=None)[0] == ["local three", "local two"]  # read whole
    (library,) = {row[0] for row in store._read("SELECT library FROM zotero_libraries")}
    assert library.endswith("/api/users/0")
    assert ProfileStore(store).zotero_version(library) == z.version


def test_blank_zotero_settings_are_unset_and_bad_ones_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from summarizer.core.errors import InputError
    from summarizer.run.settings import load_settings

    for name in ("USER", "GROUP", "KEY", "COLLECTION", "API"):
        monkeypatch.setenv(f"SUMMARIZER_ZOTERO_{name}", " ")
    monkeypatch.setenv("SUMMARIZER_EMBEDDING_TIMEOUT", "")
    settings = load_settings().rank
    assert settings.zotero_library is None and not settings.relevance_set
    assert settings.zotero_api == "https://api.zotero.org" and settings.embedding_timeout == 60
    monkeypatch.setenv("SUMMARIZER_ZOTERO_GROUP", "4711")
    monkeypatch.setenv("SUMMARIZER_ZOTERO_API", "http://localhost:23119/api/")
    settings = load_settings().rank
    assert settings.zotero_library == "groups/4711" and settings.relevance_set
    assert settings.zotero_api == "http://localhost:23119/api"
    for name, value in (
        ("SUMMARIZER_ZOTERO_API", "ftp://x"),
        ("SUMMARIZER_EMBEDDING_TIMEOUT", "0"),
    ):
        monkeypatch.setenv(name, value)
        with pytest.raises(InputError, match=name):
            load_settings()
        monkeypatch.delenv(name)
