"""Site benchmark: `summarizer site` over a synthetic store of many digest days.

Writes DAYS x PAPERS synthetic papers as digested days (`{out}/data/{D}.jsonl` with Chinese
TL;DRs, as `digest --format toc` writes them, and their placements in the store), then times the
real command as a subprocess (interpreter start-up included): the full build, a rebuild with
nothing new, and the nightly case of one new day. Prints the site's size and page weight. Then,
in Chromium from file:// (benchmarks/site_browser.py): the reader's preferences applied to a
1,000-paper day page, and a search over the whole site after the input pause.

    python benchmarks/bench_site.py                  # 250 days x 200 papers
    python benchmarks/bench_site.py --days 20 --papers 50
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import measured, peak_mb  # noqa: E402
from site_browser import bench_browser, page_weight  # noqa: E402
from summarizer_standins.synthetic import synthetic_answer, synthetic_papers  # noqa: E402

from summarizer.core.days import digest_days, mailing_window  # noqa: E402
from summarizer.core.records import Brief, Digest, Entry  # noqa: E402
from summarizer.core.selection import SCHEME_MAILING  # noqa: E402
from summarizer.publish.files import write_atomic  # noqa: E402
from summarizer.publish.jsonl import render_jsonl  # noqa: E402
from summarizer.publish.search_index import bucket, tokens  # noqa: E402
from summarizer.publish.site import build_site  # noqa: E402
from summarizer.store.database import Store  # noqa: E402

CATEGORIES = ["eess.SP", "eess.AS", "cs.SD"]
LAST_DAY = date(2026, 1, 7)


def _write_day(out: Path, store: Store, day: date, number: int, papers: int) -> None:
    window = mailing_window(day)
    found = synthetic_papers(
        papers,
        day_window_start=window.start,
        day_window_end=window.end,
        categories=CATEGORIES,
        seed=number,
        id_prefix=f"{1000 + number:04d}",
    )
    entries = []
    for index, paper in enumerate(found):
        category = paper.primary_category
        brief = Brief.model_validate(synthetic_answer("brief", paper.title))
        paper = paper.model_copy(update=_metadata(index))
        entries.append(Entry(paper=paper, category=category, brief=brief))
    digest = Digest(
        day=day,
        window_start=window.start,
        window_end=window.end,
        categories=CATEGORIES,
        fetched=papers,
        entries=entries,
    )
    write_atomic(out / "data" / f"{day}.jsonl", render_jsonl(digest))
    store.placements.place(
        scheme=SCHEME_MAILING,
        day=day,
        entries=[(e.paper.id, e.category) for e in entries],
        complete=True,
    )


# arXiv comments as real days have them: most say pages and figures, some a venue or a code link
COMMENTS = (
    "5 pages, 3 figures",
    "Accepted to ICASSP 2026. Code: https://github.com/lab{n}/model{n}.",
    "13 pages, 7 figures, submitted to IEEE TASLP",
    "Accepted at Interspeech 2026",
    None,
)


def _metadata(index: int) -> dict[str, str | None]:
    comment = COMMENTS[index % len(COMMENTS)]
    return {
        "comment": comment.format(n=index) if comment else None,
        "journal_ref": "IEEE Signal Processing Letters 33 (2026)" if index % 11 == 0 else None,
    }


@dataclass
class SiteRun:
    seconds: float  # wall time, interpreter start-up included
    cpu: float  # user + system CPU seconds of the subprocess (steadier on a busy machine)
    max_rss_mb: float
    line: str


def _site(out: Path) -> SiteRun:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMARIZER_", "OPENAI_"))}
    env.update(PYTHONPATH=str(ROOT), SUMMARIZER_CATEGORIES=",".join(CATEGORIES))
    cmd, env, peak_file = measured(
        [sys.executable, "-m", "summarizer", "site", "--out", str(out)], env
    )
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=out,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout = proc.stdout.read() if proc.stdout else ""
    stderr = proc.stderr.read() if proc.stderr else ""
    _, raw_status, usage = os.wait4(proc.pid, 0)  # communicate() would lose the child's rusage
    seconds = time.perf_counter() - started
    status = os.waitstatus_to_exitcode(raw_status)
    if status != 0:
        raise SystemExit(f"summarizer site failed ({status}): {stderr[-500:]}")
    line = " ".join(stdout.split()).split("; open")[0]
    return SiteRun(seconds, usage.ru_utime + usage.ru_stime, peak_mb(peak_file, usage), line)


def _print_run(label: str, run: SiteRun) -> None:
    print(
        f"  {label:<22}{run.seconds:8.2f} s wall, {run.cpu:7.2f} s CPU, "
        f"{run.max_rss_mb:5.0f} MB peak  ({run.line})"
    )


def _size(site: Path) -> tuple[int, int, int, int]:
    files = [p for p in site.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    search = sum(p.stat().st_size for p in (site / "search").rglob("*.js"))
    largest = max((p.stat().st_size for p in (site / "days").glob("*.html")), default=0)
    return len(files), total, search, largest


def _query_bytes(site: Path, query: str) -> int:
    """What the browser loads for `query` across every month (as site.js does), results aside:
    the day list, each month's meta.js and the bucket of each of the query's tokens."""
    loaded = {site / "search" / "days.js"}
    for month in (p for p in (site / "search").iterdir() if p.is_dir() and p.name != "docs"):
        loaded.add(month / "meta.js")
        loaded.update(month / f"{bucket(t):02x}.js" for t in tokens(query))
    return sum(p.stat().st_size for p in loaded if p.is_file())


def _big_day(papers: int) -> Path:
    """A site of one day of `papers` papers (in a temporary folder the caller removes)."""
    out = Path(tempfile.mkdtemp(prefix="bench-site-day-"))
    store = Store(out / "summarizer.sqlite3")
    _write_day(out, store, LAST_DAY, 0, papers)
    store.close()
    build_site(
        output_dir=out,
        site_dir=out / "site",
        categories=CATEGORIES,
        keywords=[],
        site_url=None,
        placed={},
    )
    return out


def bench_site(
    days: int = 250, papers: int = 200, failures: list[str] | None = None, big: int = 1000
) -> None:
    every = digest_days(date(2020, 1, 1), LAST_DAY)
    chosen, new_day = every[-days - 1 : -1], every[-1]
    print(f"\n== site: {days} days x {papers} papers (synthetic, TL;DR per paper) ==")
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        out = Path(tmp)
        store = Store(out / "summarizer.sqlite3")
        started = time.perf_counter()
        for number, day in enumerate(chosen):
            _write_day(out, store, day, number, papers)
        print(f"  {'store written':<22}{time.perf_counter() - started:8.2f} s (setup, not timed)")
        _print_run("full build", _site(out))
        _print_run("rebuild, nothing new", _site(out))
        _write_day(out, store, new_day, days, papers)
        store.close()
        _print_run("one new day", _site(out))
        count, total, search, largest = _size(out / "site")
        mib = 1024 * 1024
        print(f"  {'site size':<22}{total / mib:8.1f} MiB in {count} files")
        print(f"  {'search index':<22}{search / mib:8.1f} MiB on disk")
        for query in ("beamforming", "语音增强"):
            loaded = _query_bytes(out / "site", query)
            print(f"  {'search ' + query:<22}{loaded / 1024:8.0f} KiB loaded over all days")
        print(f"  {'largest day page':<22}{largest / 1024:8.0f} KiB")
        page_weight(out / "site", f"{papers} papers a day")
        big_out = _big_day(big) if big else None
        try:
            if big_out is not None:
                page_weight(big_out / "site", f"one day of {big} papers")
            big_page = big_out / "site" / "days" / f"{LAST_DAY}.html" if big_out else None
            found = failures if failures is not None else []
            bench_browser(big_day=big_page, site=out / "site", failures=found)
        finally:
            if big_out is not None:
                shutil.rmtree(big_out, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--papers", type=int, default=200)
    parser.add_argument("--big", type=int, default=1000, help="papers of the one-day page")
    args = parser.parse_args(argv)
    failures: list[str] = []
    bench_site(args.days, args.papers, failures, big=args.big)
    print("all targets met" if not failures else "missed: " + "; ".join(failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
