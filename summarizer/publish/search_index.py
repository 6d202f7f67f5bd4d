"""The site's search index: plain script files, loadable from `file://` as well as over http.

An inverted index split so that a search loads little: for each month `M` and bucket `b`,
`search/M/b.js` maps the tokens of that bucket to the month's papers holding them; a query loads
only the buckets of its own tokens. Tokens are lower-case Latin words/numbers and Chinese
two-character pieces (a lone Han character stands for itself); the browser matches a query token
as a prefix of the indexed tokens, so `beamform` finds `beamforming` and `语音增强` finds the
papers holding 语音, 音增 and 增强. `search/M/meta.js` lists the month's days and paper counts
(paper n of a month is found by counting through them); `search/docs/D/k.js` holds what a
result shows for papers k*DOCS_CHUNK... of day D (see `day_docs`), loaded only for the hits
shown. `search/days.js` lists the days and
months. The reader's keywords, authors and exclusions are looked up in the same index, so
results matching them come first and excluded ones are left out.

Text indexed: title, authors, abstract, arXiv id and every Chinese summary. Everything is JSON
inside a script file (never inline in a page); the browser shows it through textContent only.
"""

from __future__ import annotations

import json
import operator
import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from ..core.records import Point
from .site_data import SiteDay, SitePaper

BUCKETS = 256
DOCS_CHUNK = 25  # papers per docs file: the 50 results shown load little, wherever they are
_TOKENS = re.compile(r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def normalize(text: str) -> str:
    return text.lower() if text.isascii() else unicodedata.normalize("NFKC", text).lower()


def tokens(text: str) -> set[str]:
    """The index tokens of `text` (the browser's search.js cuts queries the same way)."""
    found: set[str] = set()
    for run in _TOKENS.findall(normalize(text)):
        if run[0] > "z":  # a Han run (the pattern matches nothing else beyond ASCII)
            if len(run) == 1:
                found.add(run)
            else:
                found.update(map(operator.add, run, run[1:]))
        elif len(run) >= 2:
            found.add(run)
    return found


def bucket(token: str) -> int:
    """The bucket of a token: a hash of its first two characters (one for Chinese), so that every
    token starting with a query token of that length sits in one bucket. Same in search.js."""
    key = token[:1] if _HAN.match(token) else token[:2]
    h = 0
    for ch in key:
        h = (h * 31 + ord(ch)) & 0xFFFFFF
    return h % BUCKETS


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
    return " ".join(parts)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _doc(paper: SitePaper) -> list[object]:
    """What a search result shows and a star keeps: [id, title, category, TL;DR, authors,
    version, primary category, code URL, venue, journal reference] (empty ones at the end
    left off)."""
    record: list[object] = [
        paper.id,
        paper.short_title,
        paper.category,
        paper.brief.tldr if paper.brief else "",
        paper.authors,
        paper.version,
        paper.primary_category,
        paper.code or "",
        paper.venue or "",
        paper.journal_ref or "",
    ]
    while record and record[-1] == "":
        record.pop()
    return record


def day_docs(day: SiteDay) -> dict[str, str]:
    """The day's docs files by name under `search/docs/D/`: `k.js` holds papers
    k*DOCS_CHUNK to (k+1)*DOCS_CHUNK-1 of the day (an empty day: one empty file)."""
    records = [_doc(p) for p in day.papers]
    files = {}
    for k, start in enumerate(range(0, max(len(records), 1), DOCS_CHUNK)):
        key = f"{day.day.isoformat()}/{k}"
        files[f"{k}.js"] = (
            "(window.SUMMARIZER_DOCS=window.SUMMARIZER_DOCS||{})"
            f"[{_json(key)}]={_json(records[start : start + DOCS_CHUNK])};\n"
        )
    return files


def month_index(month: str, days: list[SiteDay]) -> dict[str, str]:
    """The files of one month's index, by name under `search/{month}/`: meta.js and the buckets."""
    ordered = sorted(days, key=lambda d: d.day)
    postings: dict[str, list[int]] = {}
    number = 0
    for day in ordered:
        for paper in day.papers:
            for token in tokens(searchable_text(paper)):
                postings.setdefault(token, []).append(number)
            number += 1
    buckets: dict[int, dict[str, list[int]]] = {}
    for token in sorted(postings):
        docs = postings[token]
        deltas = [docs[0]] + [b - a for a, b in zip(docs, docs[1:], strict=False)]
        buckets.setdefault(bucket(token), {})[token] = deltas
    meta = [[d.day.isoformat(), len(d.papers)] for d in ordered]
    files = {
        "meta.js": f"(window.SUMMARIZER_META=window.SUMMARIZER_META||{{}})"
        f"[{_json(month)}]={_json(meta)};\n"
    }
    for b, table in buckets.items():
        files[f"{b:02x}.js"] = (
            "(window.SUMMARIZER_IDX=window.SUMMARIZER_IDX||{})"
            f"[{_json(f'{month}/{b:02x}')}]={_json(table)};\n"
        )
    return files


def days_manifest(days: Iterable[date], buckets: dict[str, set[int]]) -> str:
    """`search/days.js`: the days and months, newest first, and which buckets each month has
    (a hex bitmap, bit b for `b.js`), so the browser asks for no file that is not there."""
    newest_first = sorted({d.isoformat() for d in days}, reverse=True)
    months = list(dict.fromkeys(d[:7] for d in newest_first))
    bitmaps = {m: f"{sum(1 << b for b in buckets.get(m, ())):064x}" for m in months}
    return (
        f"window.SUMMARIZER_DAYS={_json(newest_first)};\n"
        f"window.SUMMARIZER_MONTHS={_json(months)};\n"
        f"window.SUMMARIZER_BUCKETS={_json(bitmaps)};\n"
    )
