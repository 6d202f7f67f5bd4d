"""The static site: `summarizer site` and `--site`. Built from `{out}/data/{D}.jsonl` and the store.

Incremental: a manifest in the site records, per day, a hash of everything its page and search
shard are made from (the day's JSON lines, its placements, the keywords, the previous day, the
templates); a day whose hash is unchanged and whose files exist is not read again. The index,
the feeds and the search manifest are rewritten on every build; any file whose bytes are already
what they would be is left untouched. Every write is atomic.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import resources
from itertools import groupby
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from .feeds import build_feed
from .files import write_atomic_bytes
from .search_index import day_docs, days_manifest, month_index
from .site_data import CATEGORY, SiteDay, SitePaper, day_files, read_day

log = logging.getLogger(__name__)

SITE_TITLE = "arXiv 中文每日速递"
MANIFEST = ".summarizer-site.json"
FEED_DAYS = 7  # feed.xml holds the papers of the digest days in the week ending at the latest one
STATIC_FILES = ("site.css", "site.js")


@dataclass
class SiteReport:
    site_dir: Path
    days: int = 0
    papers_rebuilt: int = 0
    written: list[Path] = field(default_factory=list)
    unchanged: int = 0


@cache
def _package_digest() -> str:
    """Changes whenever a template or a static file does, so a new version rebuilds every page."""
    h = hashlib.sha256()
    base = resources.files("summarizer.publish")
    for folder in ("templates/site", "static"):
        for item in sorted(base.joinpath(folder).iterdir(), key=lambda i: i.name):
            h.update(item.name.encode() + b"\0" + item.read_bytes())
    return h.hexdigest()[:16]


def highlighter(keywords: list[str]) -> Any:
    """A filter that escapes text and wraps each keyword found (any case) in <mark>."""
    words = sorted({k for k in keywords if k.strip()}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None

    def highlight(text: object) -> Markup:
        raw = str(text)
        if pattern is None:
            return escape(raw)
        out: list[str] = []
        last = 0
        for match in pattern.finditer(raw):
            out += [str(escape(raw[last : match.start()])), f"<mark>{escape(match.group())}</mark>"]
            last = match.end()
        out.append(str(escape(raw[last:])))
        return Markup("".join(out))

    return highlight


@cache
def environment(keywords: tuple[str, ...]) -> Environment:
    """The template environment (compiled templates are kept in it, so it is made once)."""
    env = Environment(
        loader=PackageLoader("summarizer.publish", "templates/site"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["hl"] = highlighter(list(keywords))
    env.globals["site_title"] = SITE_TITLE
    return env


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
    full: bool = False,
) -> SiteReport:
    """Build or update the site in `site_dir` from every `{output_dir}/data/{D}.jsonl`.

    `placed` is the store's category of each paper by day (may be empty); `full` rebuilds every
    day page even when its inputs are unchanged.
    """
    report = SiteReport(site_dir=site_dir)
    writer = _Writer(report)
    env = environment(tuple(keywords))
    files = day_files(output_dir / "data")
    manifest_path = site_dir / MANIFEST
    old = {} if full else _load_manifest(manifest_path).get("days", {})
    settings_key = json.dumps([_package_digest(), keywords, categories])
    days = list(files)
    newest = days[-1] if days else None
    feed_from = newest - timedelta(days=FEED_DAYS - 1) if newest else None
    entries: dict[str, Any] = {}
    loaded: dict[date, SiteDay] = {}
    stale_months: set[str] = set()
    for number, day in enumerate(days):
        text = files[day].read_bytes()
        previous = days[number - 1].isoformat() if number else ""
        following = days[number + 1].isoformat() if number + 1 < len(days) else ""
        key = _day_hash(text, placed.get(day, {}), settings_key + previous + ">" + following)
        page = site_dir / "days" / f"{day}.html"
        docs = site_dir / "search" / "docs" / f"{day}.js"
        month_meta = site_dir / "search" / f"{day:%Y-%m}" / "meta.js"
        known = old.get(day.isoformat())
        fresh = isinstance(known, dict) and known.get("hash") == key
        needed = not fresh or not page.is_file() or not docs.is_file()
        if needed or not month_meta.is_file():
            stale_months.add(f"{day:%Y-%m}")
        if needed or (feed_from is not None and day >= feed_from):
            loaded[day] = read_day(
                day,
                text.decode("utf-8", "replace"),
                placed=placed.get(day, {}),
                configured=categories,
            )
            entries[day.isoformat()] = {
                "hash": key,
                "count": len(loaded[day].papers),
                "categories": loaded[day].categories,
            }
        else:
            entries[day.isoformat()] = known
        if needed:
            html = env.get_template("day.html.j2").render(
                day=loaded[day], root="../", previous=previous or None, following=following or None
            )
            writer.put(page, html.encode("utf-8"))
            writer.put(docs, day_docs(loaded[day]).encode("utf-8"))
            report.papers_rebuilt += len(loaded[day].papers)
        month = f"{day:%Y-%m}"
        last_of_month = number + 1 == len(days) or f"{days[number + 1]:%Y-%m}" != month
        if last_of_month and month in stale_months:
            month_days = [d for d in days if f"{d:%Y-%m}" == month]
            for other in month_days:
                if other not in loaded:
                    loaded[other] = read_day(
                        other,
                        files[other].read_text("utf-8", "replace"),
                        placed=placed.get(other, {}),
                        configured=categories,
                    )
            month_index_days = [loaded[d] for d in month_days]
            _write_month_index(writer, site_dir / "search" / month, month, month_index_days)
        if last_of_month:  # keep in memory only what the index page and the feeds need
            for other in [
                d for d in loaded if d != newest and (feed_from is None or d < feed_from)
            ]:
                del loaded[other]
    report.days = len(days)
    _copy_static(writer, site_dir)
    writer.put(site_dir / "search" / "days.js", days_manifest(days).encode("utf-8"))
    feed_categories = _feed_categories(categories, entries)
    latest = _latest_with_papers(days, entries)
    if latest is not None and latest not in loaded:
        loaded[latest] = read_day(
            latest,
            files[latest].read_text("utf-8", "replace"),
            placed=placed.get(latest, {}),
            configured=categories,
        )
    _write_index(
        writer, env, site_dir, loaded.get(latest) if latest else None, entries, feed_categories
    )
    _write_feeds(
        writer,
        site_dir,
        [loaded[d] for d in days if d in loaded and feed_from and d >= feed_from],
        feed_categories,
        site_url,
    )
    manifest = {"version": 1, "days": entries}
    writer.put(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=0).encode())
    return report


def _latest_with_papers(days: list[date], entries: dict[str, Any]) -> date | None:
    """The day the index opens with: the newest day that holds a paper (an empty day, a
    holiday or a backfilled gap, never hides a fuller one), else the newest day."""
    held = [d for d in days if entries[d.isoformat()].get("count")]
    return held[-1] if held else (days[-1] if days else None)


def _write_month_index(writer: _Writer, folder: Path, month: str, days: list[SiteDay]) -> None:
    files = month_index(month, days)
    for name, text in files.items():
        writer.put(folder / name, text.encode("utf-8"))
    for leftover in folder.glob("*.js"):  # a bucket no token of the month falls in any more
        if leftover.name not in files:
            leftover.unlink()


def _copy_static(writer: _Writer, site_dir: Path) -> None:
    base = resources.files("summarizer.publish").joinpath("static")
    for name in STATIC_FILES:
        writer.put(site_dir / "static" / name, base.joinpath(name).read_bytes())


def _feed_categories(categories: list[str], entries: dict[str, Any]) -> list[str]:
    seen = [c for e in entries.values() for c in e.get("categories", [])]
    ordered = list(dict.fromkeys([*categories, *sorted(set(seen) - set(categories))]))
    return [c for c in ordered if CATEGORY.fullmatch(c)]


def _write_index(
    writer: _Writer,
    env: Environment,
    site_dir: Path,
    latest: SiteDay | None,
    entries: dict[str, Any],
    feed_categories: list[str],
) -> None:
    newest_first = sorted(entries, reverse=True)
    months = [
        (month, [(d, entries[d]["count"]) for d in group])
        for month, group in groupby(newest_first, key=lambda d: d[:7])
    ]
    html = env.get_template("index.html.j2").render(
        root="",
        latest=latest,
        months=months,
        archive_total=len(newest_first),
        feed_categories=feed_categories,
    )
    writer.put(site_dir / "index.html", html.encode("utf-8"))


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
