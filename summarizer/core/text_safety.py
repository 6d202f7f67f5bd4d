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


# What a terminal acts on instead of showing: every C0 control (ESC starts the sequences that
# clear a screen, set a window title or move the cursor; a newline or carriage return forges a
# line), DEL, the C1 controls (U+009B is a one-character CSI), the bidi controls, the line and
# paragraph separators, lone surrogates. `visible` writes each as an escape anyone can read.
_OTHER_ACTS = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_ACTS_ON_LINE = re.compile(f"[\x00-\x1f{_OTHER_ACTS}]")
_ACTS_IN_LINES = re.compile(f"[\x00-\x09\x0b-\x1f{_OTHER_ACTS}]")  # the newline kept
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def visible(text: str, *, lines: bool = False) -> str:
    """`text` safe to print on a terminal: each character a terminal would act on rather than
    show is written as an escape (`\\x1b`, `\\n`, `\\u202e`), so outside text can neither forge a
    line nor send an escape sequence. With `lines`, newlines stay line breaks (a traceback)."""
    pattern = _ACTS_IN_LINES if lines else _ACTS_ON_LINE
    if pattern.search(text) is None:
        return text  # the common case, unchanged and without a copy
    return pattern.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _SHORT.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


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
