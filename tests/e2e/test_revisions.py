"""Revised papers through the CLI against the stand-ins: a paper of the 2026-01-07 mailing back
with a new version in the 2026-03-10 window (tests/fixtures/revisions.json) is summarized again
and listed under 更新 when its abstract changed, and costs nothing when only the version did."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any

import pytest
from summarizer_standins.fixtures import Fixture

from summarizer.core.records import Paper
from summarizer.deliver.chat import digest_lines
from summarizer.deliver.content import load_day
from summarizer.deliver.mail import render_mail
from tests.support.build import utc
from tests.support.cli import Run, Stage, add_fixture
from tests.support.files import FIXTURES, GOLDEN, day_rows, files_under

FIRST, DAY = "2026-01-07", "2026-03-10"
CATEGORIES = "cs.SD,eess.AS,eess.SP"  # the second day's, as its golden digest has them
REVISED = ["2601.02394", "2601.03227"]
REWRAPPED = "2601.02432"


def revise(stage: Stage) -> dict[str, Any]:
    """Serve the revisions: new versions, with their times, and the answers for them."""
    data: dict[str, Any] = json.loads((FIXTURES / "revisions.json").read_text("utf-8"))
    for item in [*data["revised"], *data["unchanged"]]:
        paper = Paper.model_validate(item["paper"])
        stage.arxiv.add(paper, updated=utc(item["updated"].removesuffix("Z")))
        if item.get("brief"):
            stage.model.add_answer(paper.title, item["brief"], None)
    return data


def second_day_with_revisions(
    stage: Stage, second_day: Fixture, cli: Any, *flags: str
) -> tuple[Run, dict[str, bytes]]:
    """The sample day digested, then the second day with the revisions served: its run, and the
    files the first day had before it."""
    first = cli("digest", "--date", FIRST, *flags)
    assert first.code == 0, first.err
    earlier = of_day(files_under(stage.out), FIRST)
    add_fixture(stage, second_day)
    revise(stage)
    stage.model.reset_counters()
    stage.arxiv.reset_counters()
    return cli("digest", "--date", DAY, "--categories", CATEGORIES, *flags), earlier


def asked_titles(stage: Stage) -> list[str]:
    return [body["messages"][-1]["content"].split("\n")[0] for body in stage.model.bodies]


def of_day(files: dict[str, bytes], day: str) -> dict[str, bytes]:
    return {name: data for name, data in files.items() if day in name}


def test_a_revised_abstract_is_summarized_again_and_listed_under_updates(
    stage: Stage, second_day: Fixture, cli: Any
) -> None:
    run, earlier = second_day_with_revisions(stage, second_day, cli)
    assert run.code == 0, run.err
    assert (stage.out / f"{DAY}.md").read_bytes() == (
        GOLDEN / "toc-2026-03-10-updates.md"
    ).read_bytes()
    # the day's five papers and the two revised ones; the rewrapped abstract asks nothing
    assert stage.model.requests == 7
    titles = {
        p.title: p.id for p in (Paper.model_validate(r["paper"]) for r in revise(stage)["revised"])
    }
    assert {t.removeprefix("Title: ") for t in asked_titles(stage)} >= titles.keys()
    assert not any(REWRAPPED in body["messages"][-1]["content"] for body in stage.model.bodies)
    # one query of the day's papers, one of the papers updated in its window (not late days)
    queries = [e["search_query"] for e in stage.arxiv.log if e["search_query"]]
    assert len(queries) == 2 == stage.arxiv.requests
    assert queries[1].endswith("lastUpdatedDate:[202603061900 TO 202603091800]")
    # JSON lines: the revised ones say where they were before; the others are as always
    rows = {row["id"]: row for row in day_rows(stage.out, DAY)}
    assert REWRAPPED not in rows
    for pid in REVISED:
        assert rows[pid]["version"] == 2
        assert rows[pid]["updated_from"] == {"version": 1, "day": FIRST}
    assert all("updated_from" not in row for pid, row in rows.items() if pid not in REVISED)
    # the earlier day's files keep the old summary, untouched
    assert of_day(files_under(stage.out), FIRST) == earlier
    assert "13.8dB" in (stage.out / f"{FIRST}.md").read_text("utf-8")
    assert "15.2dB" in (stage.out / f"{DAY}.md").read_text("utf-8")
    assert "2 revised paper(s) listed under 更新" in run.err
    with sqlite3.connect(stage.out / "summarizer.sqlite3") as conn:
        (stats,) = conn.execute("SELECT stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    assert json.loads(stats)["updates"] == 2

    # the same day again: the same bytes, no request
    written = files_under(stage.out)
    stage.model.reset_counters()
    again = cli("digest", "--date", DAY, "--categories", CATEGORIES)
    assert again.code == 0, again.err
    assert stage.model.requests == 0 and files_under(stage.out) == written


def test_the_earlier_day_run_again_keeps_the_version_it_listed(
    stage: Stage, second_day: Fixture, cli: Any
) -> None:
    run, earlier = second_day_with_revisions(stage, second_day, cli)
    assert run.code == 0, run.err
    stage.model.reset_counters()
    run = cli("digest", "--date", FIRST)
    assert run.code == 0, run.err
    assert stage.model.requests == 0  # v2 is the later day's; this day listed v1
    assert of_day(files_under(stage.out), FIRST) == earlier


def test_with_updates_off_the_day_is_todays_digest(
    stage: Stage, second_day: Fixture, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMMARIZER_UPDATES", "off")
    run, earlier = second_day_with_revisions(stage, second_day, cli)
    assert run.code == 0, run.err
    assert (stage.out / f"{DAY}.md").read_bytes() == (GOLDEN / "toc-2026-03-10.md").read_bytes()
    assert stage.model.requests == 5 and stage.arxiv.requests == 1


def test_the_site_and_the_pushes_mark_a_revised_paper(
    stage: Stage, second_day: Fixture, cli: Any
) -> None:
    run, _ = second_day_with_revisions(stage, second_day, cli, "--site")
    assert run.code == 0, run.err
    page = (stage.out / "site" / "days" / f"{DAY}.html").read_text("utf-8")
    for pid in REVISED:
        anchor = "p-" + pid
        article = page[page.index(f'id="{anchor}"') - 30 :].split("</article>")[0]
        assert f'data-updated="{FIRST}"' in article
        assert f'<a href="{FIRST}.html#{anchor}">{FIRST}</a>' in article
    assert page.count("data-updated=") == 2
    assert (stage.out / "site" / "days" / f"{FIRST}.html").exists()  # where the link goes

    digest = load_day(stage.out, date.fromisoformat(DAY))
    marked = [item.id for item in digest.items if item.mark == "【更新】"]
    assert marked == REVISED and [i.id for i in digest.items][-2:] == REVISED  # listed last
    text, html = render_mail(digest)
    assert "[6] 【更新】Hydrodynamic Whispering" in text and "[7] 【更新】The Sonar Moment" in text
    assert html.count("【更新】") == 2
    _, blocks = digest_lines(digest)
    assert [block[0][0].text for block in blocks][-2:] == ["[6] 【更新】", "[7] 【更新】"]
