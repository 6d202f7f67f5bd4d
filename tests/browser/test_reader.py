"""The reader's page in Chromium: preferences kept in the browser reorder, mark and hide papers on
every day; stars and read marks persist across reloads and pages; starred.html lists and exports
them as BibTeX and RIS (test_reader_more.py: badges, COinS, search, hostile text, keys).

Each test is one reader: one browser context (its own storage, open_page) kept across page
loads, as a person's browser is. The sites are those of conftest.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import BROWSER_MARKS, Built, local_only, set_prefs, site_base
from tests.support.files import day_rows

pytestmark = BROWSER_MARKS

DAY1, DAY2 = "2026-01-07", "2026-03-10"
KEYWORDS, AUTHORS, EXCLUDE = "speech, DIFFUSION", "Daeun Hwang, wei zhang", "deepfake, bird"
PAPERS_JS = "els => els.map(e => e.dataset.paper)"
IN_MAIN = "main [data-paper]"


def _pattern(term: str, *, whole: bool) -> re.Pattern[str]:
    """As prefs.js matches: any case, at a word's start; names as whole words."""
    body = r"\s+".join(re.escape(word) for word in term.split())
    after = r"(?![^\W_])" if whole else ""
    return re.compile(r"(?<![^\W_])" + body + after, re.IGNORECASE)


def _expected(rows: list[dict[str, Any]]) -> tuple[dict[str, int], set[str]]:
    """Matches per paper (keywords in title, abstract or TL;DR; followed authors) and the
    excluded papers (an exclusion in title or abstract), from the day's JSON lines."""
    words = [_pattern(k.strip(), whole=False) for k in KEYWORDS.split(",")]
    people = [_pattern(a.strip(), whole=True) for a in AUTHORS.split(",")]
    out = [_pattern(x.strip(), whole=False) for x in EXCLUDE.split(",")]
    matches, excluded = {}, set()
    for row in rows:
        title, abstract = " ".join(row["title"].split()), row["abstract"].strip()
        text = [title, abstract, (row["brief"] or {}).get("tldr", "")]
        count = sum(any(w.search(t) for t in text) for w in words)
        count += sum(any(p.search(a) for a in row["authors"]) for p in people)
        if count:
            matches[row["id"]] = count
        if any(x.search(title) or x.search(abstract) for x in out):
            excluded.add(row["id"])
    return matches, excluded


def _check_preferences(page: Any, rows: list[dict[str, Any]], page_order: list[str]) -> None:
    matches, excluded = _expected(rows)
    assert matches and excluded  # the day tests something
    shown = page.eval_on_selector_all(IN_MAIN, PAPERS_JS)
    first = sorted(matches, key=lambda pid: (-matches[pid], page_order.index(pid)))
    assert shown[: len(first)] == first  # "for you", most matches first, then the page's order
    assert page.eval_on_selector_all("#for-you [data-paper]", PAPERS_JS) == first
    marked = page.eval_on_selector_all(
        "[data-match]",
        "els => Object.fromEntries(els.map(e => [e.dataset.paper, +e.dataset.match]))",
    )
    assert marked == matches
    marks = page.eval_on_selector_all(
        "mark.mine", "els => els.map(e => [e.closest('[data-paper]').dataset.paper, e.textContent])"
    )
    assert {pid for pid, _ in marks} == set(matches)
    terms = [t.strip().lower() for t in (KEYWORDS + "," + AUTHORS).split(",")]
    assert all(any(text.lower().startswith(t) for t in terms) for _, text in marks), marks
    hidden = set(page.eval_on_selector_all(f"{IN_MAIN}[hidden]", PAPERS_JS))
    assert hidden == excluded
    note = page.locator("#excluded-note")
    assert f"隐藏了 {len(excluded)} 篇" in note.inner_text()
    note.locator("[data-action=show-excluded]").click()
    assert page.eval_on_selector_all(f"{IN_MAIN}[hidden]", PAPERS_JS) == []
    assert set(page.eval_on_selector_all("[data-excluded]", PAPERS_JS)) == excluded


@pytest.mark.parametrize("transport", ["http", "file"])
def test_preferences_entered_once_reorder_mark_and_hide_on_two_days_after_reload(
    transport: str, real_site: Built, served: dict[str, str], open_page: Any
) -> None:
    base = site_base(transport, served, "real", real_site.site)
    watched = open_page(base + f"days/{DAY1}.html")
    page = watched.page
    assert page.locator("form[data-prefs]").is_hidden()  # until its control shows it
    set_prefs(page, keywords=KEYWORDS, authors=AUTHORS, exclude=EXCLUDE)
    page.reload()
    rows = day_rows(real_site.site.parent, DAY1)
    _check_preferences(page, rows, _page_order(page, rows))
    # the other day, never told anything: the same preferences apply
    watched.goto(base + f"days/{DAY2}.html")
    rows = day_rows(real_site.site.parent, DAY2)
    _check_preferences(page, rows, _page_order(page, rows))
    local_only(watched, base)
    assert watched.quiet(), (watched.dialogs, watched.errors)


