"""The reader's page in the HTML the site builder writes (no browser): the hooks every paper
carries, COinS, badges, the starred page, and what a day page says about why it is short."""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import date
from pathlib import Path
from urllib.parse import unquote

from summarizer.publish.day_status import RunNote, run_notes
from summarizer.store.database import Store
from tests.support.build import (
    HOSTILE_COMMENT,
    TEX_AUTHORS,
    TEX_TITLE,
    build_test_site,
    hostile_entry,
    synthetic_entries,
    tex_entry,
    write_day,
)

D1, D2, D3 = date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)
ARTICLE = re.compile(r"<article class=\"paper\"[^>]*>")


def _attributes(tag: str) -> dict[str, str]:
    """The attributes of an HTML start tag, unescaped ("..." or '...')."""
    found = re.findall(r"""([a-z-]+)=(?:"([^"]*)"|'([^']*)')""", tag)
    return {name: html_lib.unescape(double or single) for name, double, single in found}


def test_every_paper_carries_the_hooks_the_page_scripts_and_the_reader_use(
    tmp_path: Path,
) -> None:
    entries = [hostile_entry(), tex_entry(), *synthetic_entries(D1, 4)]
    write_day(tmp_path, D1, entries)
    build_test_site(tmp_path)
    page = (tmp_path / "site" / "days" / f"{D1}.html").read_text("utf-8")
    tags = ARTICLE.findall(page)
    assert len(tags) == len(entries)
    by_id = {_attributes(t)["data-paper"]: _attributes(t) for t in tags}
    for entry in entries:
        attrs = by_id[entry.paper.id]
        assert attrs["data-day"] == str(D1) and attrs["data-version"] == str(entry.paper.version)
        assert json.loads(attrs["data-authors"]) == entry.paper.authors  # JSON, escaped
    assert by_id["2601.00667"]["data-primary"] == "eess.SP"
    # one COinS span per paper, its title the ContextObject naming the paper
    spans = re.findall(r'<span class="Z3988" title="([^"]*)"></span>', page)
    assert len(spans) == len(entries)
    coins = [html_lib.unescape(s) for s in spans]
    for entry in entries:
        assert sum(f"&rft_id=info:arxiv/{entry.paper.id}&" in c for c in coins) == 1
    tex = next(c for c in coins if "2601.00667" in c)
    assert unquote(dict(p.split("=", 1) for p in tex.split("&"))["rft.title"]) == TEX_TITLE
    assert [unquote(p[7:]) for p in tex.split("&") if p.startswith("rft.au=")] == TEX_AUTHORS
    # the hostile comment: a cleaned code link and an escaped venue, nothing else
    assert page.count("data-code=") == 1
    assert 'href="https://github.com/evil/repo" data-code="https://github.com/evil/repo"' in page
    assert HOSTILE_COMMENT not in page and "<img src=x" not in page
    assert 'data-venue="&lt;img src=x onerror=alert(&#34;venue&#34;)&gt; 2026"' in page
    # the controls the scripts drive
    for hook in (
        'form id="prefs" class="prefs" data-prefs hidden',
        'data-action="prefs"',
        'data-filter="code"',
        'id="for-you"',
        'data-action="star"',
        'data-action="read"',
    ):
        assert hook in page, hook  # fmt: skip
    assert page.count('data-action="star"') == len(entries)


def test_starred_page_and_every_page_load_only_the_sites_own_scripts(tmp_path: Path) -> None:
    write_day(tmp_path, D1, synthetic_entries(D1, 2))
    build_test_site(tmp_path)
    site = tmp_path / "site"
    starred = (site / "starred.html").read_text("utf-8")
    assert 'data-export="bibtex"' in starred and 'data-export="ris"' in starred
    assert 'id="starred-list"' in starred
    for path in (site / "starred.html", site / "index.html", site / "days" / f"{D1}.html"):
        text = path.read_text("utf-8")
        assert "script-src 'self'" in text
        for script in re.findall(r"<script\b[^>]*>(.*?)</script>", text, re.S):
            assert script == ""  # no inline script anywhere
        for src in re.findall(r'<script src="([^"]+)"', text):
            assert (path.parent / src).resolve().is_file(), src


def test_a_day_says_why_it_is_empty_short_or_stopped(tmp_path: Path) -> None:
    write_day(tmp_path, D1, [])
    entries = synthetic_entries(D2, 3)
    entries[0] = entries[0].model_copy(update={"brief": None, "missing": ["brief"]})
    entries[1] = entries[1].model_copy(update={"summarized": False})
    write_day(tmp_path, D2, entries)
    runs = [
        {"command": "digest --format toc", "day": str(D2), "status": "incomplete",
         "stats": {"excluded": 4}},
        {"command": "digest --format toc", "day": str(D3), "status": "complete", "stats": {}},
        {"command": "digest --format toc", "day": str(D3), "status": "failed",
         "stats": {"error": "FetchError: the arXiv API kept failing (HTTP 503)"}},
        {"command": "batch collect", "day": None, "status": "complete", "stats": {}},
    ]  # fmt: skip
    notes = run_notes(runs)
    assert notes[D3] == RunNote(status="failed", error=runs[2]["stats"]["error"])  # the last run
    report = build_test_site(tmp_path, runs=notes)
    assert report.days == 3  # the stopped day, written nowhere else, gets a page
    site = tmp_path / "site"
    empty = (site / "days" / f"{D1}.html").read_text("utf-8")
    assert "没有 eess.SP、eess.AS、cs.SD 的新论文" in empty
    short = (site / "days" / f"{D2}.html").read_text("utf-8")
    assert "1 篇论文的总结暂缺" in short
    assert f"<code>summarizer digest --date {D2}</code>" in short
    assert "1 篇未总结" in short and "另有 4 篇含排除词" in short
    stopped = (site / "days" / f"{D3}.html").read_text("utf-8")
    assert "运行失败：FetchError: the arXiv API kept failing (HTTP 503)" in stopped
    assert "这一天还没有生成日报" in stopped and "这一天没有论文" not in stopped
    assert f'href="days/{D3}.html"' in (site / "index.html").read_text("utf-8")
    # a later run that completes replaces the note: the page is rebuilt, the rest is not
    write_day(tmp_path, D3, synthetic_entries(D3, 2))
    notes[D3] = RunNote(status="complete")
    again = build_test_site(tmp_path, runs=notes)
    assert site / "days" / f"{D3}.html" in again.written
    assert site / "days" / f"{D1}.html" not in again.written
    assert "运行失败" not in (site / "days" / f"{D3}.html").read_text("utf-8")


def test_the_site_command_reads_the_runs_from_the_store(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    store = Store(tmp_path / "outputs" / "summarizer.sqlite3")
    store.runs.record(
        command="digest --format toc", day=D3, started_at=datetime.now(UTC),
        status="interrupted", stats={"error": "Interrupted: stopped by SIGTERM"},
    )  # fmt: skip
    store.close()
    result = cli("site")
    assert result.code == 0, result.err
    page = (tmp_path / "outputs" / "site" / "days" / f"{D3}.html").read_text("utf-8")
    assert "运行中断：Interrupted: stopped by SIGTERM" in page
