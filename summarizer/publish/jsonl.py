"""The JSON lines format of `{out}/data/{D}.jsonl`, both ways: one record per line, written so that
every line splitter sees one record per line, read splitting at "\\n" only.

`json.dumps(..., ensure_ascii=False)` escapes every C0 control character but leaves U+0085,
U+2028 and U+2029 raw, and `str.splitlines` (like JavaScript before ES2019) breaks a line at each
of them: a record holding one would read as two broken halves. They are written as `\\uXXXX`
escapes (the same JSON value); reading splits at "\\n" only, so a file written before this, which
may hold them raw, still reads whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def jsonl_line(row: dict[str, Any]) -> str:
    """One record as one "\\n"-terminated line of raw text (not ASCII-escaped)."""
    return json.dumps(row, ensure_ascii=False).translate(_LINE_BREAKS) + "\n"


def jsonl_records(text: str) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a JSON lines text with their line numbers (from 1)."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line
