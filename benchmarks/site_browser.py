"""The reader's page measured in Chromium (Debian's `chromium`, driven by Playwright), from file://.

- Preferences applied to a day page of 1,000 papers: the reader's keywords, authors and
  exclusions stored, the page reloaded (applied as it loads) and the form submitted again
  (applied at once); the script's own time (the `summarizer:prefs` performance measure) and the
  time to the next painted frame after the submit. Target: within 100 ms.
- A search over the whole site (250 days x 200 papers in `make bench`) from the index page: the
  time from the end of the input pause (150 ms after the last keystroke) to every result shown
  (the `summarizer:search` measure). Typed into the box as a person does (the box fetches what
  a search will need as it gets focus and as keys come), the same query again (the index
  loaded), and pasted in at once with no focus (nothing fetched ahead: the worst case); plain
  and with the reader's preferences, which add their own index lookups. Target: within 300 ms
  after the pause, typed or loaded.
- Page weight per day: the day page's HTML, raw and gzipped, and what every page loads besides.

Medians of a few runs (the verdict) and the worst (on a shared machine, mostly a measure of its
load, printed with the figures); a figure, not an assertion (no timed test anywhere).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import statistics
from pathlib import Path
from typing import Any

PREFS = {
    "keywords": ["speech enhancement", "beamforming", "diffusion"],
    "authors": ["Wei Zhang", "Anna Müller"],
    "exclude": ["ECG"],
}
QUERIES = ("beamforming", "语音增强", "speech enhancement diffusion")
RUNS = 5
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PREFS_TARGET_MS, SEARCH_TARGET_MS = 100.0, 300.0

SUBMIT_JS = """() => new Promise(resolve => {
  const form = document.querySelector('form[data-prefs]');
  form.hidden = false;
  const started = performance.now();
  form.requestSubmit();
  // a task posted from the next animation frame runs once that frame is rendered
  requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const m = performance.getEntriesByName('summarizer:prefs').pop();
      resolve([m.duration, performance.now() - started]);
    };
    channel.port2.postMessage(null);
  });
})"""
SETTLED_JS = """() => new Promise(resolve =>
  requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))))"""
MEASURE_JS = (
    "name => { const m = performance.getEntriesByName(name).pop(); return m ? m.duration : null; }"
)
# Resolves once the results of `query` are all shown: [after the pause, index part, shown].
AWAIT_JS = """query => { window.__searched = new Promise(resolve => {
  performance.clearMeasures('summarizer:search');
  const box = document.getElementById('search-results');
  box.removeAttribute('data-query');
  const seen = new MutationObserver(() => {
    if (box.getAttribute('data-query') !== query) return;
    seen.disconnect();
    const m = performance.getEntriesByName('summarizer:search').pop();
    const i = performance.getEntriesByName('summarizer:search-index').pop();
    resolve([m.duration, i.duration, box.querySelectorAll('[data-paper]').length]);
  });
  seen.observe(box, {attributes: true});
}); }"""
PASTE_JS = """query => { const q = document.getElementById('q');
  q.value = query; q.dispatchEvent(new Event('input')); }"""
TYPING_DELAY_MS = 80  # between keys: a quick typist


def _search(page: Any, query: str, *, typed: bool) -> tuple[float, float, int]:
    page.evaluate(AWAIT_JS, query)
    if typed:
        page.click("#q")
        page.keyboard.press("Control+A")
        page.keyboard.type(query, delay=TYPING_DELAY_MS)
    else:
        page.evaluate(PASTE_JS, query)
    after, index, shown = page.evaluate("window.__searched")
    return after, index, shown


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values):6.1f} ms, worst {max(values):6.1f} ms"


def _verdict(label: str, values: list[float], target: float, failures: list[str]) -> str:
    """Judged on the median (a loaded machine makes the worst run a measure of the load; it is
    printed beside it)."""
    typical = statistics.median(values)
    if typical <= target:
        return "ok"
    failures.append(f"{label}: median {typical:.0f} ms > {target:.0f} ms")
    return "MISSED"


def _open(browser: Any, url: str, prefs: dict[str, list[str]] | None) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if prefs is not None:
        text = json.dumps(prefs, ensure_ascii=False)
        script = f"localStorage.setItem('summarizer.prefs', {json.dumps(text)})"
        context.add_init_script(script)
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def bench_prefs(browser: Any, day_page: Path, failures: list[str]) -> None:
    page = _open(browser, day_page.as_uri(), PREFS)
    papers = page.locator("main [data-paper]").count()
    matched = page.locator("#for-you [data-paper]").count()
    on_load, submitted, framed = [], [], []
    for _ in range(RUNS):
        page.reload()
        page.wait_for_load_state("load")
        on_load.append(page.evaluate(MEASURE_JS, "summarizer:prefs"))
        page.evaluate(SETTLED_JS)  # the page's own first frames drawn: the submit's alone count
        page.wait_for_timeout(300)
        script, frame = page.evaluate(SUBMIT_JS)
        submitted.append(script)
        framed.append(frame)
    page.context.close()
    print(f"  prefs, {papers} papers ({matched} for you, exclusions hidden), from file://:")
    verdict = _verdict("prefs on a page load", on_load, PREFS_TARGET_MS, failures)
    print(f"    {'applied as the page loads':<34}{_ms(on_load)}  (target 100 ms: {verdict})")
    print(f"    {'applied on submit (script)':<34}{_ms(submitted)}")
    verdict = _verdict("prefs on submit", framed, PREFS_TARGET_MS, failures)
    print(f"    {'submit to the next painted frame':<34}{_ms(framed)}  (target 100 ms: {verdict})")


def bench_search(browser: Any, index: Path, failures: list[str]) -> None:
    print("  search from index.html over every day, from file://, after the 150 ms pause:")
    verdicts: list[str] = []
    for label, prefs in (("plain", None), ("preferences", PREFS)):
        typed, pasted, again, shown = [], [], [], []
        for query in QUERIES:
            for _ in range(max(RUNS // 2, 1)):
                page = _open(browser, index.as_uri(), prefs)
                typed.append(_search(page, query, typed=True)[0])
                page.context.close()
                page = _open(browser, index.as_uri(), prefs)
                after, _, count = _search(page, query, typed=False)
                pasted.append(after)
                _search(page, "xyzzy", typed=False)  # another query, so the next one runs again
                again.append(_search(page, query, typed=False)[0])
                shown.append(count)
                page.context.close()
        verdicts.append(_verdict(f"search typed, {label}", typed, SEARCH_TARGET_MS, failures))
        what = f"({min(shown)}-{max(shown)} shown)"
        print(f"    {label:<12} typed into the box    {_ms(typed)}  {what}")
        print(f"    {label:<12} index already loaded  {_ms(again)}")
        what = "(no focus, no keys: nothing fetched ahead)"
        print(f"    {label:<12} pasted, nothing ready {_ms(pasted)}  {what}")
    print(f"    typed into the box, target 300 ms: {', '.join(verdicts)} (plain, preferences)")


def page_weight(site: Path, label: str) -> None:
    pages = sorted((site / "days").glob("*.html"))
    if not pages:
        return
    sizes = [p.stat().st_size for p in pages]
    zipped = [len(gzip.compress(p.read_bytes(), 6)) for p in pages[-3:]]
    shared = sum(p.stat().st_size for p in (site / "static").iterdir())
    shared += (site / "search" / "days.js").stat().st_size
    print(
        f"  page weight, {label}: day page median {statistics.median(sizes) / 1024:.0f} KiB "
        f"(largest {max(sizes) / 1024:.0f} KiB; about {statistics.median(zipped) / 1024:.0f} "
        f"KiB gzipped), plus {shared / 1024:.0f} KiB of scripts, style and day list on every page"
    )


def bench_browser(*, big_day: Path | None, site: Path | None, failures: list[str]) -> None:
    """The Chromium figures; skipped (said so) without Chromium or Playwright."""
    path = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("  browser figures skipped: playwright is not installed (make install)")
        return
    if path is None:
        print("  browser figures skipped: no Chromium on PATH (apt-get install -y chromium)")
        return
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    print(f"  in Chromium ({path}), {load}:")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            if big_day is not None:
                bench_prefs(browser, big_day, failures)
            if site is not None:
                bench_search(browser, site / "index.html", failures)
        finally:
            browser.close()
