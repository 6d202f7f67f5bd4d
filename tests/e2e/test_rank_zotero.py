"""A profile straight from the reader's Zotero library, through the real CLI against the loopback
arXiv, model and Zotero API stand-ins: the library becomes the profile, a nightly re-run asks only
for changes, a refused key stops the run, an unreachable API ranks with the stored copy."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from summarizer_standins.zotero_api import ZoteroStandin

from summarizer.rank.profile import read_bibtex
from tests.support.cli import Stage
from tests.support.files import files_under

PROFILES = Path(__file__).parents[1] / "fixtures" / "profiles"
DAY = "2026-01-07"
MUSIC = {"2601.02586", "2601.02591"}  # that day's papers on the topic of music.bib (in the top 3)
KEY = "zotero-SECRET-9d2b7e41c"


@pytest.fixture
def zotero(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> Iterator[ZoteroStandin]:
    """music.bib's four papers as a Zotero library (with a note and a child attachment beside
    them), two items a page, and the environment pointing at it."""
    with ZoteroStandin(library="users/475425", key=KEY, page_max=2) as library:
        bib = PROFILES / "music.bib"
        for paper in read_bibtex(bib, bib.read_text("utf-8")):
            creators = [{"creatorType": "author", "name": a} for a in paper.authors]
            key = library.add(
                paper.title,
                paper.abstract,
                item_type="preprint",
                creators=creators,
                extra=f"arXiv: {paper.arxiv_id}",
            )
        library.add("Reading list for the spring", item_type="note")
        library.add("preprint.pdf", item_type="attachment", parent=key)
        monkeypatch.setenv("SUMMARIZER_ZOTERO_API", library.url)
        monkeypatch.setenv("SUMMARIZER_ZOTERO_USER", "475425")
        monkeypatch.setenv("SUMMARIZER_ZOTERO_KEY", KEY)
        yield library


def ranked(stage: Stage) -> list[dict]:  # type: ignore[type-arg]
    path = stage.out / "data" / f"{DAY}.jsonl"
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    return sorted(records, key=lambda r: (-r["score"], r["id"]))


def test_a_zotero_library_becomes_the_profile_and_a_second_run_asks_only_for_changes(
    stage: Stage,
    zotero: ZoteroStandin,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    best = ranked(stage)
    assert {r["id"] for r in best[:3]} >= MUSIC
    assert "closest to “Count The Notes" in json.dumps(best, ensure_ascii=False)
    assert zotero.requests == 3  # five top-level items, two a page
    assert stage.arxiv.requests == 1 and not any(e["id_list"] for e in stage.arxiv.log)

    # The nightly re-run: one request, answered 304, and the same ranking.
    zotero.reset_counters()
    again = cli("digest", "--date", DAY)
    assert again.code == 0, again.err
    assert [(e["status"], e["unless"]) for e in zotero.log] == [(304, str(zotero.version))]
    assert [r["id"] for r in ranked(stage)] == [r["id"] for r in best]

    # The reader trashes one paper and deletes another: one page of changes and the deletions.
    version = str(zotero.version)
    count_the_notes, controllable = zotero.keys()[:2]
    zotero.trash(count_the_notes)
    zotero.delete(controllable)
    zotero.reset_counters()
    third = cli("digest", "--date", DAY)
    assert third.code == 0, third.err
    asked = [(e["path"].rsplit("/", 1)[-1], e["params"].get("since")) for e in zotero.log]
    assert asked == [("top", version), ("deleted", version)]
    reasons = json.dumps(ranked(stage), ensure_ascii=False)
    assert "Count The Notes" not in reasons and "A Controllable" not in reasons

    # The key is a secret: in no output, no file, not in the store.
    written = files_under(stage.out)
    written["store"] = (stage.out / "summarizer.sqlite3").read_bytes()
    for text in (run.out + run.err, again.out + again.err, third.out + third.err):
        assert KEY not in text
    assert not [name for name, data in written.items() if KEY.encode() in data]


def test_a_refused_key_is_exit_3_with_one_line(
    stage: Stage,
    zotero: ZoteroStandin,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    zotero.key = "the-key-zotero-now-expects"
    run = cli("digest", "--date", DAY)
    assert run.code == 3, (run.out, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.err, run.err
    assert re.search(r"Zotero API refused access to users/475425 \(HTTP 403\)", lines[0])
    assert "SUMMARIZER_ZOTERO_KEY" in lines[0] and KEY not in run.err
    assert stage.model.requests == 0 and not (stage.out / f"{DAY}.md").exists()


def test_an_unreachable_api_ranks_with_the_stored_copy_and_says_so(
    stage: Stage,
    zotero: ZoteroStandin,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    assert cli("digest", "--date", DAY).code == 0
    zotero.retry_after = "3600"  # overloaded for an hour: not worth waiting for
    zotero.fail_next("503")
    zotero.reset_counters()
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert zotero.requests == 1
    said = " ".join(run.err.split())
    assert "Zotero API is unreachable (HTTP 503, asked to wait 3600 s); ranking with" in said
    assert f"{DAY}: Zotero unreachable (HTTP 503, asked to wait 3600 s): ranked with" in said
    assert {r["id"] for r in ranked(stage)[:3]} >= MUSIC


def test_zotero_settings_are_checked_before_anything_runs(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUMMARIZER_ZOTERO_USER", "1")
    monkeypatch.setenv("SUMMARIZER_ZOTERO_GROUP", "2")
    both = cli("digest", "--date", DAY)
    assert both.code == 2 and "not both" in both.err
    monkeypatch.delenv("SUMMARIZER_ZOTERO_USER")
    monkeypatch.setenv("SUMMARIZER_ZOTERO_COLLECTION", "not-a-key")
    bad = cli("digest", "--date", DAY)
    assert bad.code == 2 and "SUMMARIZER_ZOTERO_COLLECTION" in bad.err
    monkeypatch.delenv("SUMMARIZER_ZOTERO_GROUP")
    monkeypatch.delenv("SUMMARIZER_ZOTERO_COLLECTION")
    monkeypatch.setenv("SUMMARIZER_ZOTERO_KEY", "a-key-alone")
    alone = cli("digest", "--date", DAY)
    assert alone.code == 2 and "needs SUMMARIZER_ZOTERO_USER" in alone.err
    assert stage.arxiv.requests == 0 and stage.model.requests == 0
