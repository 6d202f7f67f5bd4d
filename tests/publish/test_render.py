from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from summarizer.core.records import Brief, Detailed, Digest, Entry, Paper, Point
from summarizer.publish import files
from summarizer.publish.files import write_atomic, write_atomic_bytes
from summarizer.publish.jsonl import render_jsonl
from summarizer.publish.markup import escape_jekyll, escape_liquid, escape_markdown
from summarizer.publish.render import (
    BRIEF_MISSING,
    DETAILED_MISSING,
    id_key,
    render_entry_md,
    render_jekyll,
    render_points,
    render_toc,
)
from tests.support import build
from tests.support.files import lines_equal

NASTY = "A & B <script>alert(1)</script> </details> [x](y) ![i](y) {{ site }} {% raw %}"
SAFE = "$\\mathbf{x}_1$ under_score *star* [note]"


def paper(pid: str, *, title: str = "", primary: str = "cs.SD", **kw: object) -> Paper:
    fields: dict[str, object] = {
        "title": title or f"Title of {pid}",
        "authors": ["Ann One", "Bo Two"],
        "primary_category": primary,
        "categories": [primary, "eess.AS"],
        "abstract": f"  Abstract of {pid}.\n  Second paragraph.\n",
    }
    return build.paper(pid, 2, **{**fields, **kw})


def brief(tag: str = "") -> Brief:
    return Brief(
        tldr=f"一句话总结{tag}",
        motivation=f"研究动机{tag}",
        method=f"研究方法{tag}",
        result=f"研究结果{tag}",
        conclusion=f"研究结论{tag}",
    )


ANY = {"language": "any"}  # the language check is the model stage's business, not ours


def pt(label: str, text: str, *points: Point) -> Point:
    return Point.model_validate({"label": label, "text": text, "points": points}, context=ANY)


def detailed(tag: str = "") -> Detailed:
    return Detailed(
        translation=f"摘要译文{tag}",
        background=[pt("研究背景", f"背景{tag}")],
        method=[pt("核心方法", "方法", pt("子项", "细节", pt("", "更深")))],
        results=[pt("任务与效果", "很好"), pt("", "无标签")],
    )


def entry(pid: str, category: str = "cs.SD", *, full: bool = True, **kw: Any) -> Entry:
    return Entry(
        paper=paper(pid, **kw),
        category=category,
        brief=brief() if full else None,
        detailed=detailed() if full else None,
    )


def digest(
    *entries: Entry,
    categories: tuple[str, ...] = ("eess.SP", "eess.AS", "cs.SD"),
    anchor: str | None = "08:50",
    display_tz: str = "Asia/Shanghai",
) -> Digest:
    return Digest(
        day=date(2025, 11, 19),
        window_start=datetime(2025, 11, 18, 0, 50, tzinfo=UTC),
        window_end=datetime(2025, 11, 19, 0, 50, tzinfo=UTC),
        categories=list(categories),
        fetched=12,
        entries=list(entries),
        anchor=anchor,
        display_tz=display_tz,
    )


def nasty_entry(pid: str = "2601.00001") -> Entry:
    return Entry(
        paper=paper(pid, title=NASTY, abstract=NASTY, authors=[NASTY], primary=NASTY),
        category="cs.SD",
        brief=Brief.model_validate(dict.fromkeys(Brief.model_fields, NASTY), context=ANY),
        detailed=Detailed.model_validate(
            {
                "translation": NASTY,
                "background": [pt(NASTY, NASTY, pt(NASTY, NASTY))],
                "method": [pt("", NASTY)],
                "results": [pt(NASTY, "")],
            },
            context=ANY,
        ),
    )


# --- escaping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "md"),
    [
        ("A & B", "A &amp; B"),
        ("<script>", "&lt;script&gt;"),
        ("</details>", "&lt;/details&gt;"),
        ("[x](y)", "[x]\\(y)"),
        ("![i](y)", "![i]\\(y)"),
        ("&lt;", "&amp;lt;"),
        (SAFE, SAFE),
        ("{{ site }}", "{{ site }}"),
    ],
)
def test_escape_markdown(raw: str, md: str) -> None:
    assert escape_markdown(raw) == md


@pytest.mark.parametrize(
    ("raw", "out"),
    [
        ("{{ site }}", "&#123;{ site }&#125;"),
        ("{% raw %}", "&#123;% raw %&#125;"),
        ("{{{x}}}", "&#123;&#123;{x}&#125;&#125;"),
        ("{%}", "&#123;%&#125;"),
        ("{{- x -}}", "&#123;{- x -}&#125;"),
        ("$\\frac{a}{b}$ {x} 50%", "$\\frac{a}{b}$ {x} 50%"),
    ],
)
def test_escape_liquid(raw: str, out: str) -> None:
    assert escape_liquid(raw) == out
    for marker in ("{{", "}}", "{%", "%}"):
        assert marker not in out


