"""Making text from arXiv and from the model inert in Markdown and Liquid, and nothing more.

Everything else (LaTeX, underscores, asterisks, brackets that open no link) stays verbatim, so a
reader sees the text as written and a formula still reaches MathJax unchanged.
"""

from __future__ import annotations

import re

# `&` first, so the entities the other replacements add are not escaped again.
_MARKDOWN = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("](", "]\\("))

# Only braces that would make a Liquid marker; a lone brace (LaTeX `\mathbf{x}`) stays. The
# lookarounds look at the original text, so `{{{`, `}}}`, `{%}` lose every marker in one pass.
_LIQUID_OPEN = re.compile(r"\{(?=[{%])")
_LIQUID_CLOSE = re.compile(r"(?<=[}%])\}")


def escape_markdown(text: str) -> str:
    """`&`, `<`, `>` as entities and `](` as `]\\(`: no HTML tag and no link can be opened."""
    for raw, inert in _MARKDOWN:
        text = text.replace(raw, inert)
    return text


def escape_liquid(text: str) -> str:
    """Turn the braces of `{{`, `}}`, `{%`, `%}` into `&#123;` / `&#125;`.

    Markdown shows the entities as braces, but Liquid, which runs before Markdown, sees no tag.
    Apply after `escape_markdown`, which would otherwise escape the `&` of the entities.
    """
    text = _LIQUID_OPEN.sub("&#123;", text)
    return _LIQUID_CLOSE.sub("&#125;", text)


def escape_jekyll(text: str) -> str:
    """Both escapes, in the order that keeps the Liquid entities intact."""
    return escape_liquid(escape_markdown(text))
