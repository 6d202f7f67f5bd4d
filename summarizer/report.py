"""What a run reports: per-day counts, tokens and cost, and the progress hooks it calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from .models import Usage


class Reporter(Protocol):
    """Progress of the papers being summarized; `grow` as pages of the listing arrive. Called
    once per paper: it must be cheap (a count, drawn on a timer)."""

    def start(self, label: str, total: int) -> None: ...
    def grow(self, more: int) -> None: ...
    def advance(self) -> None: ...
    def stop(self) -> None: ...


class QuietReporter:
    def start(self, label: str, total: int) -> None: ...
    def grow(self, more: int) -> None: ...
    def advance(self) -> None: ...
    def stop(self) -> None: ...


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
        }
