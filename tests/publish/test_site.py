"""The static site without a browser: pages, escaping, links, feeds, incremental rebuilds, CLI."""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import date
from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from summarizer_standins.fixtures import Fixture

from summarizer.publish.search_index import bucket, tokens
from summarizer.publish.site_pages import highlighter
from summarizer.store.database import Store
from tests.support.build import (
    CATEGORIES,
    HOSTILE_ABSTRACT,
    HOSTILE_TITLE,
    build_test_site,
    hostile_entry,
    synthetic_entries,
    write_day,
)
from tests.support.cli import Stage, add_fixture

D1, D2, D3 = date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)


def test_every_paper_and_every_day_is_on_the_site(tmp_path: Path) -> None:
    days = {D1: synthetic_entries(D1, 12), D2: synthetic_entries(D2, 7, detailed=True)}
    for day, entries in days.items():
        write_day(tmp_path, day, entries)
    build_test_site(tmp_path)
    site = tmp_path / "site"
    index = (site / "index.html").read_text("utf-8")
    for day, entries in days.items():
        assert f'href="days/{day}.html"' in index
        page = (site / "days" / f"{day}.html").read_text("utf-8")
        for e in entries:
            assert f'id="p-{e.paper.id}"' in page
            assert e.brief is not None and e.brief.tldr in page
            assert f"https://arxiv.org/pdf/{e.paper.id}v{e.paper.version}" in page
        assert page.count('<article class="paper"') == len(entries)
    assert "详细解读" in (site / "days" / f"{D2}.html").read_text("utf-8")
    assert "详细解读" not in (site / "days" / f"{D1}.html").read_text("utf-8")
    # latest day on top of the index, archive grouped by month
    assert index.index(f"days/{D2}.html#") < index.index("往期")
    assert "<h3>2026-01</h3>" in index


def test_hostile_text_is_escaped_and_links_go_only_to_arxiv_or_the_site(tmp_path: Path) -> None:
    write_day(tmp_path, D1, [hostile_entry(), *synthetic_entries(D1, 2)])
    build_test_site(tmp_path)
    site = tmp_path / "site"
    for page in (site / "index.html", site / "days" / f"{D1}.html"):
        html = page.read_text("utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert all(
            re.fullmatch(
                r'<script src="[./a-z]*(static/(common|prefs|marks|search|keys)|search/days)\.js" '
                "defer>",
                s,
            )
            for s in scripts
        ), scripts
        for href in re.findall(r'(?:href|src)="([^"]*)"', html):
            if href == "data:,":  # the empty icon: no request for /favicon.ico
                continue
            assert href.startswith("https://arxiv.org/") or not re.match(r"[a-z]+:", href), href
    shard = (site / "search" / "docs" / str(D1) / "0.js").read_text("utf-8")
    records = json.loads(shard.split("=", 2)[2].rstrip().rstrip(";"))
    assert records[0][0] == "2601.00666"
    assert records[0][1] == " ".join(HOSTILE_TITLE.split())  # data for textContent, not markup


def test_a_paper_without_summary_shows_the_missing_marker_and_score_when_set(
    tmp_path: Path,
) -> None:
    entries = synthetic_entries(D1, 3)
    entries[0] = entries[0].model_copy(update={"brief": None})
    write_day(tmp_path, D1, entries)
    path = tmp_path / "data" / f"{D1}.jsonl"
    lines = path.read_text("utf-8").splitlines()
    lines[1] = lines[1][:-1] + ', "score": 0.8731, "why": "关键词 beamforming", "summarized": true}'
    lines[2] = lines[2][:-1] + ', "score": 0.1, "why": null, "summarized": false}'
    path.write_text("\n".join(lines) + "\n", "utf-8")
    build_test_site(tmp_path)
    html = (tmp_path / "site" / "days" / f"{D1}.html").read_text("utf-8")
    assert "总结暂缺" in html
    assert "相关度 0.87" in html and "推荐理由：关键词 beamforming" in html
    assert "未总结" in html
    # the recommended list on top: the scored, summarized paper only
    recommended = html[html.index("推荐阅读") : html.index('<nav class="toc"')]
    assert f'href="#p-{entries[1].paper.id}"' in recommended
    assert f'href="#p-{entries[2].paper.id}"' not in recommended


def test_keywords_are_highlighted_without_breaking_escaping(tmp_path: Path) -> None:
    write_day(tmp_path, D1, [hostile_entry()])
    build_test_site(tmp_path, keywords=["beamforming", "script"])
    html = (tmp_path / "site" / "days" / f"{D1}.html").read_text("utf-8")
    assert "<mark>Beamforming</mark>" in html
    assert "&lt;<mark>script</mark>&gt;" in html


