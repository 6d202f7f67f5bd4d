"""Atom feeds of the site: `feed.xml` (every paper of the latest digest days) and one per category.

Built with feedgen (lxml underneath), which escapes all text; characters XML cannot carry at all
(control characters, lone surrogates) are dropped first. Entries link to arXiv; the feed links to
the site only when `SUMMARIZER_SITE_URL` gives an absolute base.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from feedgen.feed import FeedGenerator

from .site_data import SitePaper

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _published(paper: SitePaper, day: date) -> datetime:
    try:
        instant = datetime.fromisoformat(paper.published.replace("Z", "+00:00"))
    except ValueError:
        return _day_start(day)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def build_feed(
    *,
    papers: list[tuple[date, SitePaper]],
    title: str,
    path: str,
    site_url: str | None,
) -> bytes:
    """An Atom feed of `papers` (newest day first), `path` being its place inside the site."""
    feed = FeedGenerator()
    feed.id(f"{site_url}/{path}" if site_url else f"urn:summarizer:site:{path}")
    feed.title(xml_safe(title))
    feed.language("zh-CN")
    feed.generator("summarizer")
    if site_url:
        feed.link(href=f"{site_url}/{path}", rel="self")
        feed.link(href=f"{site_url}/index.html", rel="alternate")
    newest = max((day for day, _ in papers), default=date(1970, 1, 1))
    feed.updated(_day_start(newest))
    for day, paper in papers:
        entry = feed.add_entry(order="append")
        entry.id(f"{paper.abs_url}v{paper.version}")
        entry.title(xml_safe(paper.short_title) or paper.id)
        entry.link(href=paper.abs_url, rel="alternate")
        for name in paper.authors:
            if xml_safe(name).strip():
                entry.author({"name": xml_safe(name)})
        for category in paper.categories:
            entry.category(term=xml_safe(category))
        entry.published(_published(paper, day))
        entry.updated(_day_start(day))
        if paper.brief:
            content = paper.brief.tldr
        elif paper.detailed:  # a day digested as the Jekyll post only: the translation
            content = paper.detailed.translation
        else:
            content = paper.marker or "总结暂缺"
        entry.content(xml_safe(content), type="text")
        entry.summary(xml_safe(paper.abstract), type="text")
    return feed.atom_str(pretty=True)
