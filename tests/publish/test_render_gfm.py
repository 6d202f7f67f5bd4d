"""The digests as a real renderer reads them (issue #10): markdown-it-py, CommonMark with GFM
tables. Outside text never makes a table or a block of the page, every title keeps its arXiv link,
and arbitrary Unicode (hypothesis) cannot change the page's structure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from summarizer.core.records import Brief, Detailed, Digest, Entry, Paper
from summarizer.publish.render import render_jekyll, render_toc
from tests.support.cli import Stage

DAY = "2026-01-07"
GFM = MarkdownIt("commonmark").enable(["table", "strikethrough"])
TABLE = "| a | b |\n|---|---|\n| c | d |\n"
TITLES = [
    "Brackets] close early",
    "An [unclosed bracket",
    "A `backtick in the title",
    "Trailing backslash \\",
    "Both ]` and \\",
    "Nested [link](http://evil.example) in a title",
]


def html_of(markdown: str) -> str:
    return GFM.render(markdown)


def assert_structure(html: str, papers: list[Paper]) -> None:
    assert "<table" not in html
    assert html.count("<details>") == len(papers) == html.count("</details>")
    assert html.count("<h3>") == len(papers)
    for paper in papers:
        assert html.count(f'href="{paper.abs_url}"') == 1, paper.title
    hrefs = [part.split('"', 1)[0] for part in html.split('href="')[1:]]
    assert all(h.startswith(("https://arxiv.org/abs/", "#")) for h in hrefs), hrefs


def test_a_digest_read_by_a_gfm_renderer_has_no_outside_table_and_every_link(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    template = stage.arxiv.papers[0]
    added = []
    for number, title in enumerate(TITLES, start=1):
        paper = template.model_copy(
            update={
                "id": f"2601.0980{number}",
                "title": title,
                "authors": [] if number == 1 else template.authors,
                "published": datetime(2026, 1, 6, 10, number, tzinfo=UTC),
                "abstract": f"Intro.\n{TABLE}After the table.\n1. a list\n- another",
                "pdf_url": f"https://arxiv.org/pdf/2601.0980{number}v1",
            }
        )
        stage.arxiv.add(paper)
        added.append(paper)
    run = cli("digest", "--date", DAY, "--format", "all")
    assert run.code == 0, run.err
    toc = (stage.out / f"{DAY}.md").read_text("utf-8")
    assert "**" not in toc.replace("**", "", 0) or "\n**\n" not in toc  # no stray `**` line
    assert "\n**\n" not in toc
    papers = [*stage.arxiv.papers]
    assert_structure(html_of(toc), papers)
    post = html_of((stage.out / "_posts" / f"{DAY}-arxiv.md").read_text("utf-8"))
    assert "<table" not in post
    for paper in added:
        assert f'<a href="{paper.abs_url}">' in html_of(toc)


# --- the property ---------------------------------------------------------------------------------

# Pieces of Markdown syntax, drawn as often as single characters, so tables, links, fences and
# lists actually get built from them.
MARKDOWN_HEAVY = st.sampled_from(
    [
        *"|-:[]`\\*_#<>&=~!(){}%+. \n\t",
        "\n| a | b |",
        "\n|---|---|",
        "\nx | y",
        "\n--- | ---",
        "\n| - |",
        "](",
        "```",
    ]
    + ["\n\n", "</details>", "\n1. ", "\n- ", "\n    ", "[x]: /u", "\u202e", "\x00", "\ud800"]
)
TEXT = st.lists(
    st.one_of(st.characters(codec=None, exclude_categories=()), MARKDOWN_HEAVY, MARKDOWN_HEAVY),
    max_size=40,
).map("".join)
NONBLANK = TEXT.map(lambda t: t + "。")


@st.composite
def entries(draw: Any) -> list[Entry]:
    count = draw(st.integers(min_value=1, max_value=4))
    result = []
    for number in range(1, count + 1):
        paper = Paper.model_validate(
            {
                "id": f"2601.{number:05d}",
                "version": 1,
                "title": draw(TEXT),
                "authors": draw(st.lists(TEXT, max_size=3)),
                "primary_category": "cs.SD",
                "categories": ["cs.SD"],
                "published": datetime(2026, 1, 6, 12, tzinfo=UTC),
                "abstract": draw(TEXT),
                "pdf_url": f"https://arxiv.org/pdf/2601.{number:05d}v1",
            }
        )
        brief = None
        if draw(st.booleans()):
            fields = ("tldr", "motivation", "method", "result", "conclusion")
            brief = Brief.model_validate(
                {name: draw(NONBLANK) for name in fields}, context={"language": "any"}
            )
        detailed = None
        if draw(st.booleans()):
            point = {"label": draw(TEXT), "text": draw(NONBLANK), "points": []}
            nested = {**point, "points": [{"label": "", "text": draw(NONBLANK), "points": []}]}
            detailed = Detailed.model_validate(
                {
                    "translation": draw(NONBLANK),
                    "background": [point],
                    "method": [nested],
                    "results": [point, point],
                },
                context={"language": "any"},
            )
        # The reader's keywords are set in bold inside the text and the title's link text.
        keywords = draw(st.lists(st.sampled_from(["a", "x", "net", "|", "`", "]"]), max_size=2))
        result.append(
            Entry(paper=paper, category="cs.SD", brief=brief, detailed=detailed, keywords=keywords)
        )
    return result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries())
def test_any_unicode_keeps_the_page_structure(found: list[Entry]) -> None:
    digest = Digest(
        day=date(2026, 1, 7),
        window_start=datetime(2026, 1, 5, 19, tzinfo=UTC),
        window_end=datetime(2026, 1, 6, 19, tzinfo=UTC),
        categories=["cs.SD"],
        fetched=len(found),
        entries=found,
    )
    toc = render_toc(digest)
    assert "\x00" not in toc and "\u202e" not in toc
    toc.encode("utf-8")  # no lone surrogate
    assert_structure(html_of(toc), [e.paper for e in found])
    post = render_jekyll(digest)
    post.encode("utf-8")
    front, body = post.removeprefix("---\n").split("\n---\n", 1)  # Jekyll's front matter
    assert front.startswith("layout: post\n")
    html = html_of(body)
    assert "<table" not in html
    detailed = sum(1 for e in found if e.detailed)
    assert html.count("<details>") == detailed == html.count("</details>")
    assert html.count("<h2>") == len(found)  # one heading per paper, none from outside text
    assert html.count("<hr />") == len(found)  # the `---` after each paper, no other rule
    for entry in found:
        url = f"https://arxiv.org/abs/{entry.paper.versioned_id}"
        assert html.count(f'href="{url}"') == 1


@pytest.mark.parametrize("title", TITLES)
def test_each_title_keeps_its_link(title: str) -> None:
    paper = Paper.model_validate(
        {
            "id": "2601.00001",
            "version": 1,
            "title": title,
            "authors": [],
            "primary_category": "cs.SD",
            "categories": ["cs.SD"],
            "published": datetime(2026, 1, 6, 12, tzinfo=UTC),
            "abstract": TABLE,
            "pdf_url": "https://arxiv.org/pdf/2601.00001v1",
        }
    )
    digest = Digest(
        day=date(2026, 1, 7),
        window_start=datetime(2026, 1, 5, 19, tzinfo=UTC),
        window_end=datetime(2026, 1, 6, 19, tzinfo=UTC),
        categories=["cs.SD"],
        fetched=1,
        entries=[Entry(paper=paper, category="cs.SD")],
    )
    html = html_of(render_toc(digest))
    assert_structure(html, [paper])
    link_text = html.split(f'href="{paper.abs_url}">')[1].split("</a>")[0]
    assert "](" not in link_text.replace("](http://evil.example)", "")  # text, not markup
    assert "<em>**</em>" not in html and "<p>**</p>" not in html
