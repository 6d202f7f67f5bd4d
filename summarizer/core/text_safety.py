"""Outside text (arXiv metadata, model answers) made safe to store and render: no lone surrogate,
no control character, no bidi override, nothing absurdly large or deep.

Two policies: metadata from arXiv is *cleaned* (we cannot ask arXiv again for a better title),
a model answer is *judged* (a bad one is an invalid answer, asked again within its attempts).
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls but tab and newline, DEL, C1 controls; the bidi embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069) and the marks (U+200E, U+200F, U+061C), which can reorder what a
# reader sees (CVE-2021-42574, "Trojan Source"); and lone surrogates, which no UTF-8 file can hold.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Carriage returns are line breaks in Markdown: keep the line, lose the character.
_CR = re.compile(r"\r\n?")

MAX_ANSWER_CHARS = 200_000  # a full answer; ~50x a real detailed summary (nesting: the parser
# stops at its recursion limit, read as an invalid answer)


def clean_text(value: str) -> str:
    """`value` with carriage returns as newlines and every unsafe character removed."""
    if UNSAFE.search(value) is None and "\r" not in value:
        return value  # the common case, unchanged and without a copy
    return UNSAFE.sub("", _CR.sub("\n", value))


def unsafe_characters(value: str) -> list[str]:
    """The distinct unsafe characters of `value`, as `U+XXXX`, for an error message."""
    return sorted({f"U+{ord(ch):04X}" for ch in UNSAFE.findall(value)})


def unsafe_strings(data: Any) -> list[str]:
    """Every distinct unsafe character in the strings (keys and values) of parsed JSON,
    walked without recursion."""
    found: set[str] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            found.update(unsafe_characters(node))
        elif isinstance(node, dict):
            stack += list(node.keys()) + list(node.values())
        elif isinstance(node, list):
            stack += node
    return sorted(found)


def shorten(text: str, limit: int = 80) -> str:
    """`text` cut to `limit` characters with an ellipsis and the full length, for error lines."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"