def test_escape_jekyll_keeps_liquid_entities() -> None:
    assert escape_jekyll("{{ a & b }}") == "&#123;{ a &amp; b }&#125;"


# --- id order ----------------------------------------------------------------------------------


def test_id_key_numeric_and_old_style() -> None:
    ids = ["2601.10000", "2601.9999", "0704.0001", "hep-th/9901001", "math/0701001", "2512.00001"]
    assert sorted(ids, key=id_key) == [
        "hep-th/9901001",
        "math/0701001",
        "0704.0001",
        "2512.00001",
        "2601.9999",
        "2601.10000",
    ]


# --- table of contents -------------------------------------------------------------------------


def test_entry_md_layout() -> None:
    e = entry("2601.02394", "eess.SP", title="A  title\n  over two lines", primary="eess.SP")
    assert render_entry_md(e, number=7) == (
        "### [7] [A title over two lines](https://arxiv.org/abs/2601.02394)\n"
        "*Ann One,Bo Two*\n"
        "\n"
        "Main category: eess.SP\n"
        "\n"
        "TL;DR: 一句话总结\n"
        "\n"
        "\n"
        "<details>\n"
        "  <summary>Details</summary>\n"
        "Motivation: 研究动机\n"
        "\n"
        "Method: 研究方法\n"
        "\n"
        "Result: 研究结果\n"
        "\n"
        "Conclusion: 研究结论\n"
        "\n"
        "Abstract: Abstract of 2601.02394.\n"
        "  Second paragraph.\n"
        "\n"
        "</details>\n"
    )


def test_entry_md_missing_brief_is_marked_not_invented() -> None:
    out = render_entry_md(entry("2601.00001", full=False))
    assert f"TL;DR: {BRIEF_MISSING}\n" in out
    assert "<details>\n  <summary>Details</summary>\nAbstract: Abstract of" in out
    for name in ("Motivation:", "Method:", "Result:", "Conclusion:"):
        assert name not in out
    assert out.endswith("</details>\n")


def test_toc_order_numbers_and_empty_categories() -> None:
    d = digest(
        entry("2601.10000", "cs.SD"),
        entry("2601.9999", "cs.SD"),
        entry("2601.00500", "eess.SP", primary="eess.SP"),
        entry("2601.00100", "eess.SP", primary="eess.SP"),
    )
    out = render_toc(d)
    assert out.startswith(
        "<div id=toc></div>\n\n# Table of Contents\n\n"
        "- [eess.SP](#eess.SP) [Total: 2]\n"
        "- [cs.SD](#cs.SD) [Total: 2]\n\n\n"
        "<div id='eess.SP'></div>\n\n# eess.SP [[Back]](#toc)\n\n### [1] "
    )
    assert "eess.AS" not in out.split("Main category")[0]
    assert "<div id='eess.AS'>" not in out
    headings = [x for x in out.split("\n") if x.startswith("### [")]
    assert [h.split("abs/")[1] for h in headings] == [
        "2601.00100)",
        "2601.00500)",
        "2601.9999)",
        "2601.10000)",
    ]
    assert [h.split("]")[0] for h in headings] == ["### [1", "### [2", "### [3", "### [4"]
    assert "</details>\n\n\n<div id='cs.SD'></div>\n\n# cs.SD [[Back]](#toc)\n\n### [3]" in out
    assert "</details>\n\n\n### [2]" in out
    assert out.endswith("</details>\n") and not out.endswith("\n\n")


def test_toc_is_deterministic_whatever_the_entry_order() -> None:
    es = [entry(f"2601.0{n}000", c) for n, c in enumerate(["cs.SD", "eess.AS", "cs.SD"], 1)]
    assert render_toc(digest(*es)) == render_toc(digest(*reversed(es)))


def test_entry_under_unlisted_category_is_shown_last() -> None:
    d = digest(entry("2601.00002", "cs.CL"), entry("2601.00001", "cs.SD"))
    toc = render_toc(d)
    assert "- [cs.SD](#cs.SD) [Total: 1]\n- [cs.CL](#cs.CL) [Total: 1]\n" in toc
    assert toc.index("<div id='cs.SD'>") < toc.index("<div id='cs.CL'>")
    assert "tags: [arxiv, cs.SD, cs.CL]\n" in render_jekyll(d)


def test_toc_empty_digest() -> None:
    """An empty day says so in its file: an empty digest is not mistaken for a failed run."""
    assert render_toc(digest()) == (
        "<div id=toc></div>\n\n# Table of Contents\n\n"
        "No new papers in eess.SP, eess.AS, cs.SD on 2025-11-19 (本期没有新论文).\n"
    )


