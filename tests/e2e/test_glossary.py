"""Trustworthy Chinese through the CLI against the stand-ins: the reviewer the prompts name
follows the categories, and the reader's glossary reaches the model and corrects its answers."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from summarizer_standins.fixtures import Fixture

from summarizer.deliver.content import load_day
from summarizer.deliver.mail import render_mail
from tests.support.cli import Stage, add_fixture, assert_one_line_exit_2
from tests.support.files import GOLDEN, files_under

DAY = "2026-01-07"
BEAMFORMING = "2601.02394"  # "... Spatial Matched-Field Beamforming ..." in its abstract
BEAMFORMER = "2601.02688"  # "... beamformer ...": not the term, but its answer drifts too
GLOSSARY = "term,zh,avoid\nbeamforming,波束成形,波束赋形\n"


def systems(stage: Stage) -> dict[str, set[str]]:
    """The system prompts sent, by the summary kind each request asked for."""
    found: dict[str, set[str]] = {}
    for body in stage.model.bodies:
        kind = body["response_format"]["json_schema"]["name"]
        found.setdefault(kind, set()).add(body["messages"][0]["content"])
    return found


def user_part(stage: Stage, title: str) -> list[str]:
    """The paper's part of every request about the paper titled `title`."""
    return [
        body["messages"][1]["content"]
        for body in stage.model.bodies
        if body["messages"][1]["content"].startswith(f"Title: {title}")
    ]


def test_a_language_digest_is_reviewed_by_a_language_expert(
    stage: Stage, second_day: Fixture, cli: Any
) -> None:
    add_fixture(stage, second_day)
    run = cli("digest", "--date", "2026-03-10", "--categories", "cs.CL", "--format", "all")
    assert run.code == 0, run.err
    assert stage.model.requests == 2  # its one cs.CL paper, both kinds
    by_kind = systems(stage)
    assert sorted(by_kind) == ["brief", "detailed"] and all(len(s) == 1 for s in by_kind.values())
    for (system,) in by_kind.values():
        assert "expert reviewer of natural language processing and computational linguistics" in (
            system
        )
        assert not any(word in system.lower() for word in ("signal", "speech", "audio"))


def test_every_run_sends_one_system_prompt_per_kind(stage: Stage, cli: Any) -> None:
    run = cli("digest", "--date", DAY, "--format", "all")
    assert run.code == 0, run.err
    assert stage.model.requests == 54
    by_kind = systems(stage)
    assert sorted(by_kind) == ["brief", "detailed"] and all(len(s) == 1 for s in by_kind.values())
    for (system,) in by_kind.values():
        assert "expert reviewer of signal processing, speech and audio research" in system


def drifting(stage: Stage, sample: Fixture) -> tuple[dict[str, str], int]:
    """Answers that write beamforming as 波束赋形 for two papers: their titles by id, and how
    many times the answers hold the variant."""
    titles, count = {}, 0
    for record in sample.records:
        if record.paper.id in (BEAMFORMING, BEAMFORMER):
            assert record.brief is not None
            brief = {k: v.replace("波束成形", "波束赋形") for k, v in record.brief.items()}
            brief["tldr"] = brief["tldr"] + "，采用波束赋形"
            stage.model.add_answer(record.paper.title, brief, None)
            titles[record.paper.id] = record.paper.title
            count += sum(text.count("波束赋形") for text in brief.values())
    return titles, count


def test_the_readers_glossary_guides_each_paper_and_corrects_every_answer(
    stage: Stage, sample: Fixture, cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated / "glossary.csv").write_text(GLOSSARY, "utf-8")
    monkeypatch.setenv("SUMMARIZER_GLOSSARY", str(isolated / "glossary.csv"))
    titles, variants = drifting(stage, sample)
    run = cli("digest", "--date", DAY, "--format", "all", "--site")
    assert run.code == 0, run.err
    # the papers that use the term are told the reader's rendering, in their own request
    told = user_part(stage, titles[BEAMFORMING])
    assert len(told) == 2 and all("\nbeamforming → 波束成形" in u for u in told)
    assert all("beamforming →" not in u for u in user_part(stage, titles[BEAMFORMER]))
    assert all("波束赋形" not in b["messages"][1]["content"] for b in stage.model.bodies)
    # no file shows the variant: digests, JSON lines, the site, its search index, the e-mail
    written = files_under(stage.out)
    assert [name for name, data in written.items() if "波束赋形".encode() in data] == []
    assert "波束成形" in (stage.out / f"{DAY}.md").read_text("utf-8")
    text, html = render_mail(load_day(stage.out, date.fromisoformat(DAY)))
    assert "波束赋形" not in text + html
    # replacing costs no request: one per paper and kind, as without a glossary
    assert stage.model.requests == 54
    assert variants == 3  # the brief answers; the detailed ones (synthetic) hold none
    assert f"{DAY}: glossary: 3 avoided variant(s) replaced by your terms" in run.err
    with sqlite3.connect(stage.out / "summarizer.sqlite3") as conn:
        (stats,) = conn.execute("SELECT stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    assert json.loads(stats)["glossary_corrections"] == 3


def test_summaries_stored_before_the_glossary_are_corrected_when_written(
    stage: Stage, sample: Fixture, cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, variants = drifting(stage, sample)
    assert cli("digest", "--date", DAY).code == 0
    assert "波束赋形" in (stage.out / f"{DAY}.md").read_text("utf-8")
    (isolated / "glossary.csv").write_text(GLOSSARY, "utf-8")
    monkeypatch.setenv("SUMMARIZER_GLOSSARY", str(isolated / "glossary.csv"))
    stage.model.reset_counters()
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert stage.model.requests == 0  # the stored summaries, corrected on their way out
    assert "波束赋形" not in (stage.out / f"{DAY}.md").read_text("utf-8")
    assert f"glossary: {variants} avoided variant(s) replaced" in run.err


def test_without_a_glossary_of_the_readers_the_digest_is_the_golden_one(
    stage: Stage, cli: Any
) -> None:
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert (stage.out / f"{DAY}.md").read_bytes() == (GOLDEN / "toc-2026-01-07.md").read_bytes()
    assert "avoided variant" not in run.err


def test_a_bad_glossary_is_one_line_naming_the_line_and_nothing_is_asked(
    stage: Stage, cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = isolated / "glossary.csv"
    path.write_text("term,zh,avoid\nbeamforming,波束成形,波束赋形\nagent,,\n", "utf-8")
    monkeypatch.setenv("SUMMARIZER_GLOSSARY", str(path))
    run = cli("digest", "--date", DAY)
    assert_one_line_exit_2(run, "glossary.csv", "SUMMARIZER_GLOSSARY", "line 3")
    assert stage.model.requests == 0 and not (stage.out / f"{DAY}.md").exists()
