"""The tables a person reads on stderr: the run table (a row per day) with the files written and
what is missing, a backfill dry run's bill; and the batches of a store (on stdout, asked for)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text

from ..core.text_safety import visible
from . import console

if TYPE_CHECKING:
    from ..run.report import Bill, DayReport
    from ..store.batch_ledger import BatchRow


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
        notes += [
            f"{r.day}: {note}" for note in (r.note, r.ranking_note(), r.content_note()) if note
        ]
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
    console.err.print(table)
    for line in notes:
        console.say(line)
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
    console.err.print(Text(legend, style="dim"))  # wrapped at words to the terminal's width


def files_written(reports: list[DayReport]) -> None:
    """Every file the run wrote, once, after the table."""
    paths: list[Path] = list(dict.fromkeys(p for r in reports for p in r.files))
    for number, path in enumerate(paths):
        console.say(f"{'wrote' if number == 0 else '     '} {path}")


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


def bill_table(bill: Bill) -> None:
    """A backfill dry run's estimate, one row per day (month, year) and the total."""
    table = Table(title="backfill dry run (no model requests made)")
    for column in (bill.unit, "papers", "to summarize", "est. tokens", "est. cost (USD)"):
        table.add_column(column, justify="left" if column == bill.unit else "right")
    for row in [*bill.rows, bill.total]:
        table.add_row(
            row.label,
            str(row.papers),
            str(row.usage.requests),
            f"{row.usage.total_tokens:,}",
            row.cost,
        )
    console.err.print(table)


def batches_table(rows: list[BatchRow]) -> None:
    """The batches this store submitted, on stdout (what `batch status` was asked for)."""
    if not rows:
        console.say("no batches submitted from this store")
        return
    table = Table(title="batches")
    for column in ("batch", "days", "status", "done", "failed", "created UTC", "collected"):
        table.add_column(column)
    for row in rows:
        table.add_row(  # the provider's id and status as plain text: not rich markup, no escapes
            Text(visible(row.provider_id or row.key)),
            row.days,
            Text(visible(row.status)),
            f"{row.completed + row.failed}/{row.total}",
            str(row.failed),
            _short(row.created_at),
            _short(row.collected_at),
        )
    console.out.print(table)


def _short(stamp: str | None) -> str:
    """2026-01-07T08:15:00+00:00 -> 01-07 08:15 (UTC), to keep the table narrow."""
    return stamp[5:16].replace("T", " ") if stamp else ""
