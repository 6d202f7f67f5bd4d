"""What a new user meets in the first hour: the JSON lines hold every stored kind, one paper as the
Jekyll post shows it, a panel that wraps Chinese cleanly, settings that say where they came from."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from summarizer_standins.fixtures import Fixture

from summarizer.app import console, panel
from summarizer.core.records import Brief, Detailed, Entry, Point
from summarizer.publish.render import render_jekyll, render_jekyll_entry
from tests.support import build
from tests.support.cli import SENTINEL_KEY, Run, Stage, assert_one_line_exit_2
from tests.support.files import day_rows

Cli = Callable[..., Run]
DAY = "2026-01-07"
PAPER = "2601.02394"


# --- the JSON lines ------------------------------------------------------------------------------


def test_jsonl_holds_both_kinds_after_toc_then_jekyll(stage: Stage, cli: Cli) -> None:
    toc = cli("digest", "--date", DAY, "--format", "toc")
    assert toc.code == 0, toc.err
    first = day_rows(stage.out, DAY)
    assert len(first) == 27
    assert all(r["brief"] and r["detailed"] is None and r["missing"] == [] for r in first)
    jekyll = cli("digest", "--date", DAY, "--format", "jekyll")
    assert jekyll.code == 0, jekyll.err
    both = day_rows(stage.out, DAY)
    assert len(both) == 27
    assert all(r["brief"] and r["detailed"] and r["missing"] == [] for r in both)
    assert [r["brief"] for r in both] == [r["brief"] for r in first], "read from the store"
    # and the other way round: a toc run keeps the detailed analyses in the JSON lines
    stage.model.reset_counters()
    assert cli("digest", "--date", DAY, "--format", "toc").code == 0
    assert day_rows(stage.out, DAY) == both and stage.model.requests == 0


def test_missing_names_the_kinds_that_could_not_be_made(
    stage: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMMARIZER_MAX_ATTEMPTS", "1")
    stage.model.fail_next("500")  # the first request of the run fails, with no retry
    run = cli("digest", "--date", DAY, "--format", "toc")
    assert run.code == 1
    failed = [r for r in day_rows(stage.out, DAY) if r["missing"]]
    assert len(failed) == 1 and failed[0]["missing"] == ["brief"] and failed[0]["brief"] is None
    assert sum(1 for r in day_rows(stage.out, DAY) if r["missing"] == []) == 26
    # a jekyll run asks only for the detailed analysis: the brief never made stays null, and
    # is not "missing" (it was not asked for), so null alone no longer means "failed"
    run = cli("digest", "--date", DAY, "--format", "jekyll")
    assert run.code == 0, run.err
    again = {r["id"]: r for r in day_rows(stage.out, DAY)}[failed[0]["id"]]
    assert again["brief"] is None and again["detailed"] and again["missing"] == []


# --- one paper -----------------------------------------------------------------------------------


def test_paper_detailed_md_is_the_jekyll_post_block(stage: Stage, cli: Cli) -> None:
    md = cli("paper", f"arxiv.org/abs/{PAPER}v1", "--detailed", "--format", "md")
    assert md.code == 0, md.err
    assert md.out.startswith("## ") and "详细解读" in md.out and md.out.endswith("---\n")
    translation = json.loads(cli("paper", PAPER, "--detailed", "--format", "json").out)
    assert translation["detailed"]["translation"].splitlines()[0] in md.out
    # the digest of the paper's day, as a Jekyll post, holds exactly these bytes for it, but
    # for the names of its numbered sections (the post numbers them bare, as the sample does)
    assert cli("digest", "--date", DAY, "--format", "jekyll").code == 0
    post = (stage.out / "_posts" / f"{DAY}-arxiv.md").read_text("utf-8")
    bare = re.sub(r"^(\d)\) .+$", r"\1)  ", md.out, flags=re.MULTILINE)
    assert "\n" + bare in post


def test_paper_json_names_what_is_missing(
    stage: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMMARIZER_MAX_ATTEMPTS", "1")
    stage.model.fail_next("500")
    run = cli("paper", PAPER, "--format", "json")
    assert run.code == 1
    row = json.loads(run.out)
    assert row["brief"] is None and row["missing"] == ["brief"]
    again = json.loads(cli("paper", PAPER, "--format", "json").out)
    assert again["brief"] and again["missing"] == []


def test_bad_id_forms_still_refused(stage: Stage, cli: Cli) -> None:
    for ref in ("arxiv.org/list/eess.SP/new", "example.org/abs/2601.02394", "arxiv.org/abs/"):
        assert_one_line_exit_2(cli("paper", ref), "not an arXiv id or URL")
    assert stage.arxiv.requests == 0


LONG = "本文提出一种基于稀疏频谱先验的低延迟音乐声源分离方法，" * 6


def chinese_entry() -> Entry:
    point = Point(label="核心思想", text=LONG, points=[Point(label="", text=LONG, points=[])])
    return Entry(
        paper=build.paper(title="A Title", categories=["eess.AS"], abstract="Abstract."),
        category="eess.AS",
        brief=Brief(tldr=LONG, motivation=LONG, method=LONG, result=LONG, conclusion=LONG),
        detailed=Detailed(translation=LONG, background=[point], method=[point], results=[point]),
    )


def test_panel_wraps_chinese_without_lone_bullets_or_labels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr(console, "out", console.Console(file=buffer, width=80, highlight=False))
    panel.paper_panel(chinese_entry())
    lines = [line.strip("│ ") for line in buffer.getvalue().splitlines()]
    assert all(len(line) <= 80 for line in buffer.getvalue().splitlines())
    for line in lines:
        assert line not in {"-", "TL;DR:", "Motivation:", "Method:", "Result:", "Conclusion:"}
    bullets = [line for line in lines if line.startswith("- ")]
    assert len(bullets) == 6  # three points with a sub-point each, each bullet beside its text
    assert sum(b.startswith("- 核心思想：本文") for b in bullets) == 3
    flat = re.sub(r"[\s│]+", "", buffer.getvalue())
    assert flat.count(LONG) == 5 + 1 + 6  # brief, translation, every point's text


def test_jekyll_entry_is_what_the_post_holds_with_its_sections_named() -> None:
    entry = chinese_entry()
    post = render_jekyll(panel.single_digest(entry))
    named = render_jekyll_entry(entry)
    assert re.findall(r"^\d\) .*$", named, re.MULTILINE) == ["1) 研究背景", "2) 方法", "3) 结果"]
    bare = re.sub(r"^(\d)\) .*$", r"\1)  ", named, flags=re.MULTILINE)
    assert post.endswith("\n" + bare)


# --- settings ------------------------------------------------------------------------------------


def test_misspelt_setting_in_dotenv_is_named_and_the_run_works(
    stage: Stage, cli: Cli, isolated: Path
) -> None:
    (isolated / ".env").write_text("SUMMARIZER_CATEGORIE=cs.SD\n", encoding="utf-8")
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    warning = [line for line in run.err.splitlines() if "SUMMARIZER_CATEGORIE " in line]
    assert len(warning) == 1
    assert "in .env" in warning[0] and "did you mean SUMMARIZER_CATEGORIES?" in warning[0]


def test_misspelt_setting_in_the_environment_is_named(
    stage: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMMARIZER_CONCURENCY", "4")
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert (
        "SUMMARIZER_CONCURENCY in the environment is not a setting and is ignored; "
        "did you mean SUMMARIZER_CONCURRENCY?"
    ) in run.err


def test_known_settings_get_no_warning(stage: Stage, cli: Cli, isolated: Path) -> None:
    (isolated / ".env").write_text("SUMMARIZER_CATEGORIES=cs.SD,eess.AS\n", encoding="utf-8")
    run = cli("digest", "--date", DAY)
    assert run.code == 0 and "warning" not in run.err


def test_empty_key_in_the_shell_hiding_dotenv_is_named(
    stage: Stage, cli: Cli, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated / ".env").write_text(f"OPENAI_API_KEY={SENTINEL_KEY}\n", encoding="utf-8")
    monkeypatch.setenv("OPENAI_API_KEY", "")
    run = cli("digest", "--date", DAY)
    assert_one_line_exit_2(run, "OPENAI_API_KEY", "empty in the environment", "unset")
    assert SENTINEL_KEY not in run.err
    monkeypatch.delenv("OPENAI_API_KEY")
    (isolated / ".env").write_text("OPENAI_API_KEY=\n", encoding="utf-8")
    assert_one_line_exit_2(cli("digest", "--date", DAY), "OPENAI_API_KEY is empty in", ".env")


def test_a_wrong_setting_says_where_it_was_read(
    stage: Stage, cli: Cli, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated / ".env").write_text("SUMMARIZER_RPM=lots\n", encoding="utf-8")
    assert_one_line_exit_2(cli("digest", "--date", DAY), "SUMMARIZER_RPM (from .env)")
    monkeypatch.setenv("SUMMARIZER_RPM", "-1")
    assert_one_line_exit_2(cli("digest", "--date", DAY), "SUMMARIZER_RPM (from the environment)")


def test_empty_day_file_says_so(stage: Stage, cli: Cli, sample: Fixture) -> None:
    run = cli("digest", "--date", "2026-01-09")  # a Friday with no paper on the stand-in
    assert run.code == 0, run.err
    text = (stage.out / "2026-01-09.md").read_text("utf-8")
    assert "No new papers in eess.SP, eess.AS, cs.SD on 2026-01-09" in text
