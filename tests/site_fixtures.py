"""Digest days written straight as `{out}/data/{D}.jsonl` (what `digest` writes), for site tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from summarizer_standins import synthetic_answer
from summarizer_standins.synthetic import synthetic_papers

from summarizer.core.records import Brief, Detailed, Digest, Entry, Paper
from summarizer.publish.files import write_atomic
from summarizer.publish.render import render_jsonl

CATEGORIES = ["eess.SP", "eess.AS", "cs.SD"]
HOSTILE_TITLE = '<script>alert("title")</script> Beamforming <img src=x onerror=alert(1)>'
HOSTILE_AUTHOR = '<img src=x onerror=alert("author")>'
HOSTILE_ABSTRACT = (
    "We study <a href=\"javascript:alert('abs')\">click me</a> and </details></article>"
    "<script>alert(2)</script> {{ 7*7 }} $x_1$ end."
)
HOSTILE_TLDR = (
    '本文<script>alert("tldr")</script>提出一种<a href="javascript:alert(3)">恶意链接</a>'
    "的波束成形方法。"
)


def write_day(
    out: Path, day: date, entries: list[Entry], categories: list[str] = CATEGORIES
) -> None:
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    digest = Digest(
        day=day,
        window_start=start,
        window_end=start,
        categories=categories,
        fetched=len(entries),
        entries=entries,
    )
    write_atomic(out / "data" / f"{day}.jsonl", render_jsonl(digest))


def synthetic_entries(day: date, n: int, *, seed: int = 0, detailed: bool = False) -> list[Entry]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    papers = synthetic_papers(
        n,
        day_window_start=start,
        day_window_end=start.replace(hour=23),
        categories=CATEGORIES,
        seed=seed,
        id_prefix=f"{day.toordinal() % 10000:04d}",
    )
    return [entry_for(p, CATEGORIES, detailed=detailed) for p in papers]


def entry_for(paper: Paper, categories: list[str], *, detailed: bool = False) -> Entry:
    category = paper.primary_category
    if category not in categories:
        category = next(c for c in categories if c in paper.categories)
    brief = Brief.model_validate(synthetic_answer("brief", paper.title))
    det = Detailed.model_validate(synthetic_answer("detailed", paper.title)) if detailed else None
    return Entry(paper=paper, category=category, brief=brief, detailed=det)


def hostile_entry() -> Entry:
    paper = Paper(
        id="2601.00666",
        version=1,
        title=HOSTILE_TITLE,
        authors=[HOSTILE_AUTHOR, "javascript:alert(4)"],
        primary_category="eess.SP",
        categories=["eess.SP"],
        published=datetime(2026, 1, 6, 12, tzinfo=UTC),
        abstract=HOSTILE_ABSTRACT,
        pdf_url="javascript:alert('pdf')",
    )
    brief = Brief(
        tldr=HOSTILE_TLDR,
        motivation="动机<img src=x onerror=alert(5)>说明现有方法不足。",
        method="方法<svg onload=alert(6)>使用了新的网络结构。",
        result="结果</dd></dl><script>alert(7)</script>显著提升。",
        conclusion="结论：该方法有效并且稳健。",
    )
    detailed = Detailed.model_validate(
        {
            "translation": "译文<script>alert(8)</script>：我们研究了波束成形问题。",
            "background": [
                {
                    "label": "背景<b>",
                    "text": "现有方法<iframe src=javascript:alert(9)>不足",
                    "points": [],
                }
            ],
            "method": [{"label": "", "text": "提出新的框架结构", "points": []}],
            "results": [{"label": "结果", "text": "性能显著提升", "points": []}],
        }
    )
    return Entry(paper=paper, category="eess.SP", brief=brief, detailed=detailed)


TEX_TITLE = r"Unbalanced } {braces} \textbf{x} 100% $x_1$ & #1 ~ ^ in Beamforming"
TEX_AUTHORS = ["Ana {Bad} O'Neil", "Tom and Jerry", r"Back\slash"]
HOSTILE_COMMENT = (
    'Accepted to <img src=x onerror=alert("venue")> 2026. Code: '
    'https://github.com/evil/repo"onmouseover=alert(5) and javascript:alert(6)'
)


def tex_entry() -> Entry:
    """A paper whose title and authors hold every BibTeX special character, and whose arXiv
    comment is hostile (a venue and a code link are built from it)."""
    entry = entry_for(
        Paper(
            id="2601.00667",
            version=2,
            title=TEX_TITLE,
            authors=TEX_AUTHORS,
            primary_category="eess.SP",
            categories=["eess.SP"],
            published=datetime(2026, 1, 6, 13, tzinfo=UTC),
            abstract="A script-free abstract about beamforming with alert listeners.",
            pdf_url="https://arxiv.org/pdf/2601.00667v2",
            comment=HOSTILE_COMMENT,
        ),
        CATEGORIES,
    )
    return entry
