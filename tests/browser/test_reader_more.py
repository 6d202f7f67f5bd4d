"""More of the reader's page in Chromium: COinS on every paper, code and venue badges exactly
where arXiv's metadata names them, the "has code" filter, search ranked by the reader's
preferences and showing stars, hostile text holding a reader's keyword, and the keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import (
    BROWSER_MARKS,
    HOSTILE_DAY,
    Built,
    Watched,
    local_only,
    set_prefs,
    site_base,
)
from tests.support.build import HOSTILE_AUTHOR, HOSTILE_TITLE, TEX_TITLE

pytestmark = BROWSER_MARKS

DAY1, DAY2 = "2026-01-07", "2026-03-10"
# What arXiv's metadata holds (sample-toc's real abstracts; second-day.json's comments and
# journal reference, served by the arXiv stand-in and kept in the JSON lines), so what the
# badges must say: no more, no less.
CODE = {
    DAY1: {"2601.02900": "https://github.com/ttakano398/SPO-CLAPScore"},
    DAY2: {
        "2603.05577": "https://github.com/elsayed-lab/gated_sv",
        "2603.05791": "https://gitlab.com/birdset/birdset-lite",
    },
}
VENUE = {
    DAY1: {},
    DAY2: {
        "2603.05577": "ICASSP 2026",
        "2603.05418": "Interspeech 2026 (oral)",
        "2603.05230": "IEEE Signal Processing Letters, vol. 33, pp. 811-815, 2026",
    },
}
PAPERS_JS = "els => els.map(e => e.dataset.paper)"
SHOWN = "main [data-paper]:not([hidden])"


def _by_paper(page: Any, selector: str, value: str) -> dict[str, str]:
    return dict(
        page.eval_on_selector_all(
            selector, f"els => els.map(e => [e.closest('[data-paper]').dataset.paper, {value}])"
        )
    )


def test_coins_badges_and_the_code_filter(
    real_site: Built, served: dict[str, str], open_page: Any
) -> None:
    watched = open_page(served["real"] + f"days/{DAY1}.html")
    page = watched.page
    for day in (DAY1, DAY2):
        watched.goto(served["real"] + f"days/{day}.html")
        papers = page.eval_on_selector_all("main [data-paper]", PAPERS_JS)
        coins = _by_paper(page, "main [data-paper] span.Z3988", "e.title")
        assert page.locator("main [data-paper] span.Z3988").count() == len(papers)
        for pid in papers:
            assert f"&rft_id=info:arxiv/{pid}&" in coins[pid]
            assert "rft_val_fmt=info:ofi/fmt:kev:mtx:dc&rft.type=preprint" in coins[pid]
        assert _by_paper(page, "a[data-code]", "e.getAttribute('href')") == CODE[day]
        assert _by_paper(page, "a[data-code]", "e.dataset.code") == CODE[day]
        assert _by_paper(page, "[data-venue]", "e.dataset.venue") == VENUE[day]
        assert _by_paper(page, "[data-venue]", "e.textContent") == VENUE[day]
        page.click("[data-filter=code]")
        assert set(page.eval_on_selector_all(SHOWN, PAPERS_JS)) == set(CODE[day])
        page.click("[data-filter=code]")
        assert len(page.eval_on_selector_all(SHOWN, PAPERS_JS)) == len(papers)
    local_only(watched, served["real"])
    assert watched.quiet(), (watched.dialogs, watched.errors)


@pytest.mark.parametrize("transport", ["http", "file"])
def test_search_puts_the_readers_papers_first_leaves_excluded_out_and_shows_stars(
    transport: str, real_site: Built, served: dict[str, str], open_page: Any
) -> None:
    base = site_base(transport, served, "real", real_site.site)
    watched = open_page(base + f"days/{DAY1}.html")
    page = watched.page
    starred = "2601.02444"  # VocalBridge: speech and diffusion, both days' search finds it
    page.click(f'[data-paper="{starred}"] [data-action=star]')
    day_coins = page.get_attribute(f'[data-paper="{starred}"] span.Z3988', "title")
    watched.goto(base + "index.html")
    set_prefs(page, keywords="diffusion", authors="Daeun Hwang", exclude="deepfake")
    page.fill("#q", "speech")
    page.locator("#search-results [data-paper]").first.wait_for()
    results = page.eval_on_selector_all(
        "#search-results [data-paper]",
        "els => els.map(e => [e.dataset.paper, e.hasAttribute('data-match'),"
        " e.hasAttribute('data-starred'), e.querySelector('[data-field=title]').textContent])",
    )
    matched = [r[1] for r in results]
    assert any(matched) and not all(matched)
    assert matched == sorted(matched, reverse=True)  # every match before every other paper
    assert all("deepfake" not in title.lower() for *_, title in results)
    assert "含你的排除词" in page.inner_text("#search-results")
    assert [r[0] for r in results if r[2]] == [starred]
    coins = page.get_attribute(f'#search-results [data-paper="{starred}"] span.Z3988', "title")
    assert coins == day_coins  # built by search.js as citation.py builds it
    marks = page.eval_on_selector_all(
        "#search-results mark.mine", "els => els.map(e => e.textContent)"
    )
    assert marks and all(m.lower() == "diffusion" for m in marks)
    # a star given in the results is a star everywhere
    other = next(r[0] for r in results if not r[2])
    page.click(f'#search-results [data-paper="{other}"] [data-action=star]')
    watched.goto(base + "starred.html")
    assert set(page.eval_on_selector_all("#starred-list [data-paper]", PAPERS_JS)) == {
        starred,
        other,
    }
    local_only(watched, base)
    assert watched.quiet(), (watched.dialogs, watched.errors)


def _only_text_and_marks(page: Any) -> None:
    assert page.locator("[data-field] *:not(mark), [data-field] mark *").count() == 0
    assert page.locator("main script, main img, main svg, main iframe").count() == 0
    assert page.locator("#search-results img, #search-results script").count() == 0


@pytest.mark.parametrize("transport", ["http", "file"])
def test_hostile_text_holding_a_readers_keyword_stays_text(
    transport: str, hostile_site: Path, served: dict[str, str], open_page: Any
) -> None:
    base = site_base(transport, served, "hostile", hostile_site)
    watched = open_page(base + f"days/{HOSTILE_DAY}.html")
    page = watched.page
    set_prefs(
        page,
        keywords="script, ALERT, <img src=x onerror=alert(9)>, (.*), \\, $x_1$",
        authors=f"{HOSTILE_AUTHOR}, Tom and Jerry",
        exclude="[",
    )
    page.reload()
    hostile = page.locator('[data-paper="2601.00666"]')
    title = " ".join(HOSTILE_TITLE.split())
    assert hostile.locator("[data-field=title]").text_content() == title
    assert hostile.get_attribute("data-match") == "4"  # script, alert, $x_1$, the author
    title_marks = hostile.locator("[data-field=title] mark.mine").all_text_contents()
    assert {m.lower() for m in title_marks} == {"script", "alert"}
    assert hostile.locator("[data-field=authors] mark.mine").all_text_contents() == [HOSTILE_AUTHOR]
    tex = page.locator('[data-paper="2601.00667"]')
    assert tex.locator("[data-field=title]").text_content() == TEX_TITLE
    assert tex.locator("[data-venue]").text_content().startswith("<img src=x")
    assert tex.locator("a[data-code]").get_attribute("href") == "https://github.com/evil/repo"
    _only_text_and_marks(page)
    for pid in ("2601.00666", "2601.00667"):
        page.click(f'[data-paper="{pid}"] [data-action=star]')
    page.fill("#q", "alert")
    page.locator('#search-results [data-paper="2601.00666"]').wait_for()
    _only_text_and_marks(page)
    watched.goto(base + "starred.html")
    assert page.locator("#starred-list [data-field=title]").all_text_contents() == [
        TEX_TITLE,
        title,
    ]
    _only_text_and_marks(page)
    with page.expect_download() as download:
        page.click("[data-export=bibtex]")
    bib = Path(download.value.path()).read_text("utf-8")
    assert (
        r"title = {{Unbalanced \} \{braces\} \textbackslash{}textbf\{x\} 100\% \$x\_1\$ \& \#1 "
        r"\textasciitilde{} \textasciicircum{} in Beamforming}}" in bib
    )
    assert r"author = {Ana \{Bad\} O'Neil and {Tom and Jerry} and Back\textbackslash{}slash}" in bib
    page.wait_for_timeout(200)  # a late handler would have fired by now
    local_only(watched, base)
    assert watched.quiet(), (watched.dialogs, watched.errors)


def test_keys_move_star_open_search_and_help(
    real_site: Built, served: dict[str, str], open_page: Any
) -> None:
    watched: Watched = open_page(served["real"] + f"days/{DAY2}.html")
    page = watched.page
    papers = page.eval_on_selector_all("main [data-paper]", PAPERS_JS)
    help_box = page.locator("#keys-help")
    page.keyboard.press("?")
    assert help_box.is_visible()
    page.keyboard.press("?")
    assert help_box.is_hidden()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("jjs")  # typed into the search box, not keys
    assert page.eval_on_selector_all("[data-current], [data-starred]", PAPERS_JS) == []
    page.keyboard.press("Escape")
    for key in "jjj":
        page.keyboard.press(key)
    page.keyboard.press("k")
    assert page.eval_on_selector_all("[data-current]", PAPERS_JS) == [papers[1]]
    assert page.locator(f'[data-paper="{papers[1]}"]').is_visible()
    opened: list[str] = []

    def stay_home(route: Any) -> None:  # nothing leaves 127.0.0.1: the page is not fetched
        opened.append(route.request.url)
        route.abort()

    page.context.route("https://arxiv.org/**", stay_home)
    with page.context.expect_page() as popup:
        page.keyboard.press("o")
    popup.value.wait_for_load_state()
    assert opened == [f"https://arxiv.org/abs/{papers[1]}"]
    local_only(watched, served["real"])
    assert watched.quiet(), (watched.dialogs, watched.errors)
