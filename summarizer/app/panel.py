"""One paper for `summarizer paper`: its digest entry, and the panel a terminal shows of it (on
stdout: what the command was asked to print)."""

from __future__ import annotations

import click
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..core.records import Digest, Entry, Made, Paper, Point, Summary, SummaryKind
from ..core.selection import place_category
from . import console


def entry_for(
    paper: Paper,
    summaries: dict[str, Summary],
    categories: list[str],
    *,
    asked: tuple[SummaryKind, ...] = ("brief",),
) -> Entry:
    return Entry(
        paper=paper,
        category=place_category(paper, categories) or paper.primary_category,
        brief=summaries["brief"].brief() if "brief" in summaries else None,
        detailed=summaries["detailed"].detailed() if "detailed" in summaries else None,
        missing=[kind for kind in asked if kind not in summaries],
        made={k: Made.of(s) for k, s in summaries.items()},
    )


def print_paper(entry: Entry, *, fmt: str, detailed: bool) -> None:
    """On stdout: `md` the digest's Markdown (the Jekyll post's with `detailed`), `json` the
    JSON line of data/D.jsonl, else the panel."""
    from ..publish.jsonl import render_jsonl
    from ..publish.render import render_entry_md, render_jekyll_entry

    if fmt == "md":
        text = render_jekyll_entry(entry) if detailed else render_entry_md(entry)
        click.echo(text, nl=False)
    elif fmt == "json":
        click.echo(render_jsonl(single_digest(entry)), nl=False)
    else:
        paper_panel(entry)


def single_digest(entry: Entry) -> Digest:
    published = entry.paper.published
    return Digest(
        day=published.date(),
        window_start=published,
        window_end=published,
        categories=[entry.category],
        fetched=1,
        entries=[entry],
    )


def _hanging(head: Text | str, body: Text | str, *, indent: int = 0) -> Table:
    """`head` with `body` wrapped beside it: a long Chinese line (no spaces to break at) wraps
    inside its own column instead of leaving the bullet or label alone on a line."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    if indent:
        grid.add_column(width=indent)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(*([""] if indent else []), head, body)
    return grid


def paper_panel(entry: Entry) -> None:
    p = entry.paper
    parts: list[RenderableType] = [
        Text.from_markup(f"[bold]{_highlight(p.title, entry.keywords)}[/bold]"),
        Text(", ".join(p.authors)),
        Text(f"{', '.join(p.categories)} · {p.abs_url}v{p.version}", style="dim"),
        Text(""),
    ]
    if entry.score is not None:
        why = Text(f"score {entry.score:.2f}; {entry.why or ''}")
        parts += [_hanging(Text("Why:", style="bold cyan"), why), Text("")]
    if entry.brief is None:
        parts.append(Text("总结暂缺：本次运行未能生成，再次运行将自动补上", style="red"))
    else:
        b = entry.brief
        for label, text in (
            ("TL;DR", b.tldr),
            ("Motivation", b.motivation),
            ("Method", b.method),
            ("Result", b.result),
            ("Conclusion", b.conclusion),
        ):
            parts.append(_hanging(Text(f"{label}:", style="bold cyan"), Text(text)))
    if entry.detailed is not None:
        d = entry.detailed
        parts += [Text(""), Text("译文", style="bold cyan"), Text(d.translation)]
        for number, (title, points) in enumerate(
            (("研究背景", d.background), ("方法", d.method), ("结果", d.results)), start=1
        ):
            parts += [Text(""), Text(f"{number}) {title}", style="bold cyan")]
            parts += _point_rows(points, 0)
    console.out.print(Panel(Group(*parts), title=f"arXiv:{p.id}", expand=True), soft_wrap=False)


def _point_rows(points: list[Point], depth: int) -> list[RenderableType]:
    rows: list[RenderableType] = []
    for point in points:
        body = Text()
        if point.label:
            body.append(point.label, style="bold")
            body.append("：")
        body.append(point.text)
        rows.append(_hanging("-", body, indent=2 * depth))
        rows += _point_rows(point.points, depth + 1)
    return rows


def _highlight(text: str, keywords: list[str]) -> str:
    """Rich markup of `text` with the reader's keywords on a yellow ground."""
    from ..publish.highlight import highlight_spans

    return "".join(
        f"[black on yellow]{_markup(piece)}[/black on yellow]" if marked else _markup(piece)
        for piece, marked in highlight_spans(text, keywords)
    )


def _markup(text: str) -> str:
    from rich.markup import escape

    return escape(text)
