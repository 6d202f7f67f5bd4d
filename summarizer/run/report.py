"""What a run reports: per-day counts, tokens and cost, and what it shows a person through the
display the application passes in (the progress hooks, its lines, the tables)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from ..batch.progress import BatchDisplay
from ..core.records import Usage


class Reporter(Protocol):
    """Progress of the papers being summarized; `grow` as pages of the listing arrive. Called
    once per paper: it must be cheap (a count, drawn on a timer)."""

    def start(self, label: str, total: int) -> None: ...
    def grow(self, more: int) -> None: ...
    def advance(self) -> None: ...
    def stop(self) -> None: ...


class DaysProgress(Reporter, Protocol):
    """A backfill's progress: the days of the range, and the papers of the day being made."""

    def begin_day(self, day: date) -> None: ...
    def end_day(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> DaysProgress: ...
    def __exit__(self, *exc_info: object) -> None: ...


class Display(BatchDisplay, Protocol):
    """What a run shows a person besides the files it writes (the application's console)."""

    def day_table(self, reports: list[DayReport], *, price_known: bool) -> None: ...
    def bill(self, bill: Bill) -> None: ...
    def days_progress(self, days: int) -> DaysProgress: ...


class QuietReporter:
    def start(self, label: str, total: int) -> None: ...
    def grow(self, more: int) -> None: ...
    def advance(self) -> None: ...
    def stop(self) -> None: ...
    def begin_day(self, day: date) -> None: ...
    def end_day(self) -> None: ...
    def close(self) -> None: ...

    def __enter__(self) -> QuietReporter:
        return self

    def __exit__(self, *exc_info: object) -> None: ...


class QuietDisplay:
    """Shows nothing (a run embedded in a program, a benchmark)."""

    def say(self, line: str) -> None: ...
    def batch_progress(
        self, batch_id: str, *, label: str, done: int, total: int, state: str, ended: bool
    ) -> None: ...
    def close_batch_progress(self) -> None: ...
    def day_table(self, reports: list[DayReport], *, price_known: bool) -> None: ...
    def bill(self, bill: Bill) -> None: ...

    def days_progress(self, days: int) -> DaysProgress:
        return QuietReporter()


@dataclass(frozen=True)
class BillRow:
    label: str  # a day, month or year, or "total"
    papers: int
    usage: Usage  # the requests still to make and their estimated tokens
    cost: str  # in USD, or why there is none


@dataclass(frozen=True)
class Bill:
    """A backfill dry run's estimate: one row per day (month, year on long ranges), and the sum."""

    unit: str
    rows: list[BillRow]
    total: BillRow


@dataclass
class DayReport:
    day: date
    fetched: int = 0
    found: int = 0
    summarized: int = 0
    cached: int = 0
    missing: list[str] = field(default_factory=list)
    abstract_only: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    files: list[Path] = field(default_factory=list)
    note: str = ""
    excluded: int = 0  # left out by SUMMARIZER_EXCLUDE before any request
    below_top: int = 0  # listed but not summarized: below SUMMARIZER_TOP
    saved: Usage = field(default_factory=Usage)  # the requests and tokens that cut saved
    saved_cost: float | None = None
    provider_errors: list[str] = field(default_factory=list)  # distinct error bodies, redacted
    corrected: int = 0  # variants to avoid the reader's glossary replaced in the day's summaries
    updates: int = 0  # revised papers listed under 更新

    @property
    def complete(self) -> bool:
        return not self.missing

    def stats(self, *, model: str, priced: bool) -> dict[str, Any]:
        """What the store keeps of a run: counts, tokens, and cost in USD (None: unpriced)."""
        return {
            "model": model,
            "fetched": self.fetched,
            "found": self.found,
            "summarized": self.summarized,
            "cached": self.cached,
            "missing": self.missing,
            "usage": self.usage.model_dump(),
            "cost": self.cost if priced else None,
            **self._ranking_stats(),
            **({"provider_errors": self.provider_errors} if self.provider_errors else {}),
            **({"glossary_corrections": self.corrected} if self.corrected else {}),
            **({"updates": self.updates} if self.updates else {}),
        }

    def _ranking_stats(self) -> dict[str, Any]:
        if not (self.excluded or self.below_top):
            return {}
        return {
            "excluded": self.excluded,
            "below_top": self.below_top,
            "saved": self.saved.model_dump(),
            "saved_cost": self.saved_cost,
        }

    def content_note(self) -> str:
        """What the reader's glossary and the revisions did, for the run table ("" when nothing)."""
        parts = []
        if self.updates:
            parts.append(f"{self.updates} revised paper(s) listed under 更新")
        if self.corrected:
            parts.append(f"glossary: {self.corrected} avoided variant(s) replaced by your terms")
        return "; ".join(parts)

    def ranking_note(self) -> str:
        """What ranking left out and saved, for the run table ("" when nothing)."""
        parts = []
        if self.excluded:
            parts.append(f"excluded: {self.excluded}")
        if self.below_top:
            cost = f", ~${self.saved_cost:.4f}" if self.saved_cost is not None else ""
            saved = f"~{self.saved.requests} requests, ~{self.saved.total_tokens:,} tokens{cost}"
            parts.append(f"below top: {self.below_top} not summarized (saved {saved})")
        return "; ".join(parts)
