"""The first week of a fork's nightly, tried as a new user would (issue 23's cuts): what a reader
saw wrong, each pinned by a test that failed before its fix."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from summarizer_standins.chat_hooks import ChatHooks

from summarizer.publish.render import id_key
from tests.support.build import synthetic_entries, write_day
from tests.support.cli import Stage
from tests.support.files import day_rows

DAY = "2026-01-07"
PAPER = "2601.02394"  # the first paper of the sample mailing


def test_top_n_never_hides_summaries_the_store_holds(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert cli("digest", "--date", DAY).code == 0
    stage.model.reset_counters()
    monkeypatch.setenv("SUMMARIZER_KEYWORDS", "speech")
    monkeypatch.setenv("SUMMARIZER_TOP", "10")
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert stage.model.requests == 0
    rows = day_rows(stage.out, DAY)
    assert len(rows) == 27
    assert all(row["brief"] and row["summarized"] for row in rows)
    assert "not summarized" not in (stage.out / f"{DAY}.md").read_text("utf-8")


def test_paper_json_shows_every_stored_kind(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    assert cli("paper", PAPER, "--detailed").code == 0
    run = cli("paper", PAPER, "--format", "json")
    assert run.code == 0, run.err
    row = json.loads(run.out)
    assert row["brief"] and row["detailed"]
    assert row["made"]["detailed"] is not None and row["missing"] == []


def test_paper_md_detailed_names_each_section(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    run = cli("paper", PAPER, "--detailed", "--format", "md")
    assert run.code == 0, run.err
    numbered = [line for line in run.out.splitlines() if re.match(r"\d\)", line)]
    assert numbered == ["1) 研究背景", "2) 方法", "3) 结果"]


def slack_text(hooks: ChatHooks) -> str:
    return "\n".join(json.dumps(r.body, ensure_ascii=False) for r in hooks.accepted("slack"))


def test_reasons_are_chinese_on_the_pages_and_in_the_pushes(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUMMARIZER_KEYWORDS", "deepfake")
    monkeypatch.setenv("SUMMARIZER_AUTHORS", "Yuankun Xie")
    with ChatHooks() as hooks:
        monkeypatch.setenv("SUMMARIZER_SLACK_WEBHOOK", hooks.env()["SUMMARIZER_SLACK_WEBHOOK"])
        run = cli("digest", "--date", DAY, "--site", "--push")
        assert run.code == 0, run.err
        pushed = slack_text(hooks)
    page = (stage.out / "site" / "days" / f"{DAY}.html").read_text("utf-8")
    page = re.sub(r"</?mark>", "", page)
    for shown in (page, pushed):
        assert "关键词：deepfake" in shown and "作者：Yuankun Xie" in shown
        assert "keywords:" not in shown and "follows:" not in shown
    # the digest keeps its own words (its golden layout)
    assert "keywords: deepfake" in (stage.out / f"{DAY}.md").read_text("utf-8")


def test_recommended_ties_are_in_one_order_everywhere(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Score down, then id up: in the digest's recommended section, the day page and the
    pushes (the sample day has ties across categories with this keyword)."""
    monkeypatch.setenv("SUMMARIZER_KEYWORDS", "audio")
    with ChatHooks() as hooks:
        monkeypatch.setenv("SUMMARIZER_SLACK_WEBHOOK", hooks.env()["SUMMARIZER_SLACK_WEBHOOK"])
        assert cli("digest", "--date", DAY, "--site", "--push").code == 0
        pushed = re.findall(r"https://arxiv.org/abs/([\d.]+)", slack_text(hooks))
    rows = day_rows(stage.out, DAY)
    scored = [row for row in rows if row["score"] > 0]
    expected = [r["id"] for r in sorted(scored, key=lambda r: (-r["score"], id_key(r["id"])))]
    assert len({r["score"] for r in scored}) < len(scored), "the day must hold ties"
    toc = (stage.out / f"{DAY}.md").read_text("utf-8")
    assert re.findall(r"^\d+\. \[.*\]\(#([\d.]+)\)", toc, re.MULTILINE) == expected[:10]
    page = (stage.out / "site" / "days" / f"{DAY}.html").read_text("utf-8")
    section = page[page.index('class="recommended"') :]
    section = section[: section.index("</section>")]
    assert [pid.replace("-", ".") for pid in re.findall(r'href="#p-([\d.-]+)"', section)] == (
        expected[:10]
    )
    assert list(dict.fromkeys(pushed))[:10] == expected[:10]


D1, D2, D3 = date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)


def test_day_pages_link_both_ways_and_the_index_opens_with_a_day_that_has_papers(
    isolated: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    out = isolated / "outputs"
    write_day(out, D1, synthetic_entries(D1, 3))
    write_day(out, D2, synthetic_entries(D2, 4))
    write_day(out, D3, [])  # a day with no paper (a holiday, a gap a backfill wrote)
    assert cli("site").code == 0
    days = out / "site" / "days"
    middle = (days / f"{D2}.html").read_text("utf-8")
    assert f'href="{D1}.html"' in middle and f'href="{D3}.html"' in middle
    assert f'href="{D2}.html"' in (days / f"{D1}.html").read_text("utf-8")
    index = (out / "site" / "index.html").read_text("utf-8")
    latest = index[index.index('class="latest"') : index.index('class="archive"')]
    assert f"days/{D2}.html" in latest and f"days/{D3}.html" not in latest
    assert latest.count('<li><a href="days/') == 4  # its papers, not only a link