def _page_order(page: Any, rows: list[dict[str, Any]]) -> list[str]:
    """The day's own order (categories, then ascending id), as the page's numbers say it."""
    numbered = page.eval_on_selector_all(
        IN_MAIN,
        "els => els.map(e => [e.dataset.paper, +e.querySelector('.num').textContent.slice(1, -1)])",
    )
    assert {pid for pid, _ in numbered} == {r["id"] for r in rows}
    return [pid for pid, _ in sorted(numbered, key=lambda x: x[1])]


def _balanced(bib: str) -> bool:
    depth = 0
    for match in re.finditer(r"\\.|[{}]", bib):
        token = match.group(0)
        if token in "{}":
            depth += 1 if token == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def _download(page: Any, selector: str) -> str:
    with page.expect_download() as download:
        page.click(selector)
    return Path(download.value.path()).read_bytes().decode("utf-8")  # bytes: keep CRLF


@pytest.mark.parametrize("transport", ["http", "file"])
def test_stars_survive_reloads_and_pages_and_starred_page_exports_them(
    transport: str, real_site: Built, served: dict[str, str], open_page: Any
) -> None:
    base = site_base(transport, served, "real", real_site.site)
    watched = open_page(base + f"days/{DAY2}.html")
    page = watched.page
    first = page.eval_on_selector_all(IN_MAIN, PAPERS_JS)[0]
    for key in "jjks":
        page.keyboard.press(key)
    assert page.eval_on_selector_all("[data-current]", PAPERS_JS) == [first]
    assert page.eval_on_selector_all("[data-starred]", PAPERS_JS) == [first]
    coins = {first: page.get_attribute(f'[data-paper="{first}"] span.Z3988', "title")}
    watched.goto(base + f"days/{DAY1}.html")
    other = "2601.02900"
    page.click(f'[data-paper="{other}"] [data-action=star]')
    page.click(f'[data-paper="{other}"] [data-action=read]')
    coins[other] = page.get_attribute(f'[data-paper="{other}"] span.Z3988', "title")
    page.reload()
    assert page.eval_on_selector_all("[data-starred]", PAPERS_JS) == [other]
    assert page.eval_on_selector_all("[data-read]", PAPERS_JS) == [other]
    watched.goto(base + f"days/{DAY2}.html")
    assert page.eval_on_selector_all("[data-starred]", PAPERS_JS) == [first]

    watched.goto(base + "starred.html")
    starred = page.eval_on_selector_all("#starred-list [data-paper]", PAPERS_JS)
    assert starred == [other, first]  # the latest star first
    titles = {
        r["id"]: " ".join(r["title"].split())
        for d in (DAY1, DAY2)
        for r in day_rows(real_site.site.parent, d)
    }
    for pid, day in ((other, DAY1), (first, DAY2)):
        item = page.locator(f'#starred-list [data-paper="{pid}"]')
        assert item.locator("[data-field=title]").inner_text() == titles[pid]
        assert (
            item.locator("[data-field=title]")
            .get_attribute("href")
            .endswith(f"days/{day}.html#p-{pid}")
        )
        assert item.locator("span.Z3988").get_attribute("title") == coins[pid]  # JS == Python
        assert day in item.inner_text() and item.locator(f'a[href$="/abs/{pid}"]').count() == 1
    assert page.eval_on_selector_all("#starred-list [data-read]", PAPERS_JS) == [other]

    bib = _download(page, "[data-export=bibtex]")
    assert bib.count("@misc{") == 2 and _balanced(bib)
    for pid in (other, first):
        assert f"eprint = {{{pid}}}" in bib and f"url = {{https://arxiv.org/abs/{pid}}}" in bib
    assert "title = {{SPO-CLAPScore: Enhancing CLAP-based" in bib
    ris = _download(page, "[data-export=ris]")
    records = [r for r in ris.split("ER  - ") if r.strip()]
    assert len(records) == 2 and ris.count("TY  - JOUR") == 2
    for pid in (other, first):
        assert f"UR  - https://arxiv.org/abs/{pid}\r\n" in ris
    assert f"TI  - {titles[other]}\r\n" in ris
    # unstarring on the starred page takes it off the list, and off the day page
    page.click(f'#starred-list [data-paper="{other}"] [data-action=star]')
    assert page.eval_on_selector_all("#starred-list [data-paper]", PAPERS_JS) == [first]
    watched.goto(base + f"days/{DAY1}.html")
    assert page.eval_on_selector_all("[data-starred]", PAPERS_JS) == []
    local_only(watched, base)
    assert watched.quiet(), (watched.dialogs, watched.errors)
