"""The site in a real headless Chromium, over http from a loopback server and from file://:
every day and paper reachable, search, the day page's filters, hostile text, phone width.
The sites and the browser are the fixtures of tests/browser/conftest.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import BROWSER_MARKS, Built, local_only
from tests.support.build import HOSTILE_ABSTRACT, HOSTILE_AUTHOR, HOSTILE_TITLE, HOSTILE_TLDR
from tests.support.files import day_rows

pytestmark = BROWSER_MARKS
HAN_RUN = re.compile(r"[\u4e00-\u9fff]{4}")
ARTICLE_JS = """els => els.map(e => [
  e.id, e.querySelector('h3 a').textContent,
  e.querySelector('.tldr') ? e.querySelector('.tldr').textContent : ''
])"""


@pytest.mark.parametrize("transport", ["http", "file"])
def test_index_links_every_day_and_day_pages_hold_every_paper(
    transport: str, real_site: Built, served: dict[str, str], open_page: Any
) -> None:
    base = served["real"] if transport == "http" else real_site.site.as_uri() + "/"
    index = open_page(base + "index.html")
    hrefs = index.page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    for day, fixture in real_site.days.items():
        assert f"days/{day}.html" in hrefs
        # the day page opens from the index (file:// too)
        index.page.click(f'.archive a[href="days/{day}.html"]')
        index.page.wait_for_load_state("load")
        assert index.page.url == base + f"days/{day}.html"
        articles = index.page.eval_on_selector_all("article.paper", ARTICLE_JS)
        ids = {a[0] for a in articles}
        digested = {row["id"] for row in day_rows(real_site.site.parent, day)}
        assert ids == {f"p-{pid}" for pid in digested}
        fixture_ids = {p.id for p in fixture.papers}
        # all of the first day; the second day's fixture also holds a paper at the window's
        # exclusive end, which its mailing leaves out
        assert digested == fixture_ids if day == "2026-01-07" else len(digested) == 5
        by_id = {a[0]: a for a in articles}
        for record in fixture.records:
            if f"p-{record.paper.id}" in by_id and record.brief:
                _, title, tldr = by_id[f"p-{record.paper.id}"]
                assert title == " ".join(record.paper.title.split())
                assert record.brief["tldr"] in tldr
        index.page.go_back()
        index.page.wait_for_load_state("load")
    local_only(index, base)
    assert index.dialogs == [] and index.errors == []


@pytest.mark.parametrize("transport", ["http", "file"])
def test_search_on_the_index_finds_a_paper_of_each_day(
    transport: str, real_site: Built, served: dict[str, str], open_page: Any
) -> None:
    base = served["real"] if transport == "http" else real_site.site.as_uri() + "/"
    index = open_page(base + "index.html")
    for day, fixture in real_site.days.items():
        record = next(r for r in fixture.records if r.brief)
        anchor = f"days/{day}.html#p-{record.paper.id}"
        chinese = HAN_RUN.search(record.brief["tldr"]).group(0)  # type: ignore[index, union-attr]
        title_word = max(re.findall(r"[A-Za-z]{5,}", record.paper.title), key=len)
        for query in (chinese, title_word):
            index.page.fill("#q", query)
            index.page.locator(f'#search-results[data-query="{query}"]').wait_for()
            link = index.page.locator(f'#search-results a[href$="{anchor}"]')
            while not link.count():  # shown a page of results at a time
                index.page.click("#search-results [data-action=more-results]")
                index.page.wait_for_timeout(100)
            link.first.wait_for(state="visible")
    # a result opens the paper on its day page
    index.page.locator("#search-results a").first.click()
    index.page.wait_for_load_state("load")
    assert "/days/" in index.page.url and "#p-" in index.page.url
    local_only(index, base)
    assert index.dialogs == [] and index.errors == []


def test_day_page_filter_box_and_category_toggles(
    real_site: Built, served: dict[str, str], open_page: Any
) -> None:
    day, fixture = "2026-01-07", real_site.days["2026-01-07"]
    watched = open_page(served["real"] + f"days/{day}.html")
    page = watched.page
    total = page.locator("article.paper").count()
    assert total == len(fixture.papers)
    target = fixture.records[3].paper
    word = max(re.findall(r"[A-Za-z]{6,}", target.title), key=len)
    page.fill("#filter", word)
    visible = page.locator("article.paper:not([hidden])")
    visible.first.wait_for()
    shown = visible.evaluate_all("els => els.map(e => e.id)")
    assert f"p-{target.id}" in shown and len(shown) < total
    assert page.text_content("#filter-count") == f"显示 {len(shown)} / {total} 篇"
    page.fill("#filter", "")
    page.uncheck('input.cat-toggle[data-category="cs.SD"]')
    categories = page.locator("article.paper:not([hidden])").evaluate_all(
        "els => els.map(e => e.dataset.category)"
    )
    assert categories and "cs.SD" not in categories
    assert page.locator('section.category[data-category="cs.SD"]').is_hidden()
    assert watched.dialogs == [] and watched.errors == []


@pytest.mark.parametrize("transport", ["http", "file"])
def test_hostile_text_shows_literally_and_opens_no_dialog(
    transport: str, hostile_site: Path, served: dict[str, str], open_page: Any
) -> None:
    base = served["hostile"] if transport == "http" else hostile_site.as_uri() + "/"
    for path in ("index.html", "days/2026-01-07.html"):
        watched = open_page(base + path)
        page = watched.page
        page.eval_on_selector_all("details", "els => els.forEach(d => d.open = true)")
        text = page.inner_text("main")
        assert " ".join(HOSTILE_TITLE.split()) in text
        if path.startswith("days"):
            assert HOSTILE_AUTHOR in text and "javascript:alert(4)" in text
            assert HOSTILE_TLDR in text
            assert " ".join(HOSTILE_ABSTRACT.split()) in " ".join(text.split())
            links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            code = page.eval_on_selector_all("a[data-code]", "els => els.map(e => e.href)")
            assert code == ["https://github.com/evil/repo"]  # cleaned from a hostile comment
            elsewhere = [
                h for h in links if not h.startswith(("https://arxiv.org/", base)) and h not in code
            ]
            assert elsewhere == []
        # our scripts only: no element from the text became a script, img, svg or iframe
        assert page.locator("main script, main img, main svg, main iframe").count() == 0
        page.fill("#q", "alert")
        page.locator("#search-results a").first.wait_for()
        assert page.locator("#search-results img, #search-results script").count() == 0
        page.wait_for_timeout(300)
        assert watched.dialogs == [] and watched.errors == []
        local_only(watched, base)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_width_has_no_sideways_scroll(
    scheme: str, real_site: Built, hostile_site: Path, served: dict[str, str], open_page: Any
) -> None:
    pages = [served["real"] + "index.html"] + [
        served["real"] + f"days/{d}.html" for d in real_site.days
    ]
    pages += [served["hostile"] + "days/2026-01-07.html", served["hostile"] + "starred.html"]
    backgrounds = set()
    watched = open_page(pages[-2], width=390, scheme=scheme)  # one reader: stars, prefs, keys
    watched.page.click('[data-paper="2601.00667"] [data-action=star]')
    watched.page.keyboard.press("j")
    for url in pages:
        watched.goto(url)
        page = watched.page
        page.eval_on_selector_all("details", "els => els.forEach(d => d.open = true)")
        page.click("[data-action=prefs]")  # the preferences form and the keys' help open
        page.keyboard.press("Escape")  # out of the form's first field
        page.keyboard.press("?")
        assert page.locator("#keys-help").is_visible() and page.locator("#prefs").is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (url, width)
        backgrounds.add(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    assert watched.page.locator("#starred-list [data-paper]").count() == 1
    expected = "rgb(253, 253, 251)" if scheme == "light" else "rgb(18, 20, 22)"
    assert backgrounds == {expected}
