"""Outside text made inert in the Markdown of DingTalk and WeCom bots."""

from __future__ import annotations

import re

from .chat import Line, Span

# `<`, `>`, `&` as entities (no HTML tag such as WeCom's `<font>` can open), and a backslash
# before every character that could make emphasis, a link, an image, code or a table, so titles
# like `*[x](javascript:…)*` arrive as the characters they are. Every line starts with our own
# text ("[3] ", "TL;DR："), so no outside text can start a heading, list or quote.
_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")


_SPACE = re.compile(r"\s+")


def escape_md(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _PUNCTUATION.sub(r"\\\1", _SPACE.sub(" ", text))


def _span(span: Span) -> str:
    text = _SPACE.sub(" ", span.text) if span.own else escape_md(span.text)
    if span.url:
        return f"[{text}]({span.url})"
    return f"**{text}**" if span.bold and text else text


def markdown_line(line: Line) -> str:
    return "".join(_span(span) for span in line)
