"""Hostile model answers (issue #10): valid JSON holding a lone surrogate, nesting 100,000 deep, a
megabyte field, NUL and terminal escapes, a bidi override. Each is an invalid answer for its paper
alone: asked again within the paper's attempts, never stored or published."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from summarizer_standins import load_fixture
from summarizer_standins.chat_format import HOSTILE_FAULTS, hostile_text

from summarizer.core.records import Summary, Usage
from summarizer.core.text_safety import clean_text
from summarizer.llm.answers import InvalidAnswer, parse_answer
from summarizer.llm.client import Completion
from tests.support.cli import Stage
from tests.support.files import GOLDEN, files_under

DAY = "2026-01-07"
FORBIDDEN = ("\x00", "\x1b", "\x07", "\u202e", "\u2066")


@pytest.mark.parametrize("kind", sorted(HOSTILE_FAULTS))
def test_hostile_first_answer_of_every_paper_then_the_clean_digest(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "16")
    stage.model.fail_first([kind])  # every paper's first answer is hostile
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    assert stage.model.requests == 27 * 2, "one retry per paper, no more"
    toc = (stage.out / f"{DAY}.md").read_bytes()
    assert toc == (GOLDEN / f"toc-{DAY}.md").read_bytes(), "identical to a clean run"
    for path in stage.out.rglob("*"):
        if path.is_file() and not path.name.startswith("summarizer.sqlite3"):
            text = path.read_text("utf-8")
            assert not any(ch in text for ch in FORBIDDEN), path
    with sqlite3.connect(stage.out / "summarizer.sqlite3") as conn:
        payloads = [row[0] for row in conn.execute("SELECT payload FROM summaries")]
    assert len(payloads) == 27
    assert all(len(p) < 20_000 and not any(ch in p for ch in FORBIDDEN) for p in payloads)


def test_the_retry_tells_the_model_why_without_echoing_a_megabyte(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    stage.model.fail_first(["huge"])
    assert cli("digest", "--date", DAY, "--categories", "eess.AS").code == 0
    retries = [b for b in stage.model.bodies if len(b["messages"]) > 2]
    assert retries
    for body in retries:
        assert len(body["messages"][2]["content"]) <= 8_000
        assert "too long" in body["messages"][3]["content"]


def test_a_paper_whose_every_answer_is_hostile_is_missing_and_the_others_are_made(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    victim = load_fixture("sample-toc").records[2].paper
    brief = dict(load_fixture("sample-toc").records[2].brief or {})
    brief["method"] = "很长的方法描述" * 200_000  # its every answer holds a 1.4-million-char field
    stage.model.add_answer(victim.title, brief=brief)
    stage.model.fail_first(["deep", "surrogate"])  # and every paper's first two are hostile
    run = cli("digest", "--date", DAY)
    assert run.code == 1, run.err
    assert f"missing summary: {victim.id} ({DAY})" in run.err
    assert "Traceback" not in run.err
    assert stage.model.requests == 27 * 3


@pytest.mark.parametrize("kind", sorted(HOSTILE_FAULTS))
@pytest.mark.parametrize("summary_kind", ["brief", "detailed"])
def test_parse_answer_refuses_each_hostile_kind(kind: str, summary_kind: str) -> None:
    record = load_fixture("sample-toc").records[0]
    answer = record.brief if summary_kind == "brief" else record.detailed
    if answer is None:  # the TOC sample has briefs only
        answer = {
            "translation": "这是一段中文译文。" * 3,
            "background": [],
            "method": [],
            "results": [],
        }
    text = hostile_text(answer, kind)
    completion = Completion(text=text, finish_reason="stop", usage=Usage())
    with pytest.raises(InvalidAnswer):
        parse_answer(completion, kind=summary_kind, language="zh")  # type: ignore[arg-type]


def test_metadata_from_arxiv_is_cleaned_not_refused() -> None:
    paper = load_fixture("sample-toc").records[0].paper
    dirty = paper.model_validate(
        {
            **paper.model_dump(),
            "title": "A\u202eB\x00C\ud800",
            "abstract": "line one\r\nline two\x1b[0m",
            "authors": ["Eve\u2066"],
        }
    )
    assert dirty.title == "ABC"
    assert dirty.abstract == "line one\nline two[0m"
    assert dirty.authors == ["Eve"]


def test_clean_text_keeps_ordinary_text_and_drops_the_unsafe() -> None:
    ordinary = "公式 $\\mathbf{x}_1$, tabs\tand\nnewlines — ok ✓"
    assert clean_text(ordinary) is ordinary
    assert clean_text("a\x00b\x1bc\u202ed\u2066e\ud800f\r\ng\x85h") == "abcdef\ngh"


def test_a_stored_summary_over_todays_limits_counts_as_not_stored() -> None:
    record = load_fixture("sample-toc").records[0]
    brief = dict(record.brief or {})
    ok = Summary(
        paper_id="2601.00001", version=1, kind="brief", prompt_version="p", model="m", payload=brief
    )
    assert ok.readable()
    brief["tldr"] = "很" * 1_000_000  # stored by an earlier version that had no limits
    assert not ok.model_copy(update={"payload": brief}).readable()


@pytest.mark.parametrize("kind", ["surrogate", "control", "deep"])
def test_every_layout_is_identical_to_a_clean_run(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "16")
    reference = isolated / "reference"
    assert cli("digest", "--date", DAY, "--format", "all", "--out", str(reference)).code == 0
    stage.model.fail_first([kind])
    run = cli("digest", "--date", DAY, "--format", "all")
    assert run.code == 0, run.err
    assert files_under(stage.out) == files_under(reference)
