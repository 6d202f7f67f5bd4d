"""Model faults end to end: `summarizer digest` through the real openai client against the model
stand-in, with faults switched on. Every run either makes the digest (the golden bytes), or
writes it with plain "missing" marks, says so in its exit status and last lines, and the next run
asks only for what is missing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from summarizer_standins import (
    ArxivStandin,
    ModelStandin,
    load_fixture,
    synthetic_answer,
    synthetic_papers,
)

from summarizer.core.days import mailing_window
from summarizer.llm import attempts as llm
from summarizer.publish.render import BRIEF_MISSING
from tests.support.cli import FEEDBACK, SENTINEL_KEY, Run, Stage, point_env_at
from tests.support.files import day_rows, golden

DAY = "2026-01-07"
TRANSIENT = ["429", "500", "502", "503", "timeout", "reset"]
CONTENT = ["malformed", "length", "empty", "refusal", "wrong_keys", "english"]


@pytest.fixture
def fast(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> Stage:
    """Immediate Retry-After, a tenth of the backoff (its jitter and growth are proven in
    test_llm), every paper in flight at once. The request timeout is generous enough that a loaded
    machine never turns a healthy answer into a timeout; a hang lasts far longer than it (and is
    cut off at once when the stand-in stops)."""
    monkeypatch.setenv("SUMMARIZER_REQUEST_TIMEOUT", "4")
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "32")
    monkeypatch.setattr(llm, "BACKOFF_BASE", llm.BACKOFF_BASE / 10)
    stage.model.hang_seconds = 60.0
    stage.model.retry_after = "0"
    return stage


def bodies_of(stage: Stage, title: str) -> list[dict[str, Any]]:
    return [b for b in stage.model.bodies if title in b["messages"][1]["content"]]


def assert_missing_reported(run: Run, missing: set[str]) -> None:
    """Non-zero status; the last lines name exactly the papers lacking a summary."""
    assert run.code == 1, run.err
    lines = run.err.strip().splitlines()
    assert "lack summaries" in lines[-1] and "run the same command again" in lines[-1]
    tail = lines[-1 - len(missing) : -1]
    named = [re.fullmatch(r"missing summary: (\S+) \(\d{4}-\d\d-\d\d\)", x) for x in tail]
    assert all(named), lines[-1 - len(missing) :]
    assert {m.group(1) for m in named if m} == missing
    assert "Traceback" not in run.err


# --- every fault on the first two attempts of every paper ---------------------------------------


@pytest.mark.parametrize("kind", TRANSIENT + CONTENT)
def test_every_fault_twice_then_all_summarized(fast: Stage, cli, kind: str) -> None:  # type: ignore[no-untyped-def]
    fast.model.fail_first([kind, kind])
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert (fast.out / f"{DAY}.md").read_bytes() == golden()
    assert len(fast.model.by_paper) == 27
    assert set(fast.model.by_paper.values()) == {3}, "two faults and one answer, no more"
    assert fast.model.requests == 81
    if kind in CONTENT:
        paper = fast.model.by_paper.most_common(1)[0][0]
        second = bodies_of(fast, paper)[1]["messages"]
        assert second[2]["role"] == "assistant" and second[3]["role"] == "user"
        assert FEEDBACK[kind] in second[3]["content"]


@pytest.mark.parametrize(
    "pair",
    [
        ["429", "english"],
        ["timeout", "malformed"],
        ["reset", "wrong_keys"],
        ["refusal", "503"],
        ["length", "empty"],
    ],
    ids="+".join,
)
def test_mixed_faults_then_all_summarized(fast: Stage, cli, pair: list[str]) -> None:  # type: ignore[no-untyped-def]
    fast.model.fail_first(pair)
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert (fast.out / f"{DAY}.md").read_bytes() == golden()
    assert max(fast.model.by_paper.values()) <= 3 and fast.model.requests == 81


def test_rate_limited_with_retry_after_then_all_summarized(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    stage.model.retry_after = "1"
    stage.model.fail_first(["429"])
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert stage.model.status_counts[429] == 27 and stage.model.requests == 54
    assert (stage.out / f"{DAY}.md").read_bytes() == golden()


# --- a paper that still fails -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["503", "malformed", "english"])
def test_when_every_attempt_fails_the_digest_is_written_with_marks(
    fast: Stage,
    cli,  # type: ignore[no-untyped-def]
    kind: str,
) -> None:
    fast.model.always(kind)
    run = cli("digest", "--date", DAY)
    ids = {p.id for p in fast.arxiv.papers}
    assert_missing_reported(run, ids)
    assert set(fast.model.by_paper.values()) == {3}, "three attempts each, never more"
    toc = (fast.out / f"{DAY}.md").read_text("utf-8")
    assert toc.count(f"TL;DR: {BRIEF_MISSING}") == 27
    assert toc.count("Abstract: ") == 27 and toc.endswith("</details>\n")
    assert "Motivation:" not in toc, "no invented text"
    assert all(r["brief"] is None for r in day_rows(fast.out, DAY))
    # the next run asks again for every one of them, and makes the golden digest
    fast.model.clear_faults()
    fast.model.reset_counters()
    again = cli("digest", "--date", DAY)
    assert again.code == 0, again.err
    assert fast.model.requests == 27
    assert (fast.out / f"{DAY}.md").read_bytes() == golden()


def test_one_failing_paper_does_not_stop_the_run_and_is_the_only_one_asked_again(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    victim = sorted(stage.arxiv.papers, key=lambda p: p.id)[5]
    english = synthetic_answer("brief", victim.title, english=True)
    stage.model.add_answer(victim.title, brief=english)
    run = cli("digest", "--date", DAY)
    assert_missing_reported(run, {victim.id})
    assert stage.model.by_paper[victim.title] == 3 and stage.model.requests == 26 + 3
    toc = (stage.out / f"{DAY}.md").read_text("utf-8")
    assert toc.count(BRIEF_MISSING) == 1
    block = toc.split(f"(https://arxiv.org/abs/{victim.id})")[1].split("</details>")[0]
    assert f"TL;DR: {BRIEF_MISSING}" in block and victim.abstract.strip()[:80] in block
    assert english["tldr"] not in toc and english["method"] not in toc
    records = {r["id"]: r for r in day_rows(stage.out, DAY)}
    assert records[victim.id]["brief"] is None
    assert sum(r["brief"] is None for r in records.values()) == 1
    # fixed at the source: the next run asks for that paper only, once
    fixed = next(r for r in load_fixture("sample-toc").records if r.paper.id == victim.id)
    stage.model.add_answer(victim.title, brief=fixed.brief)
    stage.model.reset_counters()
    again = cli("digest", "--date", DAY)
    assert again.code == 0, again.err
    assert dict(stage.model.by_paper) == {victim.title: 1}
    assert (stage.out / f"{DAY}.md").read_bytes() == golden()


# --- faults that stop the run -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("401", "refused access (HTTP 401)"),
        ("403", "refused access (HTTP 403)"),
        ("quota", "quota"),
    ],
)
def test_refused_key_or_spent_quota_stops_the_run_at_once(
    stage: Stage,
    cli,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    words: str,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "2")
    stage.model.always(kind)
    run = cli("digest", "--date", DAY)
    assert run.code == 3, run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("summarizer: error: ") and words in lines[0]
    assert stage.model.requests <= 2, "no request starts after the refusal"
    assert not (stage.out / f"{DAY}.md").exists()
    assert SENTINEL_KEY not in run.err


def test_quota_after_some_papers_keeps_what_was_made(stage: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "1")
    first = cli("digest", "--date", DAY, "--categories", "cs.SD")
    assert first.code == 0, first.err
    made = stage.model.requests
    stage.model.reset_counters()
    stage.model.always("quota")
    run = cli("digest", "--date", DAY)
    assert run.code == 3 and stage.model.requests == 1
    stage.model.clear_faults()
    stage.model.reset_counters()
    again = cli("digest", "--date", DAY)
    assert again.code == 0, again.err
    assert stage.model.requests == 27 - made, "what the first run made is not asked again"


# --- 30 % random 5xx over a 100-paper day -------------------------------------------------------


@pytest.fixture
def big(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stage]:
    window = mailing_window(date(2026, 2, 4))
    papers = synthetic_papers(
        100,
        day_window_start=window.start,
        day_window_end=window.end,
        categories=["eess.SP", "eess.AS", "cs.SD"],
        seed=7,
    )
    with ArxivStandin(papers) as arxiv_api, ModelStandin() as model:
        staged = point_env_at(monkeypatch, arxiv_api, model, isolated / "out")
        monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "32")
        yield staged


def table_row(stdout: str, day: str) -> dict[str, str]:
    """The closing table's row for `day` (on stderr): found, summarized, from cache, missing."""
    row = next(line for line in stdout.splitlines() if line.strip().startswith(day))
    cells = row.split()
    return dict(zip(["day", "found", "summarized", "from cache", "missing"], cells, strict=False))


