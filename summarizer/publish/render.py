"""The digest files in Markdown: the table of contents and the Jekyll post (the JSON lines are
`jsonl.py`'s).

Each function is pure: the same Digest gives the same bytes. Every piece of text that came from
arXiv or from the model passes through `summarizer.publish.markup` on its way into Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ..core.records import Digest, Entry, Paper, Point
from .highlight import highlight_markdown
from .markup import (
    escape_blocks,
    escape_inline,
    escape_jekyll,
    escape_link_text,
    escape_markdown,
    finish_jekyll,
)

BRIEF_MISSING = "（总结暂缺：本次运行未能生成，下次运行将自动补上）"
UPDATES = "更新"  # the section of revised papers, after the categories
NO_AUTHORS = "(no authors listed)"
DETAILED_MISSING = "（译文暂缺：本次运行未能生成，下次运行将自动补上）"


def not_summarized(top: int | None) -> str:
    """The marker of a paper listed but, by the reader's SUMMARIZER_TOP, never summarized."""
    return f"（not summarized: below your top {top} · 未总结：不在今日前 {top} 篇之内）"


_NEW_ID = re.compile(r"([0-9]{2})([0-9]{2})\.([0-9]{4,5})")
_OLD_ID = re.compile(r"([a-z-]+(?:\.[A-Z]{2})?)/([0-9]{2})([0-9]{2})([0-9]{3})")
_SHANGHAI = "Asia/Shanghai"


def id_key(paper_id: str) -> tuple[int, int, int, int, str]:
    """Sort key for arXiv ids: by submission month, then number; old style before new style.

    Compared as text, `2601.9999` would sort after `2601.10000`; old-style ids carry a two-digit
    year, so `math/9901001` must come before `hep-th/0101001`.
    """
    if match := _NEW_ID.fullmatch(paper_id):
        yy, mm, number = (int(g) for g in match.groups())
        return 1, 2000 + yy, mm, number, ""
    if match := _OLD_ID.fullmatch(paper_id):
        archive = match.group(1)
        yy, mm, number = (int(g) for g in match.groups()[1:])
        return 0, (1900 if yy >= 91 else 2000) + yy, mm, number, archive
    return 2, 0, 0, 0, paper_id


def ascending(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: id_key(e.paper.id))


def _title(paper: Paper) -> str:
    return " ".join(paper.title.split())


def _placed_categories(digest: Digest) -> list[str]:
    """The configured categories that hold an entry, in configured order.

    An entry placed under a category the digest does not list still gets shown, after the
    configured ones, rather than silently vanishing from the file.
    """
    used = {e.category for e in _new(digest)}
    extra = sorted(used.difference(digest.categories))
    return [c for c in dict.fromkeys(digest.categories) if c in used] + extra


def _new(digest: Digest) -> list[Entry]:
    """The day's new papers (its revised ones are listed apart, under 更新)."""
    return [e for e in digest.entries if e.updated_from is None]


def _revised(digest: Digest) -> list[Entry]:
    """The day's revised papers, ascending by id."""
    return ascending(e for e in digest.entries if e.updated_from is not None)


# --- table of contents -------------------------------------------------------------------------


def _highlighter(entry: Entry, escape: Callable[[str], str]) -> Callable[[str], str]:
    """`escape`, with the reader's keywords this paper holds in bold. Only the inline escapes go
    piece by piece; those that read whole lines see the text with its bold marks in place."""
    finishers: dict[Callable[[str], str], Callable[[str], str]] = {
        escape_markdown: escape_blocks,
        escape_jekyll: finish_jekyll,
    }
    finish = finishers.get(escape)
    if finish is None:
        return lambda text: highlight_markdown(text, entry.keywords, escape)
    return lambda text: finish(highlight_markdown(text, entry.keywords, escape_inline))


def _why_line(entry: Entry, escape: Callable[[str], str]) -> list[str]:
    if entry.score is None:
        return []
    return [f"Why: score {entry.score:.2f}; {escape(entry.why or '')}", ""]


