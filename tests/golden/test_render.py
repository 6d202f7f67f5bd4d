"""The renderers against hand-checked files, byte for byte.

The Digest is built straight from the recorded papers and summaries; placement and the window
filter, which the pipeline does in production, are repeated here in a few lines so that these
tests exercise nothing but the rendering.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from summarizer.core.records import Brief, Detailed, Digest, Entry, Paper, UpdatedFrom
from summarizer.publish.jsonl import render_jsonl
from summarizer.publish.render import render_jekyll, render_toc
from tests.support.build import utc
from tests.support.files import FIXTURES, REPOSITORY, assert_golden, golden

DATA = REPOSITORY / "standins" / "summarizer_standins" / "data"
ANY = {"language": "any"}


def place(paper: Paper, categories: list[str]) -> str | None:
    if paper.primary_category in categories:
        return paper.primary_category
    return next((c for c in categories if c in paper.categories), None)


def load_digest(
    path: Path, *, start: str, end: str, anchor: str | None = None, fetched: int | None = None
) -> Digest:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    window_start, window_end = utc(start), utc(end)
    entries: list[Entry] = []
    for record in data["records"]:
        paper = Paper.model_validate(record["paper"])
        category = place(paper, data["categories"])
        if category is None or not window_start <= paper.published < window_end:
            continue
        brief, detailed = record.get("brief"), record.get("detailed")
        entries.append(
            Entry(
                paper=paper,
                category=category,
                brief=brief and Brief.model_validate(brief, context=ANY),
                detailed=detailed and Detailed.model_validate(detailed, context=ANY),
            )
        )
    return Digest(
        day=date.fromisoformat(data["day"]),
        window_start=window_start,
        window_end=window_end,
        categories=data["categories"],
        fetched=len(data["records"]) if fetched is None else fetched,
        entries=entries,
        anchor=anchor,
    )


def toc_day() -> Digest:
    # Wednesday 2026-01-07: Monday 14:00 to Tuesday 14:00 New York (EST).
    return load_digest(
        DATA / "sample-toc.json", start="2026-01-05T19:00:00", end="2026-01-06T19:00:00"
    )


def jekyll_day() -> Digest:
    # The 24 hours ending at 08:50 Asia/Shanghai on 2025-11-19.
    return load_digest(
        DATA / "sample-jekyll.json",
        start="2025-11-18T00:50:00",
        end="2025-11-19T00:50:00",
        anchor="08:50",
        fetched=9,
    )


def second_day() -> Digest:
    # Tuesday 2026-03-10: Friday 14:00 EST to Monday 14:00 EDT, across the DST change.
    return load_digest(
        FIXTURES / "second-day.json", start="2026-03-06T19:00:00", end="2026-03-09T18:00:00"
    )


def revised_day() -> Digest:
    """The second day with two papers of the 2026-01-07 sample back as v2 with a changed
    abstract (tests/fixtures/revisions.json): listed under 更新."""
    digest = second_day()
    data = json.loads((FIXTURES / "revisions.json").read_text("utf-8"))
    revised = [
        Entry(
            paper=(paper := Paper.model_validate(record["paper"])),
            category=place(paper, digest.categories) or paper.primary_category,
            brief=Brief.model_validate(record["brief"], context=ANY),
            updated_from=UpdatedFrom(version=1, day=date(2026, 1, 7)),
        )
        for record in data["revised"]
    ]
    return digest.model_copy(update={"entries": [*revised, *digest.entries]})


def test_toc_sample_day() -> None:
    digest = toc_day()
    assert len(digest.entries) == 27
    assert_golden(render_toc(digest), "toc-2026-01-07.md")


def test_jekyll_sample_day() -> None:
    digest = jekyll_day()
    assert len(digest.entries) == 9
    assert_golden(render_jekyll(digest), "jekyll-2025-11-19.md")


def test_toc_second_day_window_and_placement() -> None:
    digest = second_day()
    # 2603.05802 is published exactly at the exclusive end of the window.
    assert sorted(e.paper.id for e in digest.entries) == [
        "2603.05012",
        "2603.05230",
        "2603.05418",
        "2603.05577",
        "2603.05791",
    ]
    assert_golden(render_toc(digest), "toc-2026-03-10.md")


def test_revised_papers_follow_the_categories_as_one_more_section() -> None:
    text = render_toc(revised_day())
    assert_golden(text, "toc-2026-03-10-updates.md")
    # Without its 更新 line and section, the file is the day's digest to the byte; the section
    # is laid out as a category's, its numbers continuing those of the categories.
    plain = golden("toc-2026-03-10.md").decode("utf-8")
    head, _, section = text.partition("\n\n<div id='更新'></div>\n\n")
    assert head.replace("- [更新](#更新) [Total: 2]\n", "") == plain
    assert section.startswith("# 更新 [[Back]](#toc)\n\n### [6] [Hydrodynamic Whispering")
    assert "\n\n### [7] [The Sonar Moment" in section and section.endswith("</details>\n")
    assert section.count("\n### [") == 2 and section.count("\nTL;DR: ") == 2


@pytest.mark.parametrize("build", [toc_day, jekyll_day, second_day, revised_day])
def test_rendering_ignores_entry_order(build: Any) -> None:
    digest = build()
    shuffled = digest.model_copy(update={"entries": digest.entries[::-1]})
    for render in (render_toc, render_jekyll, render_jsonl):
        assert render(shuffled) == render(digest)


def test_jsonl_sample_day_round_trips() -> None:
    digest = jekyll_day()
    rows = [json.loads(line) for line in render_jsonl(digest).splitlines()]
    assert [r["id"] for r in rows] == sorted(e.paper.id for e in digest.entries)
    by_id = {e.paper.id: e for e in digest.entries}
    for row in rows:
        entry = by_id[row["id"]]
        assert Paper.model_validate(row) == entry.paper
        assert Detailed.model_validate(row["detailed"], context=ANY) == entry.detailed