def test_thirty_percent_5xx_over_a_hundred_papers(big: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Two attempts per paper: with three, P(no paper missing) would be 7 % and the test vacuous.
    monkeypatch.setenv("SUMMARIZER_MAX_ATTEMPTS", "2")
    big.model.random_5xx(0.3, seed=11)
    run = cli("digest", "--date", "2026-02-04")
    records = [
        json.loads(x) for x in (big.out / "data" / "2026-02-04.jsonl").open(encoding="utf-8")
    ]
    missing = {r["id"] for r in records if r["brief"] is None}
    made = {r["id"] for r in records if r["brief"] is not None}
    row = table_row(run.err, "2026-02-04")
    assert len(records) == 100 and row["found"] == "100"
    assert int(row["summarized"]) == len(made) and int(row["missing"]) == len(missing)
    assert len(made) + len(missing) == 100
    assert missing, "with 30 % faults and two attempts some paper fails"
    assert_missing_reported(run, missing)
    assert max(big.model.by_paper.values()) <= 2
    toc = (big.out / "2026-02-04.md").read_text("utf-8")
    assert toc.count(BRIEF_MISSING) == len(missing)
    # the second run completes the missing ones, asking only for those
    big.model.random_5xx(0)
    big.model.reset_counters()
    again = cli("digest", "--date", "2026-02-04")
    assert again.code == 0, again.err
    titles = {r["title"] for r in records if r["id"] in missing}
    assert set(big.model.by_paper) == titles and big.model.requests == len(missing)
    assert table_row(again.err, "2026-02-04")["from cache"] == str(len(made))
    after = [json.loads(x) for x in (big.out / "data" / "2026-02-04.jsonl").open(encoding="utf-8")]
    assert all(r["brief"] for r in after)
    assert BRIEF_MISSING not in (big.out / "2026-02-04.md").read_text("utf-8")