def render_entry_md(entry: Entry, *, number: int = 1, top: int | None = None) -> str:
    """One paper's block exactly as in the table-of-contents digest, ending in `</details>\\n`."""
    paper, brief, md = entry.paper, entry.brief, _highlighter(entry, escape_markdown)
    missing = BRIEF_MISSING if entry.summarized else not_summarized(top)
    lines = [
        f"### [{number}] [{_highlighter(entry, escape_link_text)(_title(paper))}]({paper.abs_url})",
        _authors_line(paper),
        "",
        f"Main category: {escape_markdown(paper.primary_category)}",
        "",
        *_why_line(entry, escape_markdown),
        f"TL;DR: {md(brief.tldr) if brief else missing}",
        "",
        "",
        "<details>",
        "  <summary>Details</summary>",
    ]
    if brief is not None:
        for name, text in (
            ("Motivation", brief.motivation),
            ("Method", brief.method),
            ("Result", brief.result),
            ("Conclusion", brief.conclusion),
        ):
            lines += [f"{name}: {md(text)}", ""]
    lines += [f"Abstract: {md(paper.abstract.strip())}", "", "</details>"]
    return "\n".join(lines) + "\n"


def _one_line(names: list[str]) -> list[str]:
    """Names (authors, categories) with their whitespace collapsed, blank ones left out."""
    return [" ".join(name.split()) for name in names if name.strip()]


def _authors_line(paper: Paper) -> str:
    """`*A,B*`; with no author listed, a plain note (an empty `**` would show as asterisks)."""
    authors = ",".join(_one_line(paper.authors))
    return f"*{escape_markdown(authors)}*" if authors else NO_AUTHORS


def _ranked(digest: Digest) -> bool:
    return any(e.score is not None for e in digest.entries)


def render_recommended(digest: Digest) -> str:
    """The section a ranked digest opens with: the best papers, each with score and reason,
    linking to its entry below."""
    by_id = {e.paper.id: e for e in digest.entries}
    picks = [by_id[pid] for pid in digest.recommended if pid in by_id]
    lines = [f"<div id=recommended></div>\n\n# Recommended [Total: {len(picks)}]\n"]
    if not picks:
        lines.append("No paper of this day matches your interests.\n")
    for rank, e in enumerate(picks, start=1):
        title = highlight_markdown(_title(e.paper), e.keywords, escape_link_text)
        why = escape_markdown(e.why or "")
        lines.append(f"{rank}. [{title}](#{e.paper.id}) (score {e.score:.2f}): {why}")
    return "\n".join(lines) + "\n\n"


def render_toc(digest: Digest) -> str:
    """The table-of-contents digest, laid out as `samples/digest-toc.md`; a ranked digest opens
    with the recommended section and gives each entry an anchor and its reason."""
    return "".join(toc_parts(digest))


def toc_parts(digest: Digest) -> Iterator[str]:
    """`render_toc` a piece at a time, so a big day is written without the whole text in memory."""
    ranked = _ranked(digest)
    header = "<div id=toc></div>\n\n# Table of Contents\n"
    if ranked:
        header = render_recommended(digest) + header
    groups = {
        c: ascending(e for e in _new(digest) if e.category == c) for c in _placed_categories(digest)
    }
    if revised := _revised(digest):  # after the categories, laid out as one of them
        groups[UPDATES] = revised
    if not groups:
        yield header + "\n" + empty_day_note(digest) + "\n"
        return
    toc = "".join(f"- [{c}](#{c}) [Total: {len(entries)}]\n" for c, entries in groups.items())
    yield f"{header}\n{toc}\n\n"
    number = 0
    for index, (category, entries) in enumerate(groups.items()):
        heading = f"<div id='{category}'></div>\n\n# {category} [[Back]](#toc)\n\n"
        yield ("\n\n" if index else "") + heading
        for position, entry in enumerate(entries):
            number += 1
            block = render_entry_md(entry, number=number, top=digest.top)
            anchor = f"<div id='{entry.paper.id}'></div>\n\n" if ranked else ""
            yield ("\n\n" if position else "") + anchor + block


def empty_day_note(digest: Digest) -> str:
    """What a digest with no paper says, so that an empty file is not mistaken for a failure."""
    listed = ", ".join(digest.categories)
    return f"No new papers in {listed} on {digest.day.isoformat()} (本期没有新论文)."


# --- Jekyll post -------------------------------------------------------------------------------


def render_points(points: list[Point], *, depth: int = 0) -> list[str]:
    """Bullets `- **label**：text` (`- text` without a label), sub-points two spaces deeper."""
    lines: list[str] = []
    indent = "  " * depth
    for point in points:
        # Stripped: a text that starts with a line break would leave the bullet empty, and the
        # next line's `-` of a sub-point would then underline the text into a heading.
        label, text = escape_jekyll(point.label.strip()), escape_jekyll(point.text.strip())
        lines.append(f"{indent}- **{label}**：{text}" if label else f"{indent}- {text}")
        lines += render_points(point.points, depth=depth + 1)
    return lines


