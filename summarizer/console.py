"""What a person reads: rich progress and tables, one-line errors, logging that leaks no secret."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.console import Console, RenderableType
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from .models import Digest, Entry, Paper, Point, Summary
from .redaction import RedactingFilter, redact
from .selection import place_category

if TYPE_CHECKING:
    from .report import DayReport

out = Console(highlight=False, soft_wrap=True)
if not out.is_terminal:
    out.width = max(out.width, 120)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "openai", "urllib3", "arxiv"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


MAX_ERROR_CHARS = 1_000


def error(message: str) -> None:
    line = " ".join(redact(message).split())
    if len(line) > MAX_ERROR_CHARS:  # whatever a message quotes, the line stays readable
        line = f"{line[:MAX_ERROR_CHARS]}… ({len(line):,} characters)"
    print(f"summarizer: error: {line}", file=sys.stderr)


def say(message: str) -> None:
    out.print(message)


class ProgressReporter:
    """Progress bars on stderr, nothing when stderr is not a terminal: the papers being summarized
    (the pipeline's Reporter) and, for a backfill (`days=N`), the days of the range above them."""

    def __init__(self, *, days: int | None = None) -> None:
        self._bars: Progress | None = None
        self._papers: TaskID | None = None
        self._counts = [0, 0]  # papers done, papers expected: drawn by rich's refresh timer
        self._days: TaskID | None = None
        self._day: date | None = None
        if days is not None:
            self._days = self._open().add_task("days", total=days)

    def _open(self) -> Progress:
        if self._bars is None:
            self._bars = _CountedProgress(
                self,
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
                disable=not err.is_terminal,
            )
            self._bars.start()
        return self._bars

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._bars is not None:
            self._bars.stop()
            self._bars = None

    def begin_day(self, day: date) -> None:
        self._day = day
        if self._days is not None:
            self._open().update(self._days, description=f"days ({day})")

    def end_day(self) -> None:
        if self._days is not None:
            self._open().advance(self._days)

    def start(self, label: str, total: int) -> None:
        self.stop()
        description = f"  {self._day} {label}" if self._day else label
        self._counts = [0, total]
        self._papers = self._open().add_task(description, total=total)

    def grow(self, more: int) -> None:
        self._counts[1] += more

    def advance(self) -> None:
        self._counts[0] += 1

    def sync(self) -> None:
        """Hand the counts to the bar (rich calls it from its refresh thread, 10 times a second)."""
        bars, task = self._bars, self._papers
        if bars is not None and task is not None:
            done, total = self._counts
            bars.update(task, completed=done, total=total)

    def stop(self) -> None:
        if self._bars is not None and self._papers is not None:
            self._bars.remove_task(self._papers)
        self._papers = None
        if self._days is None:
            self.close()


class _CountedProgress(Progress):
    """rich's Progress, taking the reporter's counts at each refresh instead of at each paper."""

    def __init__(self, reporter: ProgressReporter, *columns: Any, **options: Any) -> None:
        self._reporter = reporter
        super().__init__(*columns, **options)

    def get_renderables(self) -> Iterable[RenderableType]:
        self._reporter.sync()
        yield from super().get_renderables()


def day_table(reports: list[DayReport], *, price_known: bool) -> None:
    table = Table(title="summarizer run", show_lines=False)
    for column in ("day", "found", "summarized", "from cache", "missing", "tokens"):
        table.add_column(column, justify="right" if column != "day" else "left")
    table.add_column("cost (USD)", justify="right")
    table.add_column("note")
    for r in reports:
        notes = [n for n in (r.note, r.ranking_note()) if n]
        if r.abstract_only:
            notes.append(f"abstract only (no full text): {len(r.abstract_only)}")
        table.add_row(
            str(r.day),
            str(r.found),
            str(r.summarized),
            str(r.cached),
            str(len(r.missing)),
            f"{r.usage.total_tokens:,} ({r.usage.cached_tokens:,} cached)",
            f"{r.cost:.4f}" if price_known else "n/a",
            "; ".join(notes),
        )
    out.print(table)
    for r in reports:
        for path in r.files:
            out.print(f"wrote {path}")


def finish(reports: list[DayReport]) -> int:
    """Exit status 0 when everything asked for was made; else 1, naming what is missing last."""
    missing = [(r.day, pid) for r in reports for pid in r.missing]
    if not missing:
        return 0
    for day, pid in missing:
        print(f"missing summary: {pid} ({day})", file=sys.stderr)
    print(
        f"summarizer: {len(missing)} paper(s) lack summaries; run the same command again to "
        "fill them in",
        file=sys.stderr,
    )
    return 1


def entry_for(paper: Paper, summaries: dict[str, Summary], categories: list[str]) -> Entry:
    return Entry(
        paper=paper,
        category=place_category(paper, categories) or paper.primary_category,
        brief=summaries["brief"].brief() if "brief" in summaries else None,
        detailed=summaries["detailed"].detailed() if "detailed" in summaries else None,
    )


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


def paper_panel(entry: Entry) -> None:
    p = entry.paper
    lines = [
        f"[bold]{_highlight(p.title, entry.keywords)}[/bold]",
        _markup(", ".join(p.authors)),
        f"[dim]{', '.join(p.categories)} · {p.abs_url}v{p.version}[/dim]",
        "",
    ]
    if entry.score is not None:
        lines += [
            f"[bold cyan]Why[/bold cyan]: score {entry.score:.2f}; {_markup(entry.why or '')}",
            "",
        ]
    if entry.brief is None:
        lines.append("[red]总结暂缺：本次运行未能生成，再次运行将自动补上[/red]")
    else:
        b = entry.brief
        for label, text in (
            ("TL;DR", b.tldr),
            ("Motivation", b.motivation),
            ("Method", b.method),
            ("Result", b.result),
            ("Conclusion", b.conclusion),
        ):
            lines.append(f"[bold cyan]{label}[/bold cyan]: {_markup(text)}")
    if entry.detailed is not None:
        d = entry.detailed
        lines += ["", "[bold cyan]译文[/bold cyan]", _markup(d.translation)]
        for number, (title, points) in enumerate(
            (("研究背景", d.background), ("方法", d.method), ("结果", d.results)), start=1
        ):
            lines += ["", f"[bold cyan]{number}) {title}[/bold cyan]"]
            lines += _point_lines(points, 0)
    # soft_wrap=False: the console soft-wraps (no cropping of long lines elsewhere), but inside
    # a box that would cut every line at the border instead of wrapping it.
    out.print(Panel("\n".join(lines), title=f"arXiv:{p.id}", expand=True), soft_wrap=False)


def _point_lines(points: list[Point], depth: int) -> list[str]:
    lines: list[str] = []
    for point in points:
        head = f"[bold]{_markup(point.label)}[/bold]：" if point.label else ""
        lines.append("  " * depth + "- " + head + _markup(point.text))
        lines += _point_lines(point.points, depth + 1)
    return lines


def _highlight(text: str, keywords: list[str]) -> str:
    """Rich markup of `text` with the reader's keywords on a yellow ground."""
    from .publish.highlight import highlight_spans

    return "".join(
        f"[black on yellow]{_markup(piece)}[/black on yellow]" if marked else _markup(piece)
        for piece, marked in highlight_spans(text, keywords)
    )


def _markup(text: str) -> str:
    from rich.markup import escape

    return escape(text)
