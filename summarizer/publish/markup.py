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
# Any indentation: inside a list item (the Jekyll analysis, the authors line) a line indented
# four spaces still starts a block relative to the item.
_BLOCK_START = re.compile(
    r"^(?P<indent>[ \t]*)"
    r"(?="
    r"#{1,6}(?:[ \t]|$)"  # ATX heading
    r"|(?P<rule>[-*_=])(?:[ \t]*(?P=rule))*[ \t]*$"  # rule or setext underline
    r"|`{3,}|~{3,}"  # code fence
    r"|\[[^\]\n]*\]:"  # link reference (and kramdown footnote) definition
    r"|\|"  # a table row (kramdown takes any line that starts with a pipe for one)
    r")",
    re.MULTILINE,
)
# A list item inside the text (not on its first line, which mostly follows a label such as
# `Method: ` and stays as written): `- x`, `+ x`, `* x`, `1. x`, `2) x`. It would turn the rest of
# the text into list items (and, in the Jekyll post, into sibling bullets of the analysis).
_BULLET_ITEM = re.compile(r"(?<=\n)(?P<indent>[ \t]*)(?=[-+*](?:[ \t]|$))", re.MULTILINE)
_ORDERED_ITEM = re.compile(r"(?<=\n)(?P<number>[ \t]*[0-9]{1,9})(?=[.)](?:[ \t]|$))")
# A GFM table delimiter row (`|---|:--:|`, `--- | ---`): without it no table can start. Every pipe
# of such a line is escaped, so it is one cell of text, not a row of columns.
_DELIMITER_ROW = re.compile(r"^[ \t]*(?=[-:| \t]*\|)(?=[-:| \t]*-)[-:| \t]+$", re.MULTILINE)
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")  # what a backslash escapes

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
    return escape_blocks(escape_inline(text))


def escape_inline(text: str) -> str:
    """The part of `escape_markdown` that any piece of a text may get on its own: `&`, `<`, `>`
    as entities, `](` as `]\\(`."""
    for raw, inert in _MARKDOWN:
        text = text.replace(raw, inert)
    return text


def escape_blocks(text: str) -> str:
    """The part of `escape_markdown` that must see whole lines (after `escape_inline`, and after
    any bold marks are added): block openers, list items, table delimiter rows."""
    if "|" in text:
        text = _DELIMITER_ROW.sub(lambda m: m.group(0).replace("|", "\\|"), text)
    if "\n" in text:
        text = _ORDERED_ITEM.sub(lambda m: m.group("number") + "\\", text)
        text = _BULLET_ITEM.sub(lambda m: m.group("indent") + "\\", text)
    return _BLOCK_START.sub(lambda m: m.group("indent") + "\\", text)


_LINK_SPECIAL = re.compile(r"[\\`\[\]]")  # what escape_link_text walks for


def escape_link_text(text: str) -> str:
    """One line of outside text (whitespace collapsed by the caller; a piece of it when keywords
    are highlighted) as the text of a Markdown link that keeps its target under
    CommonMark, GFM and kramdown: `&`, `<`, `>` as entities, `](` as `]\\(`, and a backslash
    before each backquote (a code span could run past the link), each bracket without its pair,
    and a trailing backslash. Balanced brackets and LaTeX (`$\\mathbf{x}$`) stay as written."""
    for raw, inert in _MARKDOWN:
        text = text.replace(raw, inert)
    if not _LINK_SPECIAL.search(text):  # most titles: nothing for the walk below to do
        return text
    out: list[str] = []
    opened: list[int] = []  # positions in `out` of `[` not closed yet
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _PUNCTUATION:
            out.append(text[i : i + 2])  # an escape already: inert, and kept as written
            i += 2
            continue
        if ch == "\\":
            out.append("\\\\" if i + 1 == len(text) else ch)
        elif ch == "`":
            out.append("\\`")
        elif ch == "[":
            opened.append(len(out))
            out.append(ch)
        elif ch == "]":
            out.append("]" if opened and opened.pop() is not None else "\\]")
        else:
            out.append(ch)
        i += 1
    for position in opened:
        out[position] = "\\["
    return "".join(out)


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
    return finish_jekyll(escape_inline(text))


def finish_jekyll(text: str) -> str:
    """`escape_jekyll` after `escape_inline`: the escapes that must see whole lines and markers
    (a `{{` or a `[x]:` cut in two by a bold keyword would pass unseen piece by piece)."""
    return _KRAMDOWN.sub("&#123;", escape_liquid(escape_blocks(text)))
