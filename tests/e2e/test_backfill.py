"""`summarizer backfill` and late papers, end to end against the stand-ins.

Two weeks of papers (one every 3 hours, weekends included, across the US switch to daylight saving
on 2026-03-08) must land each in exactly one digest: the one whose mailing window holds its first
version. Late papers go into the next digest and nowhere else; a backfill killed with SIGKILL
resumes without asking the model again for anything it had stored.
"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from summarizer.app import console
from summarizer.core.days import mailing_window
from tests.support.cli import Run, Stage, child_env
from tests.support.files import (
    assert_whole,
    files_under,
    placed_once,
    read_digests,
    stored_briefs,
)
from tests.support.mailings import (
    EDGES,
    FIRST,
    LAST,
    WEEKDAYS,
    at,
    every_three_hours,
    expected_day,
    two_weeks,
)

Cli = Callable[..., Run]


def searches(stage: Stage, field: str = "") -> list[dict[str, Any]]:
    """The listing queries (by `field`, e.g. submittedDate, when given)."""
    return [e for e in stage.arxiv.log if e["search_query"] and field in e["search_query"]]


# --- 1. two weeks, every paper in exactly one digest --------------------------------------------


def test_two_weeks_across_dst_each_paper_in_exactly_its_digest(stage: Stage, cli: Cli) -> None:
    corpus = two_weeks()
    for paper in corpus:
        stage.arxiv.add(paper)
    run = cli("backfill", "--from", str(FIRST), "--to", str(LAST))
    assert run.code == 0, run.err
    assert "2026-03-07 is a Saturday" in run.err and "2026-03-08 is a Sunday" in run.err

    # files for exactly the weekdays, both kinds, whole
    assert sorted(p.name for p in stage.out.glob("*.md")) == [f"{d}.md" for d in WEEKDAYS]
    digests = read_digests(stage.out)
    assert sorted(digests) == WEEKDAYS
    assert_whole(stage.out)

    # each paper in exactly the digest whose window holds it; none twice, none missing
    where = placed_once(digests)
    expected = {p.id: d for p in corpus if (d := expected_day(p)) is not None}
    assert where == expected
    # grid points in [Thu 02-26 19:00Z (14:00 EST), Thu 03-12 18:00Z (14:00 EDT)): 21:00Z on
    # 02-26 to 15:00Z on 03-12, i.e. 14 days less 6 hours of 3-hour steps, plus one
    assert len(expected) == (14 * 24 - 6) // 3 + 1 + len(EDGES)
    for pid, (_, day) in EDGES.items():
        assert where[pid] == day, pid  # worked out by hand, not by the code under test
    weekend = [p.id for p in corpus if p.published.date() in (date(2026, 3, 7), date(2026, 3, 8))]
    assert {where[pid] for pid in weekend} == {date(2026, 3, 10)}
    for day, records in digests.items():
        toc = (stage.out / f"{day}.md").read_text("utf-8")
        assert toc.count("\n### [") == len(records), day
        assert all(r["brief"] and r["brief"]["tldr"] for r in records)

    # per digest day one arXiv query for its papers (a single page each) and, once an earlier
    # digest exists, one for its revised papers (none here); one model request per paper
    assert len(searches(stage)) == stage.arxiv.requests
    assert len(searches(stage, "submittedDate")) == len(WEEKDAYS)
    assert len(searches(stage, "lastUpdatedDate")) == len(WEEKDAYS) - 1
    assert stage.model.requests == len(expected)
    assert max(stage.model.by_paper.values()) == 1
    for day in WEEKDAYS:
        assert f"\n {day} " in run.err  # a row of the table at the end

    # resumable: everything is done, so nothing is asked of anyone and no byte changes
    before = files_under(stage.out)
    stage.arxiv.reset_counters()
    stage.model.reset_counters()
    again = cli("backfill", "--from", str(FIRST), "--to", str(LAST))
    assert again.code == 0, again.err
    assert stage.arxiv.requests == 0 and stage.model.requests == 0
    assert files_under(stage.out) == before
    assert again.err.count("already done") >= len(WEEKDAYS)


def test_interrupted_day_is_redone_and_finished_days_are_not(stage: Stage, cli: Cli) -> None:
    for paper in two_weeks():
        stage.arxiv.add(paper)
    assert cli("backfill", "--from", "2026-03-02", "--to", "2026-03-04").code == 0
    os.remove(stage.out / "data" / "2026-03-03.jsonl")  # a day whose files are not all there
    stage.arxiv.reset_counters()
    stage.model.reset_counters()
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-05")
    assert run.code == 0, run.err
    # 03-03 again (from the store: no model request) and 03-05
    assert len(searches(stage, "submittedDate")) == 2
    assert stage.model.requests == 8  # the papers of 03-05 only
    assert (stage.out / "data" / "2026-03-03.jsonl").exists()
    placed_once(read_digests(stage.out))


def test_dry_run_prices_every_day_without_the_model_or_files(stage: Stage, cli: Cli) -> None:
    corpus = two_weeks()
    for paper in corpus:
        stage.arxiv.add(paper)
    run = cli("backfill", "--from", str(FIRST), "--to", str(LAST), "--dry-run")
    assert run.code == 0, run.err
    assert stage.model.requests == 0
    assert not stage.out.exists(), "a dry run writes nothing, not even the store"
    assert len(searches(stage)) == 1, "one query for up to a month of days, split locally"
    counts = Counter(d for p in corpus if (d := expected_day(p)) is not None)
    rows = {
        cells[0]: cells[1:]
        for line in run.err.splitlines()
        if len(cells := [c.strip() for c in line.split("│")[1:-1]]) == 5
    }
    for day in WEEKDAYS:
        papers, requests, tokens, cost = rows[str(day)]
        assert int(papers) == int(requests) == counts[day], day
        assert int(tokens.replace(",", "")) > 700 * counts[day]  # prompt + expected answer
        assert float(cost) > 0  # the default model has a known price
    assert rows["total"][:2] == [str(sum(counts.values()))] * 2
    # after a real run of the first week, those days cost nothing more
    assert cli("backfill", "--from", "2026-03-02", "--to", "2026-03-06").code == 0
    stage.model.reset_counters()
    again = cli("backfill", "--from", str(FIRST), "--to", str(LAST), "--dry-run", "--format", "all")
    assert again.code == 0 and stage.model.requests == 0
    rows = {
        cells[0]: cells[1:]
        for line in again.err.splitlines()
        if len(cells := [c.strip() for c in line.split("│")[1:-1]]) == 5
    }
    assert rows["2026-03-04"][:2] == ["8", "8"]  # only the detailed analyses are left
    assert rows["2026-03-10"][:2] == [
        str(counts[date(2026, 3, 10)]),
        str(2 * counts[date(2026, 3, 10)]),
    ]


def test_backfill_stops_when_arxiv_is_down_and_resumes(stage: Stage, cli: Cli) -> None:
    for paper in two_weeks():
        stage.arxiv.add(paper)
    assert cli("backfill", "--from", "2026-03-02", "--to", "2026-03-02").code == 0
    stage.arxiv.reset_counters()
    stage.arxiv.fail_next(*["503"] * 12)  # every retry and resume of one query
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-04")
    assert run.code == 3, (run.out, run.err)
    last = run.err.strip().splitlines()[-1]
    assert last.startswith("summarizer: error: ") and "arXiv" in last
    assert "Traceback" not in run.err
    assert "already done" in run.err and "stopped" in run.err  # the table of what was done
    # 4 tries of the arxiv client, 3 times (two resumes), all for Tuesday; Wednesday never asked
    assert stage.arxiv.requests == 12
    assert all("202603021900" in e["search_query"] for e in stage.arxiv.log)
    assert not (stage.out / "2026-03-03.md").exists() and not (stage.out / "2026-03-04.md").exists()
    assert cli("backfill", "--from", "2026-03-02", "--to", "2026-03-04").code == 0
    assert sorted(read_digests(stage.out)) == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]


def test_days_not_yet_announced_are_skipped_not_recorded(stage: Stage, cli: Cli) -> None:
    soon = datetime.now(UTC).date() + timedelta(days=7)
    days = [soon + timedelta(days=i) for i in range(7)]
    run = cli("backfill", "--from", str(days[0]), "--to", str(days[-1]))
    assert run.code == 0, run.err
    for day in days:
        if day.weekday() < 5:
            assert f"{day}: its mailing appears at" in run.err
    assert stage.arxiv.requests == 0 and stage.model.requests == 0
    assert not stage.out.exists()
    dry = cli("backfill", "--from", str(days[0]), "--to", str(days[-1]), "--dry-run")
    assert dry.code == 0 and stage.arxiv.requests == 0


def test_progress_bars_on_a_terminal(
    stage: Stage,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for paper in two_weeks():
        stage.arxiv.add(paper)
    screen = io.StringIO()
    monkeypatch.setattr(console, "err", Console(file=screen, force_terminal=True, width=100))
    run = cli("backfill", "--from", "2026-03-02", "--to", "2026-03-03")
    assert run.code == 0, run.err
    assert "days (2026-03-03)" in screen.getvalue() and "summarizing" in screen.getvalue()


# --- 2. late papers ------------------------------------------------------------------------------


def test_late_paper_lands_in_the_next_digest_only(stage: Stage, cli: Cli) -> None:
    for paper in every_three_hours(
        datetime(2026, 2, 25, tzinfo=UTC), datetime(2026, 3, 6, tzinfo=UTC), prefix="2602"
    ):
        stage.arxiv.add(paper)
    # a paper of Monday's mailing window (Thu 02-26 14:00 .. Fri 02-27 14:00 EST) that only
    # appears later; Monday 03-02 has not been digested, so it must wait for Monday
    waiting = at("2602.00100", datetime(2026, 2, 27, 12, 0, tzinfo=UTC), "A Paper Of Monday")
    stage.arxiv.add(waiting)
    assert cli("digest", "--date", "2026-03-03").code == 0
    tuesday = (stage.out / "2026-03-03.md").read_bytes()

    # held in moderation: first version inside Tuesday's window, listed after Tuesday was digested
    late = at("2603.00200", datetime(2026, 3, 2, 15, 0, tzinfo=UTC), "A Paper Held In Moderation")
    assert late.published in mailing_window(date(2026, 3, 3))
    stage.arxiv.add(late)
    stage.model.reset_counters()
    run = cli("digest", "--date", "2026-03-04")
    assert run.code == 0, run.err
    wednesday = read_digests(stage.out)[date(2026, 3, 4)]
    ids = [r["id"] for r in wednesday]
    assert late.id in ids and waiting.id not in ids
    assert len(ids) == 8 + 1  # its own window, plus the late paper
    assert stage.model.by_paper[late.title] == 1 and stage.model.requests == 9
    assert "A Paper Held In Moderation" in (stage.out / "2026-03-04.md").read_text("utf-8")
    # Wednesday's one query reached back three digest days: to Wed 02-25 14:00 EST = 19:00Z
    assert searches(stage, "submittedDate")[-1]["search_query"].endswith(
        "submittedDate:[202602251900 TO 202603031900]"
    )

    # re-running Tuesday does not pull it back: same bytes, no model request
    stage.model.reset_counters()
    assert cli("digest", "--date", "2026-03-03").code == 0
    assert (stage.out / "2026-03-03.md").read_bytes() == tuesday
    # nor does re-running Wednesday lose or double it
    wednesday_md = (stage.out / "2026-03-04.md").read_bytes()
    assert cli("digest", "--date", "2026-03-04").code == 0
    assert (stage.out / "2026-03-04.md").read_bytes() == wednesday_md
    assert stage.model.requests == 0

    # Monday, digested last, holds its own paper; a backfill over the week keeps all of it unique
    assert cli("backfill", "--from", "2026-03-02", "--to", "2026-03-05").code == 0
    where = placed_once(read_digests(stage.out))
    assert where[waiting.id] == date(2026, 3, 2)
    assert where[late.id] == date(2026, 3, 4)
    # Monday's window opens Thu 02-26 14:00 EST, Thursday's closes Wed 03-04 14:00 EST
    opens, closes = datetime(2026, 2, 26, 19, tzinfo=UTC), datetime(2026, 3, 4, 19, tzinfo=UTC)
    assert set(where) == {p.id for p in stage.arxiv.papers if opens <= p.published < closes}


def test_late_paper_after_a_weekend_and_a_backfill(stage: Stage, cli: Cli) -> None:
    """Friday digested, a paper of Friday's window appears over the weekend: Monday takes it."""
    for paper in every_three_hours(
        datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC), prefix="2603"
    ):
        stage.arxiv.add(paper)
    assert cli("backfill", "--from", "2026-03-04", "--to", "2026-03-06").code == 0
    late = at("2603.00300", datetime(2026, 3, 5, 12, 0, tzinfo=UTC), "Late Over The Weekend")
    assert late.published in mailing_window(date(2026, 3, 6))
    stage.arxiv.add(late)
    run = cli("backfill", "--from", "2026-03-04", "--to", "2026-03-09")
    assert run.code == 0, run.err
    where = placed_once(read_digests(stage.out))
    assert where[late.id] == date(2026, 3, 9)


