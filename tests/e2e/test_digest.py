"""`summarizer digest` end to end: the real arxiv and openai clients against loopback stand-ins."""

from __future__ import annotations

import json
from pathlib import Path

from summarizer_standins.fixtures import Fixture

from tests.support.cli import SENTINEL_KEY, Run, Stage, add_fixture, assert_one_line_exit_2
from tests.support.files import GOLDEN, files_under


def test_demo_day_reproduces_the_sample_digest(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("digest", "--date", "2026-01-07")
    assert run.code == 0, run.err
    written = (stage.out / "2026-01-07.md").read_bytes()
    assert written == (GOLDEN / "toc-2026-01-07.md").read_bytes()
    assert stage.model.requests == 27
    # ONE query for all categories and the whole window, not one call per paper
    queries = [entry for entry in stage.arxiv.log if entry.get("search_query")]
    assert len(queries) == 1 and stage.arxiv.requests == 1
    query = queries[0]["search_query"]
    assert "cat:eess.SP OR cat:eess.AS OR cat:cs.SD" in query and "submittedDate:" in query
    lines = (stage.out / "data" / "2026-01-07.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 27
    first = json.loads(lines[0])
    assert list(first) == [
        "id",
        "version",
        "title",
        "authors",
        "primary_category",
        "categories",
        "published",
        "abstract",
        "pdf_url",
        "comment",
        "journal_ref",
        "brief",
        "detailed",
        "missing",
        "score",
        "why",
        "summarized",
        "made",
    ]
    assert first["comment"] is None and first["journal_ref"] is None  # arXiv sent none
    assert first["detailed"] is None and first["brief"]["tldr"]
    assert first["missing"] == []
    assert first["score"] is None and first["why"] is None and first["summarized"] is True
    assert "papers" in run.err and " 27 " in run.err
    assert run.out == "", "stdout is for what a command was asked to print"


def test_second_day_matches_the_hand_written_digest(
    stage: Stage,
    second_day: Fixture,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    add_fixture(stage, second_day)
    run = cli("digest", "--date", "2026-03-10", "--categories", "cs.SD,eess.AS,eess.SP")
    assert run.code == 0, run.err
    written = (stage.out / "2026-03-10.md").read_bytes()
    assert written == (GOLDEN / "toc-2026-03-10.md").read_bytes()
    assert stage.model.requests == 5  # the paper at the window's exclusive end is not asked for


def test_second_run_makes_no_model_request_and_writes_the_same_bytes(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("digest", "--date", "2026-01-07", "--format", "toc").code == 0
    first = files_under(stage.out)
    stage.model.reset_counters()
    run = cli("digest", "--date", "2026-01-07", "--format", "toc")
    assert run.code == 0, run.err
    assert stage.model.requests == 0
    assert files_under(stage.out) == first


def test_saturday_is_one_clear_line_and_no_file(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("digest", "--date", "2026-01-10")
    assert run.code == 0
    assert "no mailing" in run.err and "Saturday" in run.err
    assert len(run.err.strip().splitlines()) == 1 and run.out == ""
    assert stage.arxiv.requests == 0 and stage.model.requests == 0
    assert not stage.out.exists()


def _assert_one_line_exit_2(run: Run, stage: Stage, *words: str) -> None:
    assert_one_line_exit_2(run, *words)
    assert not stage.out.exists(), "nothing may be written"


def test_malformed_date_is_exit_2(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    _assert_one_line_exit_2(cli("digest", "--date", "2026-13-01"), stage, "2026-13-01")


def test_unknown_category_is_exit_2(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    _assert_one_line_exit_2(cli("digest", "--categories", "xx.YY"), stage, "xx.YY")
    assert stage.arxiv.requests == 0


def test_missing_api_key_is_exit_2_and_nothing_written(
    stage: Stage,
    cli,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    _assert_one_line_exit_2(cli("digest", "--date", "2026-01-07"), stage, "OPENAI_API_KEY")
    assert stage.model.requests == 0


def test_unknown_option_is_one_line(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    _assert_one_line_exit_2(cli("digest", "--dtae", "2026-01-07"), stage, "--dtae")


def test_key_from_dotenv_and_flags_beat_environment(
    stage: Stage,
    cli,
    monkeypatch,
    isolated: Path,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    (isolated / ".env").write_text(f"OPENAI_API_KEY={SENTINEL_KEY}\nSUMMARIZER_CATEGORIES=cs.SD\n")
    monkeypatch.setenv("SUMMARIZER_CATEGORIES", "eess.AS")
    run = cli("digest", "--date", "2026-01-07", "--categories", "eess.SP")
    assert run.code == 0, run.err
    text = (stage.out / "2026-01-07.md").read_text("utf-8")
    assert "- [eess.SP](#eess.SP) [Total: 9]" in text and "eess.AS" not in text.split("\n\n\n")[0]
