"""The reader's keywords marked in displayed text: spans for any format, bold for Markdown."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable


def keyword_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for whole words or phrases (a plural `s`/`es` allowed);
    runs of spaces in a phrase match any whitespace. Chinese phrases match anywhere."""
    return _compiled(tuple(phrases))


@functools.lru_cache(maxsize=256)
def _compiled(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = []
    for phrase in sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True):
        body = r"\s+".join(re.escape(word) for word in phrase.split())
        parts.append(rf"(?<!\w){body}(?:e?s)?(?!\w)" if phrase[-1].isascii() else body)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def highlight_spans(text: str, keywords: Iterable[str]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_keyword) spans, in order; joined they give `text` back.

    For every display (Markdown, HTML, chat formats): escape each piece with that format's own
    rules, then mark the keyword pieces (bold, <mark>, ...)."""
    pattern = keyword_pattern(keywords)
    if pattern is None or not text:
        return [(text, False)] if text else []
    spans: list[tuple[str, bool]] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() > last:
            spans.append((text[last : match.start()], False))
        spans.append((match.group(0), True))
        last = match.end()
    if last < len(text):
        spans.append((text[last:], False))
    return spans


def highlight_markdown(text: str, keywords: Iterable[str], escape: Callable[[str], str]) -> str:
    """`escape(text)`, with each keyword in bold. Without keywords: exactly `escape(text)`."""
    keywords = list(keywords)
    if not keywords:
        return escape(text)
    return "".join(
        f"**{escape(piece)}**" if marked and piece.strip() else escape(piece)
        for piece, marked in highlight_spans(text, keywords)
    )
