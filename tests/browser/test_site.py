"""The site in a real headless Chromium (Debian's `chromium`, driven by Playwright), over http
from a loopback server and from file://.

Two held-out real days go through the real nightly pipeline against the loopback stand-ins
(`digest`, then `summarizer site`), as in `make demo`; a third site holds a hostile paper.
Skipped, with the reason in the summary, when no Chromium is installed.
"""

from __future__ import annotations

import functools
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from summarizer_standins.arxiv_api import ArxivStandin
from summarizer_standins.fixtures import Fixture, load_fixture
from summarizer_standins.openai_api import ModelStandin

from summarizer.publish.site import build_site
from tests.support.build import (
    HOSTILE_ABSTRACT,
    HOSTILE_AUTHOR,
    HOSTILE_TITLE,
    HOSTILE_TLDR,
    hostile_entry,
    synthetic_entries,
    write_day,
)
from tests.support.cli import clear_settings, point_env_at, run_main
from tests.support.files import FIXTURES, day_rows

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="browser tests skipped: no Chromium on PATH (apt-get install -y chromium)",
)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HAN_RUN = re.compile(r"[\u4e00-\u9fff]{4}")
ARTICLE_JS = """els => els.map(e => [
  e.id, e.querySelector('h3 a').textContent,
  e.querySelector('.tldr') ? e.querySelector('.tldr').textContent : ''
])"""


@dataclass
class Built:
    site: Path
    days: dict[str, Fixture]


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """`digest` of two held-out real days through the stand-ins, then `summarizer site`."""
    work = tmp_path_factory.mktemp("real-site")
    first, second = load_fixture("sample-toc"), load_fixture(FIXTURES / "second-day.json")
    with (
        pytest.MonkeyPatch.context() as mp,
        ArxivStandin(first.papers + second.papers) as arxiv,
        ModelStandin.from_fixture(first) as model,
    ):
        for record in second.records:
            model.add_answer(record.paper.title, record.brief, record.detailed)
        clear_settings(mp)
        mp.chdir(work)
        point_env_at(mp, arxiv, model, work / "out")
        assert run_main("digest", "--date", str(first.day)) == 0
        # the nightly job: digest with --site, then a plain `summarizer site`
        assert (
            run_main(
                "digest",
                "--date",
                str(second.day),
                "--categories",
                ",".join(second.categories),
                "--site",
            )
            == 0
        )
        assert run_main("site") == 0
    yield Built(site=work / "out" / "site", days={str(first.day): first, str(second.day): second})


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile-site")
    from datetime import date

    write_day(out, date(2026, 1, 7), [hostile_entry(), *synthetic_entries(date(2026, 1, 7), 3)])
    build_site(
        output_dir=out,
        site_dir=out / "site",
        categories=["eess.SP", "eess.AS", "cs.SD"],
        keywords=["beamforming"],
        site_url=None,
        placed={},
    )
    return out / "site"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def served(real_site: Built, hostile_site: Path) -> Iterator[dict[str, str]]:
    """Both sites over http on 127.0.0.1, each under a sub-path (as on GitHub Pages)."""
    root = real_site.site.parent.parent.parent  # holds both temporary folders
    handler = functools.partial(_Quiet, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield {
            "real": base + real_site.site.relative_to(root).as_posix() + "/",
            "hostile": base + hostile_site.relative_to(root).as_posix() + "/",
        }
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    page: Any
    requests: list[str]
    dialogs: list[str]
    errors: list[str]


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_(url: str, *, width: int = 1024, scheme: str = "light") -> Watched:
        context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        watched = Watched(page, [], [], [])
        page.on("request", lambda r: watched.requests.append(r.url))
        page.on("pageerror", lambda e: watched.errors.append(str(e)))

        def dialog(d: Any) -> None:
            watched.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.goto(url)
        page.wait_for_load_state("load")
        return watched

    yield open_
    for context in contexts:
        context.close()


def _bases(served: dict[str, str], site: Path) -> list[str]:
    return [served["real"], site.as_uri() + "/"]


def _local_only(watched: Watched, base: str) -> None:
    origin = (
        "file://"
        if base.startswith("file:")
        else re.match(r"http://127\.0\.0\.1:\d+/", base).group(0)
    )  # type: ignore[union-attr]
    outside = [u for u in watched.requests if not u.startswith(origin)]
    assert outside == [], outside


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
    _local_only(index, base)
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
            link = index.page.locator(f'#search-results a[href$="{anchor}"]')
            link.first.wait_for(state="visible")
    # a result opens the paper on its day page
    index.page.locator("#search-results a").first.click()
    index.page.wait_for_load_state("load")
    assert "/days/" in index.page.url and "#p-" in index.page.url
    _local_only(index, base)
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
            assert all(h.startswith(("https://arxiv.org/", base)) for h in links), [
                h for h in links if not h.startswith(("https://arxiv.org/", base))
            ]
        # our scripts only: no element from the text became a script, img, svg or iframe
        assert page.locator("main script, main img, main svg, main iframe").count() == 0
        page.fill("#q", "alert")
        page.locator("#search-results a").first.wait_for()
        assert page.locator("#search-results img, #search-results script").count() == 0
        page.wait_for_timeout(300)
        assert watched.dialogs == [] and watched.errors == []
        _local_only(watched, base)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_width_has_no_sideways_scroll(
    scheme: str, real_site: Built, hostile_site: Path, served: dict[str, str], open_page: Any
) -> None:
    pages = [served["real"] + "index.html"] + [
        served["real"] + f"days/{d}.html" for d in real_site.days
    ]
    pages.append(served["hostile"] + "days/2026-01-07.html")
    backgrounds = set()
    for url in pages:
        watched = open_page(url, width=390, scheme=scheme)
        page = watched.page
        page.eval_on_selector_all("details", "els => els.forEach(d => d.open = true)")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (url, width)
        backgrounds.add(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    expected = "rgb(253, 253, 251)" if scheme == "light" else "rgb(18, 20, 22)"
    assert backgrounds == {expected}
