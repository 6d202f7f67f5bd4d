"""Data for the stand-ins: bundled sample mailings, synthetic papers and synthetic model answers.

A fixture file is `{"day": "YYYY-MM-DD", "categories": [...], "records": [{"paper": {...},
"brief": {...} | null, "detailed": {...} | null}]}`; `load_fixture("sample-toc")` reads
`data/sample-toc.json` next to this module. Everything synthetic here is a pure function of its
arguments, so benchmarks and large tests see the same papers and answers on every run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from summarizer.core.records import Paper

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Record:
    """One paper of a fixture and the answers the model stand-in gives for it (None: make one)."""

    paper: Paper
    brief: dict[str, Any] | None = None
    detailed: dict[str, Any] | None = None


@dataclass(frozen=True)
class Fixture:
    day: date
    categories: list[str]
    records: list[Record] = field(default_factory=list)

    @property
    def papers(self) -> list[Paper]:
        return [r.paper for r in self.records]


def fixture_path(name_or_path: str | Path) -> Path:
    """The file a fixture name ("sample-toc") or path names."""
    path = Path(name_or_path)
    if path.suffix == ".json" or path.exists() or len(path.parts) > 1:
        return path
    return DATA_DIR / f"{name_or_path}.json"


def load_fixture(name_or_path: str | Path) -> Fixture:
    """Read a fixture by bundled name (`sample-toc`, `sample-jekyll`) or by path."""
    path = fixture_path(name_or_path)
    if not path.is_file():
        known = sorted(p.stem for p in DATA_DIR.glob("*.json"))
        raise FileNotFoundError(f"no fixture {str(name_or_path)!r} ({path}); bundled: {known}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    records = [
        Record(
            paper=Paper.model_validate(item["paper"]),
            brief=item.get("brief"),
            detailed=item.get("detailed"),
        )
        for item in raw["records"]
    ]
    return Fixture(
        day=date.fromisoformat(raw["day"]), categories=list(raw["categories"]), records=records
    )


# --- synthetic papers -------------------------------------------------------------------------
