"""Summaries a lost store is refilled with from the committed JSON lines, instead of paying again.

Every row of `{out}/data/{D}.jsonl` carries, per summary kind, the model and prompt version that
made it (`made`). Before the model is asked for a (paper, version, kind), the run looks for that
paper in the days it can have been digested on (the date of its first version and the ten days
after: its own mailing, and a late one). A row gives its summary only when it names the same id
and version, the same title and abstract as fetched, and the same model and prompt version for
that kind, and when the summary passes the typed records again: the rows are outside text (a fork
commits them, anyone may edit them), and a row that fails any check is ignored, so it can never
become the summary of another paper or version.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..core.records import SUMMARY_MODELS, Paper, Summary, SummaryKind, Usage
from ..publish.jsonl import jsonl_records

log = logging.getLogger(__name__)
LOOK_AHEAD = timedelta(days=10)  # a mailing is at most 4 days after submission; late papers more
SOURCE = "restored"  # the `source` of a summary taken from the JSON lines
FILES_KEPT = 12  # day files kept parsed at once
_DAY_FILE = re.compile(r"(\d{4}-\d{2}-\d{2})\.jsonl")

Row = dict[str, Any]


class Restorer:
    """Looks up summaries in the JSON lines under `data_dir`, each file read once, when first
    needed (a run whose store holds everything reads none)."""

    def __init__(self, data_dir: Path, *, language: str) -> None:
        self.data_dir = data_dir
        self.language = language
        self._days: set[date] | None = None
        # The files read last (a backfill goes day by day: a year never sits in memory at once).
        self._rows: OrderedDict[date, dict[tuple[str, int], Row]] = OrderedDict()

    def find(
        self, paper: Paper, kind: SummaryKind, *, prompt_version: str, model: str
    ) -> Summary | None:
        """The summary of `kind` of exactly this paper version, as `model` and `prompt_version`
        made it, from a committed row; None when no row holds one that passes every check."""
        first = paper.published.date()
        for day in sorted(d for d in self._committed() if first <= d <= first + LOOK_AHEAD):
            row = self._rows_of(day).get((paper.id, paper.version))
            if row is None or not _same_paper(row, paper):
                continue
            made = row.get("made")
            wanted = {"model": model, "prompt_version": prompt_version}
            if not isinstance(made, dict) or made.get(kind) != wanted:
                continue
            payload = _validated(kind, row.get(kind), self.language)
            if payload is None:
                log.info("%s: the %s summary in %s.jsonl fails its checks", paper.id, kind, day)
                continue
            return Summary(
                paper_id=paper.id,
                version=paper.version,
                kind=kind,
                prompt_version=prompt_version,
                model=model,
                payload=payload,
                usage=Usage(),
                source=SOURCE,
            )
        return None

    def _committed(self) -> set[date]:
        if self._days is None:
            self._days = set()
            try:
                names = [path.name for path in self.data_dir.iterdir()]
            except OSError:
                names = []
            for name in names:
                match = _DAY_FILE.fullmatch(name)
                if match:
                    try:
                        self._days.add(date.fromisoformat(match.group(1)))
                    except ValueError:
                        continue
        return self._days

    def _rows_of(self, day: date) -> dict[tuple[str, int], Row]:
        if day in self._rows:
            self._rows.move_to_end(day)
        else:
            self._rows[day] = _read_rows(self.data_dir / f"{day}.jsonl")
            while len(self._rows) > FILES_KEPT:
                self._rows.popitem(last=False)
        return self._rows[day]


def _read_rows(path: Path) -> dict[tuple[str, int], Row]:
    """The rows of one file that carry a `made` field, by (id, version); lines that are not such
    a row are skipped."""
    rows: dict[tuple[str, int], Row] = {}
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return rows
    for _, line in jsonl_records(text):
        if '"made"' not in line:
            continue
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if not isinstance(row, dict):
            continue
        paper_id, version = row.get("id"), row.get("version")
        if isinstance(paper_id, str) and type(version) is int:
            rows[(paper_id, version)] = row
    return rows


def _same_paper(row: Row, paper: Paper) -> bool:
    return row.get("title") == paper.title and row.get("abstract") == paper.abstract


def _validated(kind: SummaryKind, value: Any, language: str) -> dict[str, Any] | None:
    """The summary as the typed record dumps it, or None when it fails today's checks."""
    if not isinstance(value, dict):
        return None
    try:
        record = SUMMARY_MODELS[kind].model_validate(value, context={"language": language})
    except (ValidationError, RecursionError):
        return None
    return record.model_dump()
