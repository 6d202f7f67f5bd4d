"""Making text from arXiv and from the model inert in Markdown and Liquid, and nothing more.

Everything else (LaTeX, underscores, asterisks, brackets that open no link) stays verbatim, so a
reader sees the text as written and a formula still reaches MathJax unchanged.
"""

from __future__ import annotations

import re

# `&` first, so the entities the other replacements add are not escaped again.
_MARKDOWN = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("](", "]\\("))

# A line of outside text must not become a block of the page: a heading (`# x`), a rule or a
# setext underline (`---`, `===`, `***`), a code fence (which would swallow the rest of the page,
# `</details>` and all) or a link reference definition (`[x]: url`, which turns every `[x]` on
# the page into a link). A backslash before the first marker character keeps the character as
# written (CommonMark and kramdown both read `\#` as `#`) and makes the line ordinary text.
# Block quotes and HTML blocks need nothing: `>` and `<` are entities already.
_BLOCK_START = re.compile(
    r"^(?P<indent>[ \t]{0,3})"
    r"(?="
    r"#{1,6}(?:[ \t]|$)"  # ATX heading
    r"|(?P<rule>[-*_=])(?:[ \t]*(?P=rule))*[ \t]*$"  # rule or setext underline
    r"|`{3,}|~{3,}"  # code fence
    r"|\[[^\]\n]*\]:"  # link reference (and kramdown footnote) definition
    r")",
    re.MULTILINE,
)

# Only braces that would make a Liquid marker; a lone brace (LaTeX `\mathbf{x}`) stays. The
# lookarounds look at the original text, so `{{{`, `}}}`, `{%}` lose every marker in one pass.
_LIQUID_OPEN = re.compile(r"\{(?=[{%])")
_LIQUID_CLOSE = re.compile(r"(?<=[}%])\}")
# kramdown (Jekyll's Markdown) reads `{: ...}` as attributes for the element before it, so
# `*x*{: onclick="..."}` would put a script on the page, and `{::comment}` hides the rest of it.
_KRAMDOWN = re.compile(r"\{(?=:)")


def escape_markdown(text: str) -> str:
    """`&`, `<`, `>` as entities, `](` as `]\\(`, and a backslash before a line that would start
    a Markdown block: no HTML tag, link or block of the page's own can be opened."""
    for raw, inert in _MARKDOWN:
        text = text.replace(raw, inert)
    return _BLOCK_START.sub(lambda m: m.group("indent") + "\\", text)


def escape_liquid(text: str) -> str:
    """Turn the braces of `{{`, `}}`, `{%`, `%}` into `&#123;` / `&#125;`.

    Markdown shows the entities as braces, but Liquid, which runs before Markdown, sees no tag.
    Apply after `escape_markdown`, which would otherwise escape the `&` of the entities.
    """
    text = _LIQUID_OPEN.sub("&#123;", text)
    return _LIQUID_CLOSE.sub("&#125;", text)


def escape_jekyll(text: str) -> str:
    """Both escapes, in the order that keeps the Liquid entities intact, and kramdown's `{:`
    attribute and extension markers made plain braces."""
    return _KRAMDOWN.sub("&#123;", escape_liquid(escape_markdown(text)))
