"""Concurrency end to end: the real CLI against stand-ins that hold requests and refuse, with 429,
any beyond their in-flight limit. Assertions are on counts the stand-ins keep, never on wall time
(`make bench` measures time)."""

from __future__ import annotations

from pathlib import Path

import pytest
from summarizer_standins.arxiv_api import ArxivStandin
from summarizer_standins.openai_api import ModelStandin
from summarizer_standins.synthetic import synthetic_papers

from summarizer.core.days import mailing_window
from tests.support.cli import SENTINEL_KEY

DAY = "2026-01-07"


@pytest.fixture
def many(isolated: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """120 synthetic papers of one mailing; the model stand-in is started by each test."""
    from datetime import date

    window = mailing_window(date.fromisoformat(DAY))
    papers = synthetic_papers(
        120,
        day_window_start=window.start,
        day_window_end=window.end,
        categories=["eess.SP", "eess.AS", "cs.SD"],
    )
    with ArxivStandin(papers) as arxiv:
        monkeypatch.setenv("ARXIV_API_URL", arxiv.url)
        monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
        monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(isolated / "out"))
        monkeypatch.setenv("SUMMARIZER_REQUEST_TIMEOUT", "10")
        yield papers, arxiv


def _model(monkeypatch: pytest.MonkeyPatch, **kwargs) -> ModelStandin:  # type: ignore[no-untyped-def]
    model = ModelStandin(**kwargs)
    model.keep_bodies = False
    model.start()
    monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
    return model


def test_the_in_flight_limit_is_filled_and_never_passed(
    many,  # type: ignore[no-untyped-def]
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    papers, arxiv = many
    model = _model(monkeypatch, latency=(0.05, 0.01))
    try:
        run = cli("digest", "--date", DAY, "--concurrency", "6")
        assert run.code == 0, run.err
        assert model.peak_in_flight == 6
        assert model.requests == len(papers) and model.status_counts[429] == 0
        assert arxiv.requests == 1  # one page of 120

        # the default is 8 in flight
        model.reset_counters()
        monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(Path("second")))
        assert cli("digest", "--date", DAY).code == 0
        assert model.peak_in_flight == 8
    finally:
        model.stop()


def test_at_the_providers_limit_no_429_and_a_rerun_asks_nothing(
    many,  # type: ignore[no-untyped-def]
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    papers, arxiv = many
    model = _model(monkeypatch, latency=(0.03, 0.01), max_in_flight=8)
    try:
        run = cli("digest", "--date", DAY, "--concurrency", "8")
        assert run.code == 0, run.err
        assert model.status_counts[429] <= 1  # a reply may beat the stand-in's own bookkeeping
        assert model.requests <= len(papers) + 1
        model.reset_counters()
        arxiv.requests = 0
        again = cli("digest", "--date", DAY, "--concurrency", "8")
        assert again.code == 0, again.err
        assert model.requests == 0 and arxiv.requests == 1
    finally:
        model.stop()


def test_overcommitted_the_limit_backs_off_to_the_providers_and_stays_there(
    many,  # type: ignore[no-untyped-def]
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """32 allowed against a provider that takes 4: one burst of refusals, then about one 429 per
    probe past the limit, and every paper summarized within the normal attempts."""
    papers, _ = many
    model = _model(monkeypatch, latency=(0.03, 0.01), max_in_flight=4)
    try:
        run = cli("digest", "--date", DAY, "--concurrency", "32")
        assert run.code == 0, run.err
        refused = model.status_counts[429]
        assert model.status_counts[200] == len(papers)
        assert model.requests == len(papers) + refused
        # the first burst is at most the 28 over the limit; after it, a probe now and then
        assert refused <= (32 - 4) + len(papers) // 10, refused
        assert model.peak_in_flight == 4
    finally:
        model.stop()


def test_rpm_and_tpm_caps_reach_the_pacer(
    many,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from summarizer.run.context import build_context
    from summarizer.run.settings import load_settings

    monkeypatch.setenv("SUMMARIZER_RPM", "600")
    context = build_context(load_settings(tpm=90000, concurrency=16))
    try:
        assert context.pacer.rpm == 600 and context.pacer.interval == pytest.approx(0.1)
        assert context.pacer.tpm == 90000
        assert context.limiter.ceiling == 16
    finally:
        context.close()


def test_stored_summaries_are_looked_up_by_paper_not_by_scanning_the_store(
    isolated: Path,
) -> None:
    """Looking up a day's papers reads those rows only (by primary key, 500 ids per query), and
    still finds exactly the stored versions across chunk boundaries."""
    from datetime import UTC, datetime, timedelta

    from summarizer.core.records import Summary
    from summarizer.store.database import Store

    start = datetime(2026, 1, 5, tzinfo=UTC)
    papers = synthetic_papers(
        1200, day_window_start=start, day_window_end=start + timedelta(days=1), categories=["cs.SD"]
    )
    store = Store(isolated / "store.sqlite3")
    try:
        for paper in papers[:1100]:
            store.papers.save_summary(
                Summary(
                    paper_id=paper.id,
                    version=paper.version,
                    kind="brief",
                    prompt_version="v",
                    model="m",
                    payload={"n": paper.id},
                )
            )
        statements: list[str] = []
        conn = store._connect(create=False)
        assert conn is not None
        conn.set_trace_callback(statements.append)
        asked = papers[50:1200]
        found = store.papers.summaries(asked, kind="brief", prompt_version="v", model="m")
        assert sorted(found) == [p.id for p in papers[50:1100]]
        assert all(found[p.id].payload == {"n": p.id} for p in papers[50:1100])
        selects = [s for s in statements if s.startswith("SELECT")]
        assert len(selects) == 3 and all("paper_id IN (" in s for s in selects)  # 1150 ids
        # a newer version than the one stored is not served the old summary
        newer = papers[60].model_copy(update={"version": papers[60].version + 1})
        assert store.papers.summaries([newer], kind="brief", prompt_version="v", model="m") == {}
    finally:
        store.close()
