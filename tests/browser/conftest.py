"""What the browser tests share: one headless Chromium (Debian's `chromium`, driven by Playwright)
and the sites it opens, over http from a loopback server (each site under a sub-path, as on
GitHub Pages) and from file://.

`real_site`: two held-out real days through the real nightly pipeline against the loopback
stand-ins (`digest`, then `summarizer site`), as in `make demo`; `hostile_site`: a day holding a
hostile paper. Built once per test process and shared by the modules; the browser is started
once per module (the sync API keeps an event loop running on the main thread while it lives).
"""

from __future__ import annotations

import functools
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from summarizer_standins.arxiv_api import ArxivStandin
from summarizer_standins.fixtures import Fixture, load_fixture
from summarizer_standins.openai_api import ModelStandin

from tests.support.build import (
    build_test_site,
    hostile_entry,
    synthetic_entries,
    tex_entry,
    write_day,
)
from tests.support.cli import clear_settings, point_env_at, run_main
from tests.support.files import FIXTURES

try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - the test extra installs it
    sync_api = None

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE_DAY = date(2026, 1, 7)
# Every browser test module: `pytestmark = BROWSER_MARKS` (skipped, with the reason, without one).
BROWSER_MARKS = [
    pytest.mark.skipif(
        CHROMIUM is None or sync_api is None,
        reason="browser tests skipped: no Chromium on PATH (apt-get install -y chromium)",
    ),
]


@dataclass
class Built:
    site: Path
    days: dict[str, Fixture]


@pytest.fixture(scope="session")
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
        categories = ",".join(second.categories)
        assert (
            run_main("digest", "--date", str(second.day), "--categories", categories, "--site") == 0
        )
        assert run_main("site") == 0
    yield Built(site=work / "out" / "site", days={str(first.day): first, str(second.day): second})


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile-site")
    entries = [hostile_entry(), tex_entry(), *synthetic_entries(HOSTILE_DAY, 3)]
    write_day(out, HOSTILE_DAY, entries)
    build_test_site(out, keywords=["beamforming"])
    return out / "site"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
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


def site_base(transport: str, served: dict[str, str], name: str, site: Path) -> str:
    """The site's address over `transport` (http or file), ending in '/'."""
    return served[name] if transport == "http" else site.as_uri() + "/"


@pytest.fixture(scope="module")  # not longer: Playwright's loop would stay on the main thread
def browser() -> Iterator[Any]:
    if CHROMIUM is None or sync_api is None:
        pytest.skip("browser tests skipped: no Chromium on PATH (apt-get install -y chromium)")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    page: Any
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # uncaught exceptions and console errors

    def goto(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_load_state("load")

    def quiet(self) -> bool:
        return self.dialogs == [] and self.errors == []


def watch(page: Any) -> Watched:
    watched = Watched(page)
    page.set_default_timeout(20_000)
    page.on("request", lambda r: watched.requests.append(r.url))
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)

    def dialog(d: Any) -> None:
        watched.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    return watched


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """`open_page(url)`: a page in a fresh browser context (its own storage), watched."""
    contexts: list[Any] = []

    def open_(url: str, *, width: int = 1024, scheme: str = "light") -> Watched:
        context = browser.new_context(
            viewport={"width": width, "height": 800}, color_scheme=scheme, accept_downloads=True
        )
        contexts.append(context)
        watched = watch(context.new_page())
        watched.goto(url)
        return watched

    yield open_
    for context in contexts:
        context.close()


def set_prefs(page: Any, *, keywords: str = "", authors: str = "", exclude: str = "") -> None:
    """Open the preferences form from its control, fill it in and save it, as a reader does."""
    page.click("[data-action=prefs]")
    form = page.locator("form[data-prefs]")
    form.locator("[name=keywords]").fill(keywords)
    form.locator("[name=authors]").fill(authors)
    form.locator("[name=exclude]").fill(exclude)
    form.locator("button[type=submit]").click()


def local_only(watched: Watched, base: str) -> None:
    """Every request the page made went to the site itself (file:// or the loopback server)."""
    match = re.match(r"http://127\.0\.0\.1:\d+/", base)
    origin = "file://" if base.startswith("file:") else match.group(0) if match else base
    outside = [u for u in watched.requests if not u.startswith(origin)]
    assert outside == [], outside