def test_toc_escapes_everything_from_outside() -> None:
    d = digest(nasty_entry("2601.00001"), nasty_entry("2601.00002"), entry("2601.00003"))
    out = render_toc(d)
    assert "<script" not in out and "{{" in out  # Liquid is not the TOC's business
    assert lines_equal(out, "<details>") == 3
    assert lines_equal(out, "</details>") == 3
    assert not re.search(r"(?<!\\)\]\(y\)", out), "no `](` opens a link"
    assert "[x]\\(y)" in out and "![i]\\(y)" in out  # in the text
    assert "A &amp; B" in out


def test_toc_keeps_latex_and_markdown_characters() -> None:
    e = entry("2601.00001", title=SAFE, abstract=SAFE)
    out = render_toc(digest(e))
    assert f"[{SAFE}](https://arxiv.org/abs/2601.00001)" in out
    assert f"Abstract: {SAFE}\n" in out


# --- Jekyll ------------------------------------------------------------------------------------


def test_jekyll_header_anchored() -> None:
    out = render_jekyll(digest(entry("2511.14600"), categories=("cs.SD", "eess.AS", "eess.SP")))
    assert out.startswith(
        "---\n"
        "layout: post\n"
        'title: "arXiv Daily – 2025-11-19"\n'
        "tags: [arxiv, cs.SD]\n"
        "---\n"
        "\n"
        "以下为 2025-11-19（CST，北京时间）窗口内更新的论文中文译文：\n"
        "- 时间窗口（锚点 08:50 CST）：2025-11-18 08:50 — 2025-11-19 08:50\n"
        "- 抓取总数：12 篇 | 本页显示：1 篇（去重/过滤后）\n"
        "\n"
        "## Title of 2511.14600\n"
    )


def test_jekyll_header_unanchored_and_other_zone() -> None:
    out = render_jekyll(digest(anchor=None))
    assert "- 时间窗口（CST）：2025-11-18 08:50 — 2025-11-19 08:50\n" in out
    assert out.endswith("（去重/过滤后）\n")
    assert "tags: [arxiv]\n" in out
    ny = render_jekyll(digest(anchor="19:50", display_tz="America/New_York"))
    assert "以下为 2025-11-19（EST，America/New_York）窗口内" in ny
    assert "- 时间窗口（锚点 19:50 EST）：2025-11-17 19:50 — 2025-11-18 19:50\n" in ny
    utc = render_jekyll(digest(anchor=None, display_tz="UTC"))
    assert "（UTC）窗口内" in utc and "- 时间窗口（UTC）：2025-11-18 00:50 — " in utc


def test_jekyll_entry_layout() -> None:
    out = render_jekyll(digest(entry("2511.14600", categories=["cs.SD", "cs.AI"])))
    body = out.split("（去重/过滤后）\n\n", 1)[1]
    assert body == (
        "## Title of 2511.14600\n"
        "- **Authors**: Ann One, Bo Two\n"
        "- **Categories**: cs.SD, cs.AI\n"
        "- **arXiv**: [https://arxiv.org/abs/2511.14600v2](https://arxiv.org/abs/2511.14600v2)\n"
        "- **PDF**: [https://arxiv.org/pdf/2511.14600v2](https://arxiv.org/pdf/2511.14600v2)\n"
        "\n"
        "摘要译文\n"
        "\n"
        "<details>\n"
        "<summary>详细解读</summary>\n"
        "\n"
        '<div markdown="1">\n'
        "\n"
        "1)  \n"
        "- **研究背景**：背景\n"
        "\n"
        "2)  \n"
        "- **核心方法**：方法\n"
        "  - **子项**：细节\n"
        "    - 更深\n"
        "\n"
        "3)  \n"
        "- **任务与效果**：很好\n"
        "- 无标签\n"
        "</div>\n"
        "\n"
        "</details>\n"
        "\n"
        "---\n"
    )


def test_jekyll_newest_first_and_separators() -> None:
    d = digest(entry("2511.09999"), entry("2511.10000"), entry("2511.00001", "eess.AS"))
    out = render_jekyll(d)
    order = [x.split("of ")[1] for x in out.split("\n") if x.startswith("## ")]
    assert order == ["2511.10000", "2511.09999", "2511.00001"]
    assert "tags: [arxiv, eess.AS, cs.SD]\n" in out
    assert out.count("\n---\n\n## ") == 2
    assert out.endswith("</details>\n\n---\n")


def test_jekyll_missing_detailed() -> None:
    out = render_jekyll(digest(entry("2511.14600", full=False)))
    assert out.endswith(
        "- **PDF**: [https://arxiv.org/pdf/2511.14600v2](https://arxiv.org/pdf/2511.14600v2)\n"
        "\n"
        f"{DETAILED_MISSING}\n"
        "\n"
        "Abstract of 2511.14600.\n  Second paragraph.\n"
        "\n"
        "---\n"
    )
    assert "<details>" not in out