# --- 3. SIGKILL mid-run, then resume -------------------------------------------------------------


def _backfill(stage: Stage, home: Path) -> subprocess.Popen[bytes]:
    env = child_env(stage, SUMMARIZER_CONCURRENCY="4", SUMMARIZER_REQUEST_TIMEOUT="5")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "summarizer",
            "backfill",
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-06",
        ],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_backfill_killed_mid_run_resumes_without_paying_twice(
    stage: Stage,
    isolated: Path,
) -> None:
    corpus = every_three_hours(
        datetime(2026, 2, 26, tzinfo=UTC), datetime(2026, 3, 6, tzinfo=UTC), prefix="2602"
    )
    for paper in corpus:
        stage.arxiv.add(paper)
    titles = {p.id: p.title for p in corpus}
    expected = {p.id: d for p in corpus if (d := expected_day(p, WEEKDAYS[:5])) is not None}
    assert len(expected) == 5 * 8 + 2 * 8  # Monday..Friday, Tuesday's window spans the weekend
    stage.model.latency = (0.2, 0.05)

    proc = _backfill(stage, isolated)
    deadline = time.monotonic() + 30
    while stage.model.requests < 20 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the backfill ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    # what the kill left: whole files, some summaries stored, not everything done
    assert_whole(stage.out)
    cache = stage.out / "summarizer.sqlite3"
    stored = stored_briefs(cache)
    with sqlite3.connect(cache) as conn:
        rows = conn.execute("SELECT day FROM digested_days WHERE complete = 1").fetchall()
    finished = sorted(day for (day,) in rows)
    assert 0 < len(stored) < len(expected)
    asked_before = set(stage.model.by_paper)
    assert {titles[pid] for pid in stored} <= asked_before

    # run again, to the end: nothing stored is asked for again, every digest is complete
    stage.model.latency = (0.0, 0.0)
    stage.model.reset_counters()
    stage.arxiv.reset_counters()
    proc = _backfill(stage, isolated)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert not {titles[pid] for pid in stored} & set(stage.model.by_paper), "paid twice"
    assert stage.model.requests == len(expected) - len(stored)
    assert max(stage.model.by_paper.values()) == 1
    digests = read_digests(stage.out)
    assert sorted(digests) == WEEKDAYS[:5]
    assert placed_once(digests) == expected
    assert all(r["brief"] for records in digests.values() for r in records)
    assert_whole(stage.out)
    # days finished before the kill are not redone: no query, no request, a note in the table
    assert len(searches(stage, "submittedDate")) == 5 - len(finished)
    assert len(searches(stage)) == stage.arxiv.requests  # the rest: queries of revisions
    for day in finished:
        assert f"{day}: 8 papers, already done" in err.decode("utf-8")
