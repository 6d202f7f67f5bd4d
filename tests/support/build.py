"""Records built in a line for tests: papers, summaries, digest days written as JSON lines (what
`digest` writes), synthetic entries and the hostile paper the site tests serve."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from summarizer_standins import synthetic_answer
from summarizer_standins.synthetic import synthetic_papers

from summarizer.core.records import Brief, Detailed, Digest, Entry, Paper, Summary, Usage
from summarizer.publish.files import write_atomic
from summarizer.publish.jsonl import render_jsonl
from summarizer.publish.site import SiteReport, build_site
from tests.support.files import day_file

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


def utc(when: str | int, *parts: int) -> datetime:
    """A UTC instant from an ISO text ("2026-01-05T19:00:00") or from its parts (2026, 1, 5, 19)."""
    if isinstance(when, str):
        return datetime.fromisoformat(when).replace(tzinfo=UTC)
    return datetime(when, *parts, tzinfo=UTC)


def paper(pid: str = "2601.00001", version: int = 1, **fields: Any) -> Paper:
    """A paper with plain values; each field given replaces its default. The categories default
    to the primary category alone, the primary category to the first of the categories."""
    categories = fields.pop("categories", None)
    primary = fields.pop("primary_category", None) or (categories[0] if categories else "cs.SD")
    values: dict[str, Any] = {
        "id": pid,
        "version": version,
        "title": f"Paper {pid}",
        "authors": ["A. Author"],
        "primary_category": primary,
        "categories": categories or [primary],
        "published": datetime(2026, 1, 6, 12, tzinfo=UTC),
        "abstract": f"Abstract of {pid}.",
        "pdf_url": f"https://arxiv.org/pdf/{pid}v{version}",
    }
    return Paper.model_validate({**values, **fields})


def summary(pid: str, *, version: int = 1, prompt: str = "brief@1", model: str = "m") -> Summary:
    """A stored brief of paper `pid`, made by `model` with prompt version `prompt`."""
    return Summary(
        paper_id=pid,
        version=version,
        kind="brief",
        prompt_version=prompt,
        model=model,
        payload={"tldr": "一"},
        usage=Usage(requests=1, prompt_tokens=10, completion_tokens=5),
    )


def build_test_site(out: Path, **options: Any) -> SiteReport:
    """`build_site` of the days under `out` into `out/site`, with plain settings (CATEGORIES, no
    keywords, no site URL, no placements); each option given replaces its default."""
    settings: dict[str, Any] = {
        "output_dir": out,
        "site_dir": out / "site",
        "categories": CATEGORIES,
        "keywords": [],
        "site_url": None,
        "placed": {},
    }
    return build_site(**{**settings, **options})


def write_day(
    out: Path, day: date, entries: list[Entry], categories: list[str] = CATEGORIES
) -> None:
    """The JSON lines `digest` would write for `day` holding `entries`."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    digest = Digest(
        day=day,
        window_start=start,
        window_end=start,
        categories=categories,
        fetched=len(entries),
        entries=entries,
    )
    write_atomic(day_file(out, day), render_jsonl(digest))


def synthetic_entries(day: date, n: int, *, seed: int = 0, detailed: bool = False) -> list[Entry]:
    """`n` synthetic papers of `day`, summarized (and analysed in detail when `detailed`)."""
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
    """The paper's entry with the stand-in's synthetic answers for its title."""
    category = paper.primary_category
    if category not in categories:
        category = next(c for c in categories if c in paper.categories)
    brief = Brief.model_validate(synthetic_answer("brief", paper.title))
    det = Detailed.model_validate(synthetic_answer("detailed", paper.title)) if detailed else None
    return Entry(paper=paper, category=category, brief=brief, detailed=det)


def hostile_entry() -> Entry:
    """A paper and summaries full of markup and script in every field a page shows."""
    hostile = paper(
        "2601.00666",
        title=HOSTILE_TITLE,
        authors=[HOSTILE_AUTHOR, "javascript:alert(4)"],
        categories=["eess.SP"],
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
    return Entry(paper=hostile, category="eess.SP", brief=brief, detailed=detailed)


TEX_TITLE = r"Unbalanced } {braces} \textbf{x} 100% $x_1$ & #1 ~ ^ in Beamforming"
TEX_AUTHORS = ["Ana {Bad} O'Neil", "Tom and Jerry", r"Back\slash"]
HOSTILE_COMMENT = (
    'Accepted to <img src=x onerror=alert("venue")> 2026. Code: '
    'https://github.com/evil/repo"onmouseover=alert(5) and javascript:alert(6)'
)


def tex_entry() -> Entry:
    """A paper whose title and authors hold every BibTeX special character, and whose arXiv
    comment is hostile (the site builds a venue and a code link from it)."""
    tex = paper(
        "2601.00667",
        2,
        title=TEX_TITLE,
        authors=TEX_AUTHORS,
        primary_category="eess.SP",
        published=datetime(2026, 1, 6, 13, tzinfo=UTC),
        abstract="A script-free abstract about beamforming with alert listeners.",
        comment=HOSTILE_COMMENT,
    )
    return entry_for(tex, CATEGORIES)