def test_feeds_parse_hold_the_latest_day_and_only_their_category(tmp_path: Path) -> None:
    old, latest = synthetic_entries(date(2025, 12, 1), 5), synthetic_entries(D3, 20)
    write_day(tmp_path, date(2025, 12, 1), old)
    write_day(tmp_path, D3, [*latest, hostile_entry()])
    build_test_site(tmp_path, site_url="https://user.github.io/repo")
    site = tmp_path / "site"
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert len(feed.entries) == len(latest) + 1
    assert {e.link for e in feed.entries} == {
        f"https://arxiv.org/abs/{e.paper.id}" for e in [*latest, hostile_entry()]
    }
    tldrs = {e.brief.tldr for e in latest if e.brief}
    assert tldrs <= {e.content[0].value for e in feed.entries}
    hostile = next(e for e in feed.entries if e.link.endswith("2601.00666"))
    assert hostile.title == " ".join(HOSTILE_TITLE.split())
    assert hostile.summary == HOSTILE_ABSTRACT
    for category in CATEGORIES:
        cat_feed = feedparser.parse((site / "feeds" / f"{category}.xml").read_bytes())
        assert not cat_feed.bozo
        mine = {f"https://arxiv.org/abs/{e.paper.id}" for e in latest if e.category == category}
        if category == "eess.SP":
            mine.add("https://arxiv.org/abs/2601.00666")
        assert {e.link for e in cat_feed.entries} == mine
    assert feed.feed.links[0].href == "https://user.github.io/repo/feed.xml"


def test_the_store_placement_decides_the_category(tmp_path: Path) -> None:
    entries = synthetic_entries(D1, 6)
    write_day(tmp_path, D1, entries)
    moved = entries[0].paper.id
    build_test_site(tmp_path, placed={D1: {moved: "cs.SD"}})
    sd = feedparser.parse((tmp_path / "site" / "feeds" / "cs.SD.xml").read_bytes())
    assert f"https://arxiv.org/abs/{moved}" in {e.link for e in sd.entries}
    for other in ("eess.SP", "eess.AS"):
        feed = feedparser.parse((tmp_path / "site" / "feeds" / f"{other}.xml").read_bytes())
        assert f"https://arxiv.org/abs/{moved}" not in {e.link for e in feed.entries}


def test_nightly_rebuild_touches_only_the_new_day_index_feeds_and_search(tmp_path: Path) -> None:
    write_day(tmp_path, D1, synthetic_entries(D1, 5))
    write_day(tmp_path, D2, synthetic_entries(D2, 5))
    first = build_test_site(tmp_path)
    assert first.days == 2
    again = build_test_site(tmp_path)
    assert again.written == [] and again.papers_rebuilt == 0
    write_day(tmp_path, D3, synthetic_entries(D3, 4))
    nightly = build_test_site(tmp_path)
    site = tmp_path / "site"
    written = {p.relative_to(site).as_posix() for p in nightly.written}
    assert f"days/{D3}.html" in written and f"search/docs/{D3}/0.js" in written
    assert {"index.html", "feed.xml", "search/days.js"} <= written
    # the day before gains its link to the new day; no other day page is touched
    pages = {w for w in written if w.startswith("days/")}
    assert pages == {f"days/{D2}.html", f"days/{D3}.html"}, written
    assert nightly.papers_rebuilt == 4 + 5
    # a changed day (filled-in summary) is rebuilt; a deleted page is rebuilt
    (site / "days" / f"{D1}.html").unlink()
    assert f"days/{D1}.html" in {
        p.relative_to(site).as_posix() for p in build_test_site(tmp_path).written
    }