def _tz_label(digest: Digest, zone: ZoneInfo) -> str:
    if digest.display_tz == _SHANGHAI:
        return "CST"  # what the readers call it; `tzname()` gives the bare offset "+08"
    return _as_local(digest.window_end, zone).tzname() or digest.display_tz


def _as_local(instant: datetime, zone: ZoneInfo) -> datetime:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone)


def _jekyll_header(digest: Digest, entries: list[Entry]) -> list[str]:
    zone = ZoneInfo(digest.display_tz)
    label = _tz_label(digest, zone)
    if digest.display_tz == _SHANGHAI:
        zone_note = f"{label}，北京时间"
    elif label == digest.display_tz:
        zone_note = label
    else:
        zone_note = f"{label}，{digest.display_tz}"
    window_note = f"锚点 {digest.anchor} {label}" if digest.anchor else label
    start, end = (
        _as_local(t, zone).strftime("%Y-%m-%d %H:%M")
        for t in (digest.window_start, digest.window_end)
    )
    tags = ", ".join(["arxiv", *_placed_categories(digest)])
    return [
        "---",
        "layout: post",
        f'title: "arXiv Daily – {digest.day.isoformat()}"',
        f"tags: [{tags}]",
        "---",
        "",
        f"以下为 {digest.day.isoformat()}（{zone_note}）窗口内更新的论文中文译文：",
        f"- 时间窗口（{window_note}）：{start} — {end}",
        f"- 抓取总数：{digest.fetched} 篇 | 本页显示：{len(entries)} 篇（去重/过滤后）",
    ]


# The three numbered sections of 详细解读, as the site and the terminal panel name them.
SECTION_NAMES = ("研究背景", "方法", "结果")


def _jekyll_entry(entry: Entry, top: int | None = None, *, named: bool = False) -> list[str]:
    """The paper's section of the post; `named`: each numbered section says what it holds (the
    post itself numbers them bare, as the sample post does)."""
    paper, detailed, jk = entry.paper, entry.detailed, _highlighter(entry, escape_jekyll)
    abs_url = f"https://arxiv.org/abs/{paper.versioned_id}"
    pdf_url = f"https://arxiv.org/pdf/{paper.versioned_id}"
    why = (
        []
        if entry.score is None
        else [f"- **Why**: score {entry.score:.2f}; {escape_jekyll(entry.why or '')}"]
    )
    if entry.updated_from is not None:
        earlier = entry.updated_from
        why.append(
            f"- **Updated**: v{paper.version}, abstract revised "
            f"(v{earlier.version}: the digest of {earlier.day.isoformat()})"
        )
    lines = [
        f"## {jk(_title(paper))}",
        f"- **Authors**: {escape_jekyll(', '.join(_one_line(paper.authors)))}",
        f"- **Categories**: {escape_jekyll(', '.join(_one_line(paper.categories)))}",
        f"- **arXiv**: [{abs_url}]({abs_url})",
        f"- **PDF**: [{pdf_url}]({pdf_url})",
        *why,
        "",
    ]
    if detailed is None:
        missing = DETAILED_MISSING if entry.summarized else not_summarized(top)
        return [*lines, missing, "", jk(paper.abstract.strip()), "", "---"]
    lines += [jk(detailed.translation), "", "<details>", "<summary>详细解读</summary>", ""]
    lines += ['<div markdown="1">', ""]
    sections = (detailed.background, detailed.method, detailed.results)
    for number, (name, points) in enumerate(zip(SECTION_NAMES, sections, strict=True), start=1):
        if number > 1:
            lines.append("")
        lines += [f"{number}) {name}" if named else f"{number})  ", *render_points(points)]
    return [*lines, "</div>", "", "</details>", "", "---"]


def render_jekyll_entry(entry: Entry) -> str:
    """One paper's section as the Jekyll post holds it, each numbered section named
    (`paper --detailed --format md`: read alone, a bare `1)` says nothing)."""
    return "\n".join(_jekyll_entry(entry, named=True)) + "\n"


def render_jekyll(digest: Digest) -> str:
    """The Jekyll post, laid out as `samples/jekyll-post.md`: newest paper (highest id) first,
    then the revised papers, each marked."""
    entries = ascending(_new(digest))[::-1] + _revised(digest)[::-1]
    lines = _jekyll_header(digest, entries)
    for entry in entries:
        lines += ["", *_jekyll_entry(entry, digest.top)]
    return "\n".join(lines) + "\n"
