"""A store that was lost (an Actions cache evicted, a new machine) is refilled from the committed
JSON lines: each row carries, per summary kind, the model and prompt version that made it, and a
summary found there for the same paper, version, kind, prompt version and model is stored again,
not paid again. A row edited by hand, for another version, another model or holding garbage is
never taken for a summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summarizer.llm.prompts import load_template
from tests.support.cli import Stage
from tests.support.files import STORE_FILE, day_file, day_rows, files_under, write_rows
from tests.support.mailings import FIRST, LAST, two_weeks

DAY = "2026-01-07"


def lose_the_store(out: Path) -> None:
    for path in out.glob(STORE_FILE + "*"):
        path.unlink()


def test_rows_name_the_model_and_prompt_of_each_summary(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    assert cli("digest", "--date", DAY, "--format", "all").code == 0
    row = day_rows(stage.out, DAY)[0]
    for kind in ("brief", "detailed"):
        made = row["made"][kind]
        assert made == {
            "model": "gpt-4o-mini",
            "prompt_version": load_template(kind).cache_version,
        }
    assert cli("digest", "--date", DAY).code == 0  # toc only: the detailed summary still shown
    assert day_rows(stage.out, DAY)[0]["made"]["detailed"] is not None


@pytest.mark.parametrize("fmt", ["toc", "all"])
def test_a_lost_store_is_refilled_from_the_json_lines_for_free(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    fmt: str,
) -> None:
    assert cli("digest", "--date", DAY, "--format", fmt).code == 0
    first = files_under(stage.out)
    paid = stage.model.requests
    assert paid == 27 * (2 if fmt == "all" else 1)
    lose_the_store(stage.out)
    stage.model.reset_counters()
    run = cli("digest", "--date", DAY, "--format", fmt)
    assert run.code == 0, run.err
    assert stage.model.requests == 0
    assert files_under(stage.out) == first
    lose_the_store(stage.out)
    assert cli("paper", "2601.02394", "--format", "json").code == 0  # its day is found too
    assert stage.model.requests == 0


def edit(out: Path, change: Any) -> None:
    rows = day_rows(out, DAY)
    for row in rows:
        change(row)
    write_rows(out, DAY, rows)


HOSTILE = {
    "another version": lambda row: row.update(version=row["version"] + 1),
    "another model": lambda row: row["made"]["brief"].update(model="gpt-4o"),
    "another prompt": lambda row: row["made"]["brief"].update(prompt_version="v0"),
    "no made": lambda row: row.pop("made"),
    "another title": lambda row: row.update(title=row["title"] + " (edited)"),
    "english": lambda row: row["brief"].update(tldr="An English summary of the paper."),
    "garbage": lambda row: row.update(brief={"tldr": ["not", "text"]}),
    "extra field": lambda row: row["brief"].update(extra="注入的字段内容"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_row_that_fails_a_check_is_asked_again(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    case: str,
) -> None:
    assert cli("digest", "--date", DAY).code == 0
    before = {row["id"]: row["brief"] for row in day_rows(stage.out, DAY)}
    edit(stage.out, HOSTILE[case])
    lose_the_store(stage.out)
    stage.model.reset_counters()
    assert cli("digest", "--date", DAY).code == 0
    assert stage.model.requests == 27  # nothing taken from the edited rows
    assert {row["id"]: row["brief"] for row in day_rows(stage.out, DAY)} == before


def test_rows_whose_text_is_another_papers_give_nothing(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """Two rows whose titles and abstracts were swapped no longer describe the paper their id
    names: neither row's summaries are taken, both papers are asked again."""
    assert cli("digest", "--date", DAY).code == 0
    before = {row["id"]: row["brief"] for row in day_rows(stage.out, DAY)}
    rows = day_rows(stage.out, DAY)
    first, second = rows[0], rows[1]
    first["title"], second["title"] = second["title"], first["title"]
    first["abstract"], second["abstract"] = second["abstract"], first["abstract"]
    write_rows(stage.out, DAY, rows)
    lose_the_store(stage.out)
    stage.model.reset_counters()
    assert cli("digest", "--date", DAY).code == 0
    assert stage.model.requests == 2
    assert {row["id"]: row["brief"] for row in day_rows(stage.out, DAY)} == before


def test_unreadable_lines_are_skipped(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    assert cli("digest", "--date", DAY).code == 0
    path = day_file(stage.out, DAY)
    lines = path.read_text("utf-8").split("\n")
    lines[0] = lines[0][: len(lines[0]) // 2]  # cut short
    lines[1] = json.dumps(["made", 1])
    path.write_text("\n".join(lines), "utf-8")
    lose_the_store(stage.out)
    stage.model.reset_counters()
    assert cli("digest", "--date", DAY).code == 0
    assert stage.model.requests == 2


def test_a_backfill_after_a_lost_store_pays_nothing_and_writes_the_same_bytes(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """Two weeks, each paper found in the day that placed it, the late ones included."""
    for paper in two_weeks():
        stage.arxiv.add(paper)
    assert cli("backfill", "--from", str(FIRST), "--to", str(LAST), "--format", "all").code == 0
    written = files_under(stage.out)
    lose_the_store(stage.out)
    stage.model.reset_counters()
    again = cli("backfill", "--from", str(FIRST), "--to", str(LAST), "--format", "all")
    assert again.code == 0, again.err
    assert stage.model.requests == 0
    assert files_under(stage.out) == written
