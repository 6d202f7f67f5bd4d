"""The site's search index: one small script per day, loadable from `file://` as well as over http.

`search/days.js` lists the days, newest first; `search/{D}.js` adds that day's papers to a global
map, each as `[anchor, title, category, tldr, text]` where `text` is the normalized (NFKC, lower
case) title, authors, abstract and every Chinese summary, matched in the browser by substring and,
for Chinese, by two-character pieces. Written as JSON inside a script file (never inline in a page),
so no outside text can end a script element.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from datetime import date

from summarizer.models import Point
from summarizer.publish.site_data import SiteDay, SitePaper


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _points_text(points: Iterable[Point]) -> list[str]:
    out: list[str] = []
    for p in points:
        out += [p.label, p.text, *_points_text(p.points)]
    return out


def searchable_text(paper: SitePaper) -> str:
    parts = [paper.title, " ".join(paper.authors), paper.abstract, paper.id]
    if paper.brief:
        b = paper.brief
        parts += [b.tldr, b.motivation, b.method, b.result, b.conclusion]
    if paper.detailed:
        d = paper.detailed
        parts += [d.translation, *_points_text([*d.background, *d.method, *d.results])]
    return normalize(" ".join(parts))


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def day_shard(day: SiteDay) -> str:
    records = [
        [p.anchor, p.short_title, p.category, p.brief.tldr if p.brief else "", searchable_text(p)]
        for p in day.papers
    ]
    return (
        "(window.SUMMARIZER_SHARDS=window.SUMMARIZER_SHARDS||{})"
        f"[{_json(day.day.isoformat())}]={_json(records)};\n"
    )


def days_manifest(days: Iterable[date]) -> str:
    newest_first = sorted({d.isoformat() for d in days}, reverse=True)
    return f"window.SUMMARIZER_DAYS={_json(newest_first)};\n"
