"""The JSON lines of `{out}/data/{D}.jsonl`: the row of each paper, and the format both ways: one
record per line, written so that every line splitter sees one record per line, read splitting at
"\\n" only.

`json.dumps(..., ensure_ascii=False)` escapes every C0 control character but leaves U+0085,
U+2028 and U+2029 raw, and `str.splitlines` (like JavaScript before ES2019) breaks a line at each
of them: a record holding one would read as two broken halves. They are written as `\\uXXXX`
escapes (the same JSON value); reading splits at "\\n" only, so a file written before this, which
may hold them raw, still reads whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from ..core.records import Digest, Entry
from .render import ascending

_LINE_BREAKS = (("\x85", "\\u0085"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def jsonl_line(row: dict[str, Any]) -> str:
    """One record as one "\\n"-terminated line of raw text (not ASCII-escaped)."""
    line = json.dumps(row, ensure_ascii=False)
    # str.translate walks a long line a character at a time: the three searches run at C speed
    # and a line holding none of the breaks (nearly every one) is left as it is.
    for char, escaped in _LINE_BREAKS:
        if char in line:
            line = line.replace(char, escaped)
    return line + "\n"


def jsonl_records(text: str) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a JSON lines text with their line numbers (from 1)."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line


# --- JSON lines --------------------------------------------------------------------------------


def _utc_z(instant: datetime) -> str:
    instant = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
    return instant.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _dump(model: BaseModel | None) -> dict[str, Any] | None:
    return None if model is None else model.model_dump()


def jsonl_row(entry: Entry) -> dict[str, Any]:
    """The JSON line of one paper: its metadata, every stored summary (null where none was ever
    made), `missing`, the kinds asked for that could not be made, and `made`, who made each
    summary. Other stages add their fields here (rank: `score`, `why`, `summarized`; a revised
    paper: `updated_from`)."""
    paper = entry.paper
    row = {
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "authors": paper.authors,
        "primary_category": paper.primary_category,
        "categories": paper.categories,
        "published": _utc_z(paper.published),
        "abstract": paper.abstract,
        "pdf_url": paper.pdf_url,
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "brief": _dump(entry.brief),
        "detailed": _dump(entry.detailed),
        "missing": list(entry.missing),
        **rank_fields(entry),
        "made": made_field(entry),
    }
    if entry.updated_from is not None:  # only on revised papers: other rows keep their bytes
        earlier = entry.updated_from
        row["updated_from"] = {"version": earlier.version, "day": earlier.day.isoformat()}
    return row


def made_field(entry: Entry) -> dict[str, Any]:
    """Per summary kind, the model and prompt version that made it (null where none is held):
    what lets a lost store be refilled from the committed JSON lines."""
    held = {"brief": entry.brief, "detailed": entry.detailed}
    return {
        kind: entry.made[kind].model_dump() if summary is not None and kind in entry.made else None
        for kind, summary in held.items()
    }


def rank_fields(entry: Entry) -> dict[str, Any]:
    """What ranking adds to a JSON record: null score and why when nothing was ranked."""
    return {"score": entry.score, "why": entry.why, "summarized": entry.summarized}


def render_jsonl(digest: Digest) -> str:
    """One JSON object per paper, ascending id, raw text (JSON is not Markdown)."""
    return "".join(jsonl_lines(digest))


def jsonl_lines(digest: Digest) -> Iterator[str]:
    """`render_jsonl` a line at a time."""
    for entry in ascending(digest.entries):
        yield jsonl_line(jsonl_row(entry))