def test_jekyll_multiline_translation_written_as_is() -> None:
    e = entry("2511.14600")
    e.detailed = detailed().model_copy(update={"translation": "第一段。\n第二段。"})
    assert "\n\n第一段。\n第二段。\n\n<details>\n" in render_jekyll(digest(e))


def test_jekyll_escapes_everything_from_outside() -> None:
    d = digest(nasty_entry("2511.00001"), nasty_entry("2511.00002"), entry("2511.00003"))
    out = render_jekyll(d)
    for marker in ("<script", "{{", "}}", "{%", "%}", "](y)"):
        assert marker not in out
    assert lines_equal(out, "<details>") == 3 and lines_equal(out, "</details>") == 3
    assert lines_equal(out, '<div markdown="1">') == 3 and lines_equal(out, "</div>") == 3
    assert lines_equal(out, "---") == 5  # front matter twice, one rule per paper
    assert "A &amp; B &lt;script&gt;" in out and "&#123;{ site }&#125;" in out


def test_points_nesting() -> None:
    tree = [pt("一", "甲", pt("二", "乙", pt("", "丙")), pt("", "丁")), pt("三", "")]
    assert render_points(tree) == [
        "- **一**：甲",
        "  - **二**：乙",
        "    - 丙",
        "  - 丁",
        "- **三**：",
    ]


# --- JSON lines --------------------------------------------------------------------------------


def test_jsonl_raw_ordered_records() -> None:
    d = digest(nasty_entry("2601.00002"), entry("2601.00001", full=False))
    out = render_jsonl(d)
    assert out.endswith("\n") and out.count("\n") == 2
    first, second = (json.loads(x) for x in out.splitlines())
    assert list(first) == [
        "id", "version", "title", "authors", "primary_category", "categories", "published",
        "abstract", "pdf_url", "comment", "journal_ref", "brief", "detailed", "missing", "score",
        "why", "summarized", "made",
    ]  # fmt: skip
    assert first["id"] == "2601.00001" and first["brief"] is None and first["detailed"] is None
    assert first["comment"] is None and first["journal_ref"] is None  # null when arXiv has none
    assert first["published"] == "2026-01-06T12:00:00Z"
    assert first["abstract"] == "  Abstract of 2601.00001.\n  Second paragraph.\n"
    assert second["title"] == NASTY and second["brief"]["tldr"] == NASTY
    assert second["detailed"]["background"][0]["points"][0] == {
        "label": NASTY, "text": NASTY, "points": [],
    }  # fmt: skip


def test_jsonl_carries_comment_and_journal_ref_verbatim() -> None:
    base = entry("2601.00003")
    comment = "Accepted to ICASSP 2026. Code: https://github.com/x/y_z. <b>&</b>"
    paper = base.paper.model_copy(update={"comment": comment, "journal_ref": "IEEE SPL 33"})
    (row,) = (
        json.loads(x)
        for x in render_jsonl(digest(base.model_copy(update={"paper": paper}))).splitlines()
    )
    assert (row["comment"], row["journal_ref"]) == (comment, "IEEE SPL 33")


def test_jsonl_chinese_unescaped_and_empty() -> None:
    assert "一句话总结" in render_jsonl(digest(entry("2601.00001")))
    assert render_jsonl(digest()) == ""


# --- atomic writing ----------------------------------------------------------------------------


def test_write_atomic_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.md"
    write_atomic(target, "一\r\n二\n")
    assert target.read_bytes() == "一\r\n二\n".encode()
    write_atomic_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(target.parent) == ["out.md"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_write_atomic_failure_keeps_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "out.md"
    target.write_text("old", encoding="utf-8")

    def boom(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files.os, failing, boom)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["out.md"]


def test_write_atomic_interrupted_mid_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.md"
    target.write_text("old", encoding="utf-8")
    real_fdopen = os.fdopen

    class HalfWritten:
        def __init__(self, fd: int, mode: str) -> None:
            self.handle = real_fdopen(fd, mode)

        def __enter__(self) -> HalfWritten:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> None:
            self.handle.write(data[:2])
            raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fdopen", HalfWritten)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new text")
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["out.md"]


def test_write_atomic_removes_only_stale_leftovers(tmp_path: Path) -> None:
    import os
    import time

    target = tmp_path / "2026-01-07.md"
    stale = tmp_path / ".2026-01-07.md.dead.tmp"
    fresh = tmp_path / ".2026-01-07.md.live.tmp"
    for leftover in (stale, fresh):
        leftover.write_text("half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    write_atomic(target, "whole\n")
    assert target.read_text() == "whole\n"
    assert not stale.exists()
    assert fresh.exists()  # may belong to a run still writing