def test_summarizer_site_command_builds_into_site_dir(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    write_day(tmp_path / "outputs", D1, synthetic_entries(D1, 3))
    run = cli("site")
    assert run.code == 0, run.err
    assert (tmp_path / "outputs" / "site" / "index.html").is_file()
    run = cli("site", "--out", "outputs", "--site-dir", "public")
    assert run.code == 0 and (tmp_path / "public" / "days" / f"{D1}.html").is_file()


def test_bad_site_url_is_one_line_exit_2(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_SITE_URL", "javascript:alert(1)")
    run = cli("site")
    assert run.code == 2 and "SUMMARIZER_SITE_URL" in run.err
    assert len(run.err.strip().splitlines()) == 1


def test_search_index_finds_chinese_pieces_and_word_prefixes(tmp_path: Path) -> None:
    entries = synthetic_entries(D1, 4)
    write_day(tmp_path, D1, entries)
    write_day(tmp_path, date(2026, 2, 2), synthetic_entries(date(2026, 2, 2), 2))
    build_test_site(tmp_path)
    folder = tmp_path / "site" / "search" / "2026-01"
    meta = folder / "meta.js"
    assert json.loads(meta.read_text("utf-8").split("=", 2)[2].rstrip().rstrip(";")) == [
        [str(D1), 4]
    ]
    assert (tmp_path / "site" / "search" / "2026-02" / "meta.js").is_file()

    def docs_of(token: str) -> set[int]:
        table = json.loads(
            (folder / f"{bucket(token):02x}.js").read_text("utf-8").split("=", 2)[2][:-2]
        )
        found: set[int] = set()
        for indexed, deltas in table.items():
            if indexed.startswith(token):
                numbers = [sum(deltas[: i + 1]) for i in range(len(deltas))]
                found.update(numbers)
        return found

    target = entries[2]
    assert target.brief is not None
    han = re.search(r"[\u4e00-\u9fff]{2}", target.brief.method)
    assert han and 2 in docs_of(han.group(0))
    word = max(re.findall(r"[A-Za-z]{6,}", target.paper.title), key=len).lower()
    assert 2 in docs_of(word[:5])  # a prefix of a title word
    assert tokens("语音增强 Beam-Forming x") == {"语音", "音增", "增强", "beam", "forming"}


def test_a_jekyll_only_day_shows_translations_and_feeds_them(tmp_path: Path) -> None:
    entries = [
        e.model_copy(update={"brief": None}) for e in synthetic_entries(D1, 3, detailed=True)
    ]
    write_day(tmp_path, D1, entries)
    build_test_site(tmp_path)
    html = (tmp_path / "site" / "days" / f"{D1}.html").read_text("utf-8")
    assert html.count("详细解读</summary>") == 3 and "总结暂缺" not in html
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert {e.content[0].value for e in feed.entries} == {
        e.detailed.translation for e in entries if e.detailed
    }


def test_real_days_digested_then_site_feeds_hold_the_latest_day(
    stage: Stage,
    second_day: Fixture,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """Two held-out real days through the stand-ins (`digest`, `digest --site`), then `site`."""
    add_fixture(stage, second_day)
    assert cli("digest", "--date", "2026-01-07").code == 0
    run = cli("digest", "--date", "2026-03-10", "--categories", "cs.SD,eess.AS,eess.SP", "--site")
    assert run.code == 0, run.err
    assert cli("site").code == 0
    site = stage.out / "site"
    rows = [
        json.loads(line)
        for line in (stage.out / "data" / "2026-03-10.jsonl").read_text("utf-8").splitlines()
    ]
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo
    assert sorted(e.link for e in feed.entries) == sorted(
        f"https://arxiv.org/abs/{r['id']}" for r in rows
    )
    assert {e.content[0].value for e in feed.entries} == {r["brief"]["tldr"] for r in rows}
    placed = Store(stage.out / "summarizer.sqlite3").placements.categories_by_day()
    for category in ("eess.SP", "eess.AS", "cs.SD"):
        cat_feed = feedparser.parse((site / "feeds" / f"{category}.xml").read_bytes())
        expected = {pid for pid, c in placed[date(2026, 3, 10)].items() if c == category}
        assert {e.link.rsplit("/", 1)[1] for e in cat_feed.entries} == expected
    sp = feedparser.parse((site / "feeds" / "eess.SP.xml").read_bytes())
    # 2603.05012 is cross-listed in eess.SP but placed under its primary category cs.SD
    assert "https://arxiv.org/abs/2603.05012" not in {e.link for e in sp.entries}
    assert any(e.link.endswith("2603.05012") for e in feed.entries)
    assert all(placed[date(2026, 3, 10)][e.link.rsplit("/", 1)[1]] == "eess.SP" for e in sp.entries)
    for day in ("2026-01-07", "2026-03-10"):
        assert f'href="days/{day}.html"' in (site / "index.html").read_text("utf-8")


def test_a_site_dir_that_is_a_file_is_one_line_not_a_traceback(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    write_day(tmp_path / "outputs", D1, synthetic_entries(D1, 2))
    (tmp_path / "blocked").write_text("not a folder")
    run = cli("site", "--site-dir", "blocked/site")
    assert run.code == 3, run.err
    assert "could not build the site" in run.err and "Traceback" not in run.err
    assert len(run.err.strip().splitlines()) == 1


def test_backfill_with_site_builds_the_site(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("backfill", "--from", "2026-01-06", "--to", "2026-01-07", "--site")
    assert run.code == 0, run.err
    site = stage.out / "site"
    index = (site / "index.html").read_text("utf-8")
    for day in ("2026-01-06", "2026-01-07"):
        assert f'href="days/{day}.html"' in index and (site / "days" / f"{day}.html").is_file()
    assert "site: 2 days" in run.err


@given(text=st.text(max_size=200), keywords=st.lists(st.text(max_size=8), max_size=4))
@settings(max_examples=200, deadline=None)
def test_highlighting_keeps_text_and_adds_no_markup(text: str, keywords: list[str]) -> None:
    out = str(highlighter(keywords)(text))
    stripped = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped
    assert html_lib.unescape(stripped) == text
