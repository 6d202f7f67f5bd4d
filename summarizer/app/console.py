"""What a person reads: one rich console on stderr for progress, messages, logs and the run table;
stdout only for what a command was asked to print (a paper as a panel, Markdown or JSON)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group, RenderableType
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
from rich.text import Text

from ..core.records import Digest, Entry, Paper, Point, Summary, SummaryKind
from ..core.redaction import RedactingFilter, error_line, redact
from ..core.selection import place_category

if TYPE_CHECKING:
    from ..run.report import DayReport

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)
if not out.is_terminal:
    out.width = max(out.width, 120)


class _ConsoleHandler(logging.Handler):
    """Log records through the console, so that they print above live progress bars, never into
    them (a plain stream handler writes past rich and tears the bars)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            err.print(Text(self.format(record)), soft_wrap=True)
        except Exception:  # logging must never take the run down
            self.handleError(record)


def configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = _ConsoleHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "openai", "urllib3", "arxiv"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def error(message: str) -> None:
    print(error_line(message), file=sys.stderr)


def warn(message: str) -> None:
    err.print(Text(f"summarizer: warning: {redact(message)}"), soft_wrap=True)


def say(message: str) -> None:
    err.print(Text(message), soft_wrap=True)


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


# --- the run table -----------------------------------------------------------------------------


def compact(number: int) -> str:
    """`26834` -> `26.8k`, `1234567` -> `1.2M`: token counts that fit an 80-column table."""
    if number < 1000:
        return str(number)
    if number < 999_950:
        return f"{number / 1000:.1f}k"
    return f"{number / 1_000_000:.1f}M"


def day_table(reports: list[DayReport], *, price_known: bool, model: str | None = None) -> None:
    """One row per day, readable at 80 columns (the day never cut, tokens compact); each day's
    notes follow the table as whole lines rather than folded into a narrow column."""
    table = Table(title="summarizer run", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("day", no_wrap=True, min_width=10)
    for column in ("papers", "new", "stored", "missing", "tokens", "cached", "cost (USD)"):
        table.add_column(column, justify="right", no_wrap=True)
    notes: list[str] = []
    for r in reports:
        notes += [f"{r.day}: {note}" for note in (r.note, r.ranking_note()) if note]
        if r.abstract_only:
            notes.append(f"{r.day}: abstract only (no full text) for {len(r.abstract_only)}")
        table.add_row(
            str(r.day),
            str(r.found),
            str(r.summarized),
            str(r.cached),
            str(len(r.missing)),
            compact(r.usage.total_tokens),
            compact(r.usage.cached_tokens),
            f"{r.cost:.4f}" if price_known else "n/a",
        )
    err.print(table)
    for line in notes:
        say(line)
    legend = (
        "new: summarized by this run; stored: already in the store, no request made; "
        "cached: prompt tokens the provider billed at its cached rate."
    )
    if not price_known:
        name = f" {model!r}" if model else ""
        legend += (
            f"\ncost n/a: no price is known for model{name}; tokens are counted, dollars are not "
            "(add its price with SUMMARIZER_PRICES)."
        )
    err.print(Text(legend, style="dim"))  # wrapped at words to the terminal's width


def files_written(reports: list[DayReport]) -> None:
    """Every file the run wrote, once, after the table."""
    paths: list[Path] = list(dict.fromkeys(p for r in reports for p in r.files))
    if paths:
        say("wrote " + ("\n      ".join(str(p) for p in paths)))


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


# --- one paper ---------------------------------------------------------------------------------


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
    out.print(Panel(Group(*parts), title=f"arXiv:{p.id}", expand=True), soft_wrap=False)


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
