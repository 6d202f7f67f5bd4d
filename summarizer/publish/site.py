"""The static site: `summarizer site` and `--site`. Built from `{out}/data/{D}.jsonl` and the store.

Incremental: a manifest in the site records, per day, a hash of everything its page and search
shard are made from (the day's JSON lines, its placements, its last run, the keywords, the
previous day, the templates); a day whose hash is unchanged and whose files exist is not read
again. The index, the starred page, the feeds and the search manifest are rewritten on every
build; any file whose bytes are already what they would be is left untouched. Every write is
atomic. A day whose last run stopped before writing its JSON lines gets a page saying why.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from .day_status import RunNote, day_notes
from .feeds import build_feed
from .files import write_atomic_bytes
from .search_index import day_docs, days_manifest, month_index
from .site_data import CATEGORY, SiteDay, SitePaper, day_files, read_day
from .site_pages import (
    SITE_TITLE,
    environment,
    package_digest,
    render_day,
    render_index,
    render_starred,
)

log = logging.getLogger(__name__)

MANIFEST = ".summarizer-site.json"
FEED_DAYS = 7  # feed.xml holds the papers of the digest days in the week ending at the latest one
STATIC_FILES = ("common.js", "prefs.js", "marks.js", "keys.js", "search.js", "site.css")


@dataclass
class SiteReport:
    site_dir: Path
    days: int = 0
    papers_rebuilt: int = 0
    written: list[Path] = field(default_factory=list)
    unchanged: int = 0


class _Writer:
    def __init__(self, report: SiteReport) -> None:
        self.report = report

    def put(self, path: Path, data: bytes) -> None:
        try:
            if path.read_bytes() == data:
                self.report.unchanged += 1
                return
        except OSError:
            pass
        write_atomic_bytes(path, data)
        self.report.written.append(path)


def _day_hash(text: bytes, placed: dict[str, str], extra: str) -> str:
    h = hashlib.sha256(text)
    h.update(json.dumps(sorted(placed.items())).encode())
    h.update(extra.encode())
    return h.hexdigest()


def _load_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
        return data if isinstance(data, dict) and isinstance(data.get("days"), dict) else {}
    except (OSError, ValueError):
        return {}


def build_site(
    *,
    output_dir: Path,
    site_dir: Path,
    categories: list[str],
    keywords: list[str],
    site_url: str | None,
    placed: dict[date, dict[str, str]],
    runs: dict[date, RunNote] | None = None,
    full: bool = False,
) -> SiteReport:
    """Build or update the site in `site_dir` from every `{output_dir}/data/{D}.jsonl`.

    `placed` is the store's category of each paper by day (may be empty); `runs` the last digest
    run of each day (day_status.run_notes); `full` rebuilds every day page even when its inputs
    are unchanged.
    """
    build = _SiteBuild(
        output_dir=output_dir,
        site_dir=site_dir,
        categories=categories,
        keywords=keywords,
        placed=placed,
        runs=runs or {},
        full=full,
    )
    build.days_and_months()
    build.finish(site_url)
    return build.report


class _SiteBuild:
    """One build: the days in order (each month's index once its last day is done), then the
    pages and files that span days."""

    def __init__(
        self,
        *,
        output_dir: Path,
        site_dir: Path,
        categories: list[str],
        keywords: list[str],
        placed: dict[date, dict[str, str]],
        runs: dict[date, RunNote],
        full: bool,
    ) -> None:
        self.site_dir, self.categories, self.placed, self.runs = site_dir, categories, placed, runs
        self.report = SiteReport(site_dir=site_dir)
        self.writer = _Writer(self.report)
        self.env = environment(tuple(keywords))
        self.files = day_files(output_dir / "data")
        self.days = sorted(set(self.files) | {d for d, run in runs.items() if run.stopped})
        self.old = {} if full else _load_manifest(site_dir / MANIFEST).get("days", {})
        self.settings_key = json.dumps([package_digest(), keywords, categories])
        self.newest = self.days[-1] if self.days else None
        self.feed_from = self.newest - timedelta(days=FEED_DAYS - 1) if self.newest else None
        self.entries: dict[str, Any] = {}
        self.loaded: dict[date, SiteDay] = {}
        self.stale_months: set[str] = set()

    def _text(self, day: date) -> bytes:
        return self.files[day].read_bytes() if day in self.files else b""

    def _read(self, day: date, text: bytes) -> SiteDay:
        return read_day(
            day,
            text.decode("utf-8", "replace"),
            placed=self.placed.get(day, {}),
            configured=self.categories,
        )

    def _in_feed(self, day: date) -> bool:
        return self.feed_from is not None and day >= self.feed_from

    def days_and_months(self) -> None:
        for number, day in enumerate(self.days):
            previous = self.days[number - 1].isoformat() if number else ""
            following = self.days[number + 1].isoformat() if number + 1 < len(self.days) else ""
            self._day(day, previous, following)
            month = f"{day:%Y-%m}"
            if number + 1 == len(self.days) or f"{self.days[number + 1]:%Y-%m}" != month:
                self._month(month)
        self.report.days = len(self.days)

    def _day(self, day: date, previous: str, following: str) -> None:
        text = self._text(day)
        run = self.runs.get(day)
        extra = self.settings_key + previous + ">" + following + (run.key() if run else "")
        key = _day_hash(text, self.placed.get(day, {}), extra)
        page = self.site_dir / "days" / f"{day}.html"
        docs = self.site_dir / "search" / "docs" / str(day)
        known = self.old.get(day.isoformat())
        fresh = isinstance(known, dict) and known.get("hash") == key
        needed = not fresh or not page.is_file() or not (docs / "0.js").is_file()
        if needed or not (self.site_dir / "search" / f"{day:%Y-%m}" / "meta.js").is_file():
            self.stale_months.add(f"{day:%Y-%m}")
        if not needed and not self._in_feed(day):
            self.entries[day.isoformat()] = known
            return
        site_day = self.loaded[day] = self._read(day, text)
        self.entries[day.isoformat()] = {
            "hash": key,
            "count": len(site_day.papers),
            "categories": site_day.categories,
        }
        if needed:
            notes = day_notes(site_day, run, configured=self.categories)
            html = render_day(
                self.env,
                site_day,
                previous=previous or None,
                following=following or None,
                notes=notes,
            )
            self.writer.put(page, html.encode("utf-8"))
            self._write_docs(docs, site_day)
            self.report.papers_rebuilt += len(site_day.papers)

    def _write_docs(self, folder: Path, day: SiteDay) -> None:
        files = day_docs(day)
        for name, text in files.items():
            self.writer.put(folder / name, text.encode("utf-8"))
        for leftover in folder.glob("*.js"):  # the day holds fewer papers than it did
            if leftover.name not in files:
                leftover.unlink()
        folder.with_suffix(".js").unlink(missing_ok=True)  # one file a day, as sites had before

    def _month(self, month: str) -> None:
        """The month's search index when one of its days changed; then keep in memory only what
        the index page and the feeds need."""
        if month in self.stale_months:
            month_days = [d for d in self.days if f"{d:%Y-%m}" == month]
            for day in month_days:
                if day not in self.loaded:
                    self.loaded[day] = self._read(day, self._text(day))
            folder = self.site_dir / "search" / month
            files = month_index(month, [self.loaded[d] for d in month_days])
            for name, text in files.items():
                self.writer.put(folder / name, text.encode("utf-8"))
            for leftover in folder.glob("*.js"):  # a bucket no token of the month is in now
                if leftover.name not in files:
                    leftover.unlink()
        for day in [d for d in self.loaded if d != self.newest and not self._in_feed(d)]:
            del self.loaded[day]

    def _latest_with_papers(self, counts: dict[str, int]) -> SiteDay | None:
        """The day the index opens with: the newest that holds a paper (an empty day, a holiday
        or a gap a backfill wrote, never hides a fuller one), else the newest."""
        held = [d for d in self.days if counts.get(d.isoformat())]
        day = held[-1] if held else self.newest
        if day is None:
            return None
        if day not in self.loaded:
            self.loaded[day] = self._read(day, self._text(day))
        return self.loaded[day]

    def finish(self, site_url: str | None) -> None:
        put = self.writer.put
        base = resources.files("summarizer.publish").joinpath("static")
        for name in STATIC_FILES:
            put(self.site_dir / "static" / name, base.joinpath(name).read_bytes())
        buckets = {
            month.name: {int(f.stem, 16) for f in month.glob("*.js") if f.stem != "meta"}
            for month in {self.site_dir / "search" / f"{d:%Y-%m}" for d in self.days}
        }
        manifest = days_manifest(self.days, buckets)
        put(self.site_dir / "search" / "days.js", manifest.encode("utf-8"))
        feed_categories = _feed_categories(self.categories, self.entries)
        counts = {day: entry["count"] for day, entry in self.entries.items()}
        latest = self._latest_with_papers(counts)
        index = render_index(
            self.env, latest=latest, counts=counts, feed_categories=feed_categories
        )
        put(self.site_dir / "index.html", index.encode("utf-8"))
        put(self.site_dir / "starred.html", render_starred(self.env).encode("utf-8"))
        feed_days = [self.loaded[d] for d in self.days if d in self.loaded and self._in_feed(d)]
        _write_feeds(self.writer, self.site_dir, feed_days, feed_categories, site_url)
        built = {"version": 1, "days": self.entries}
        put(self.site_dir / MANIFEST, json.dumps(built, ensure_ascii=False, indent=0).encode())


def _feed_categories(categories: list[str], entries: dict[str, Any]) -> list[str]:
    seen = [c for e in entries.values() for c in e.get("categories", [])]
    ordered = list(dict.fromkeys([*categories, *sorted(set(seen) - set(categories))]))
    return [c for c in ordered if CATEGORY.fullmatch(c)]


def _write_feeds(
    writer: _Writer,
    site_dir: Path,
    feed_days: list[SiteDay],
    feed_categories: list[str],
    site_url: str | None,
) -> None:
    newest_first = sorted(feed_days, key=lambda d: d.day, reverse=True)
    papers: list[tuple[date, SitePaper]] = [(d.day, p) for d in newest_first for p in d.papers]
    writer.put(
        site_dir / "feed.xml",
        build_feed(papers=papers, title=SITE_TITLE, path="feed.xml", site_url=site_url),
    )
    for category in feed_categories:
        mine = [(day, p) for day, p in papers if p.category == category]
        writer.put(
            site_dir / "feeds" / f"{category}.xml",
            build_feed(
                papers=mine,
                title=f"{SITE_TITLE} · {category}",
                path=f"feeds/{category}.xml",
                site_url=site_url,
            ),
        )
