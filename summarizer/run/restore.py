"""Summaries a lost store is refilled with from the committed JSON lines, instead of paying again.

Every row of `{out}/data/{D}.jsonl` carries, per summary kind, the model and prompt version that
made it (`made`). Before the model is asked for a (paper, version, kind), the run looks for that
paper in the days it can have been digested on (the date of its first version and the ten days
after: its own mailing, and a late one). A row gives its summary only when it names the same id
and version, the same title and abstract as fetched, and the same model and prompt version for
that kind, and when the summary passes the typed records again: the rows are outside text (a fork
commits them, anyone may edit them), and a row that fails any check is ignored, so it can never
become the summary of another paper or version.

A file is indexed once (where each paper's line is; no line parsed), and a line is parsed only
when its paper is looked up: a new day of thousands of papers beside days of thousands more costs
a scan of those files, not their rows in memory.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..core.records import SUMMARY_MODELS, Paper, Summary, SummaryKind, Usage

log = logging.getLogger(__name__)
LOOK_AHEAD = timedelta(days=10)  # a mailing is at most 4 days after submission; late papers more
SOURCE = "restored"  # the `source` of a summary taken from the JSON lines
FILES_KEPT = 32  # day files whose index is kept at once
_DAY_FILE = re.compile(r"(\d{4}-\d{2}-\d{2})\.jsonl")
# How json.dumps writes the start of every row (publish.jsonl.jsonl_row: id, then version).
_ROW_KEY = re.compile(rb'\{"id": ("(?:[^"\\]|\\.)*"), "version": (\d+),')

Key = tuple[str, int]  # (paper id, version)


@dataclass(frozen=True)
class _Index:
    """Where each paper's line is in one file whose summary of one kind names who made it; the
    file's size and time, to see it rewritten."""

    stamp: tuple[int, int]
    lines: dict[Key, tuple[int, int]]  # (offset, length) in bytes


class Restorer:
    """Looks up summaries in the JSON lines under `data_dir`, each file indexed once, when first
    needed (a run whose store holds everything reads none)."""

    def __init__(self, data_dir: Path, *, language: str) -> None:
        self.data_dir = data_dir
        self.language = language
        self._days: set[date] | None = None
        self._indexes: OrderedDict[tuple[date, str], _Index] = OrderedDict()

    def find(
        self, paper: Paper, kind: SummaryKind, *, prompt_version: str, model: str
    ) -> Summary | None:
        """The summary of `kind` of exactly this paper version, as `model` and `prompt_version`
        made it, from a committed row; None when no row holds one that passes every check."""
        first = paper.published.date()
        for day in sorted(d for d in self._committed() if first <= d <= first + LOOK_AHEAD):
            row = self._row(day, kind, (paper.id, paper.version))
            if row is None or row.get("id") != paper.id or row.get("version") != paper.version:
                continue
            if row.get("title") != paper.title or row.get("abstract") != paper.abstract:
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

    def _row(self, day: date, kind: SummaryKind, key: Key) -> dict[str, Any] | None:
        """The row of `key` in the day's file, parsed; None when there is none."""
        path = self.data_dir / f"{day}.jsonl"
        try:
            stat = path.stat()
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        index = self._indexes.get((day, kind))
        if index is None or index.stamp != stamp:  # first use, or the file was rewritten
            index = _Index(stamp, _index(path, kind))
            self._indexes[(day, kind)] = index
            while len(self._indexes) > FILES_KEPT:
                self._indexes.popitem(last=False)
        self._indexes.move_to_end((day, kind))
        where = index.lines.get(key)
        if where is None:
            return None
        try:
            with path.open("rb") as file:
                file.seek(where[0])
                row = json.loads(file.read(where[1]))
        except (OSError, ValueError):
            return None
        return row if isinstance(row, dict) else None


def _index(path: Path, kind: SummaryKind) -> dict[Key, tuple[int, int]]:
    """Where each line whose `made` names who made its `kind` summary is, by (id, version); the
    marker is how json.dumps writes that part of `made`, so other lines are passed over."""
    lines: dict[Key, tuple[int, int]] = {}
    try:
        data = path.read_bytes()
    except OSError:
        return lines
    marker = f'"{kind}": {{"model": '.encode()
    offset = 0
    for line in data.split(b"\n"):
        match = _ROW_KEY.match(line) if marker in line else None
        if match is not None:
            try:
                paper_id = json.loads(match.group(1))
            except ValueError:
                paper_id = None
            if isinstance(paper_id, str):
                lines[(paper_id, int(match.group(2)))] = (offset, len(line))
        offset += len(line) + 1
    return lines


def _validated(kind: SummaryKind, value: Any, language: str) -> dict[str, Any] | None:
    """The summary as the typed record dumps it, or None when it fails today's checks."""
    if not isinstance(value, dict):
        return None
    try:
        record = SUMMARY_MODELS[kind].model_validate(value, context={"language": language})
    except (ValidationError, RecursionError):
        return None
    return record.model_dump()
