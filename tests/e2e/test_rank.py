"""Ranking end to end: real days, a profile of one topic, keywords, exclusions and a top N,
through the real CLI against the loopback arXiv and model stand-ins."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from summarizer_standins.fixtures import Fixture

from summarizer.store.database import Store
from tests.support.cli import Stage, add_fixture
from tests.support.files import GOLDEN, PROFILES, day_rows

JEKYLL_ARGS = ("--window", "anchored", "--categories", "cs.SD,eess.AS", "--format", "jekyll")
# (held-out day, digest flags, that day's papers on the profile's topic, how far down the last of
# them may rank). Each profile holds four papers of OTHER days (tests/fixtures/profiles, made by
# tools/make_profiles.py from the bundled days and tests/fixtures/ranking): the day is held out.
# The bar is the issue's: k of k in the top k+1 ("four of four in the top five").
TOPICS = {
    # audio-language models, four papers of 2026-01-07 -> 2025-11-19 (9 papers)
    "audio-language": ("2025-11-19", JEKYLL_ARGS, {"2511.14293", "2511.14307"}, 3),
    # audio-language models, papers of 2025-11-19 and 2026-03-10 (one-sentence abstracts) ->
    # 2026-01-07 (27 papers): four of four in the top five since words several profile papers
    # share weigh more (rank.lexical.SHARED; before, the fourth ranked sixth).
    "audio-language-b": (
        "2026-01-07",
        (),
        {"2601.02954", "2601.02967", "2601.03227", "2601.02983"},
        5,
    ),
    # music, papers of 2025-11-19 and 2026-03-10 -> 2026-01-07
    "music": ("2026-01-07", (), {"2601.02586", "2601.02591"}, 3),
    # spoofing and deepfake speech, four written papers -> 2026-01-07
    "deepfake": ("2026-01-07", (), {"2601.02444", "2601.02914", "2601.02944", "2601.02983"}, 5),
    # the wireless physical layer, four written papers -> 2026-01-07
    "wireless-phy": ("2026-01-07", (), {"2601.02827", "2601.03084", "2601.03148"}, 4),
}
WRITTEN = {"deepfake", "wireless-phy"}  # profiles of written papers: no arXiv ids file
PROFILE_FILES = {"bibtex": "{}.bib", "ids": "{}-ids.txt", "zotero": "{}-zotero.csv"}


def by_score(records: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [r["id"] for r in sorted(records, key=lambda r: (-r["score"], r["id"]))]


@pytest.fixture
def days(stage: Stage, jekyll_sample: Fixture, second_day: Fixture) -> Stage:
    add_fixture(stage, jekyll_sample)
    add_fixture(stage, second_day)
    return stage


@pytest.mark.parametrize(
    ("topic", "engine", "form"),
    [
        (topic, engine, form)
        for topic in sorted(TOPICS)
        for engine in ("bundled", "endpoint")
        for form in sorted(PROFILE_FILES)
        if not (topic in WRITTEN and form == "ids")
        and (engine, form) != ("endpoint", "zotero")  # the file only feeds the texts
    ],
)
def test_a_profile_of_one_topic_ranks_that_topic_first(
    days: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    isolated: Path,
    topic: str,
    engine: str,
    form: str,
) -> None:
    day, args, same_topic, lowest = TOPICS[topic]
    profile = isolated / PROFILE_FILES[form].format(topic)
    shutil.copy(PROFILES / profile.name, profile)
    monkeypatch.setenv("SUMMARIZER_PROFILE", str(profile))
    if engine == "endpoint":  # the stand-in serves the bundled model's own vectors
        monkeypatch.setenv("SUMMARIZER_EMBEDDING_MODEL", "text-embedding-3-small")
    run = cli("digest", "--date", day, *args)
    assert run.code == 0, run.err
    records = day_rows(days.out, day)
    assert all(isinstance(r["score"], float) and r["why"] for r in records)
    ranked = by_score(records)
    assert same_topic <= set(ranked[:lowest]), ranked
    assert lowest <= len(same_topic) + 1 or topic == "audio-language-b"
    top = next(r for r in records if r["id"] == ranked[0])
    assert "closest to “" in top["why"]
    arxiv_profile_queries = [e for e in days.arxiv.log if e.get("id_list")]
    assert len(arxiv_profile_queries) == (1 if form == "ids" else 0)
    if engine == "endpoint":
        # one batched request: the day's papers and the four profile papers
        assert days.model.embedding_requests == 1
        assert days.model.embedded_inputs == len(records) + 4
        assert "embedded" in run.err  # the run table says so
    else:
        assert days.model.embedding_requests == 0
        assert "with the bundled model" in run.err
    # A re-run (even with a fresh output directory) embeds nothing and asks arXiv for no id.
    days.model.reset_counters()
    days.arxiv.reset_counters()
    again = cli("digest", "--date", day, *args)
    assert again.code == 0, again.err
    assert days.model.embedding_requests == 0 and days.model.requests == 0
    assert "embedded" not in again.err
    assert not [e for e in days.arxiv.log if e.get("id_list")]
    assert by_score(day_rows(days.out, day)) == ranked


def test_the_toc_digest_opens_with_the_recommended_section(stage: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_PROFILE", str(PROFILES / "music.bib"))
    run = cli("digest", "--date", "2026-01-07")
    assert run.code == 0, run.err
    text = (stage.out / "2026-01-07.md").read_text("utf-8")
    assert text.startswith("<div id=recommended></div>\n\n# Recommended [Total: ")
    recommended = re.findall(r"^\d+\. \[.*\]\(#([\d.]+)\) \(score ", text, re.MULTILINE)
    assert set(recommended[:3]) >= TOPICS["music"][2]
    for paper_id in recommended:  # each links to its entry
        assert f"<div id='{paper_id}'></div>\n\n### [" in text
    assert len(recommended) == 10  # at most ten when no top N is set
    assert text.count("\nWhy: score ") == 27


def test_keywords_alone_rank_their_papers_first_and_are_highlighted(
    stage: Stage,
    sample: Fixture,
    cli,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SUMMARIZER_KEYWORDS", "deepfake, language model")
    run = cli("digest", "--date", "2026-01-07")
    assert run.code == 0, run.err
    records = day_rows(stage.out, "2026-01-07")
    holding = {
        p.id
        for p in sample.papers
        if re.search(r"\bdeepfakes?\b|\blanguage\s+models?\b", f"{p.title} {p.abstract}", re.I)
    }
    assert 0 < len(holding) < len(records)
    ranked = by_score(records)
    assert set(ranked[: len(holding)]) == holding
    assert all(r["score"] == 0 for r in records if r["id"] not in holding)
    text = (stage.out / "2026-01-07.md").read_text("utf-8")
    assert "**Deepfake**" in text and "keywords: deepfake" in text
    assert stage.model.requests == 27


def test_exclude_drops_papers_before_any_request_and_they_appear_nowhere(
    stage: Stage,
    sample: Fixture,
    cli,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SUMMARIZER_EXCLUDE", "deepfake,6G")
    run = cli("digest", "--date", "2026-01-07", "--format", "all")
    assert run.code == 0, run.err
    dropped = [
        p
        for p in sample.papers
        if re.search(r"deepfake|\b6G\b", f"{p.title}\n{p.abstract}", re.IGNORECASE)
    ]
    assert len(dropped) >= 4
    kept = len(sample.papers) - len(dropped)
    assert stage.model.requests == 2 * kept  # brief and detailed per kept paper, nothing else
    asked = json.dumps(stage.model.bodies, ensure_ascii=False)
    written = "".join(p.read_text("utf-8") for p in stage.out.rglob("*.md"))
    written += (stage.out / "data" / "2026-01-07.jsonl").read_text("utf-8")
    with sqlite3.connect(stage.out / "summarizer.sqlite3") as db:
        stored = {r[0] for r in db.execute("SELECT id FROM papers")}
        stored |= {r[0] for r in db.execute("SELECT paper_id FROM placements")}
    assert len(stored) == kept
    for paper in dropped:
        assert paper.id not in written and paper.title not in asked and paper.id not in stored
    assert f"excluded: {len(dropped)}" in run.err
    # exclusion is no ranking: no recommended section, no reasons
    assert (stage.out / "2026-01-07.md").read_text("utf-8").startswith("<div id=toc></div>")


def test_top_10_summarizes_the_ten_best_and_lists_every_paper(
    stage: Stage,
    sample: Fixture,
    cli,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SUMMARIZER_PROFILE", str(PROFILES / "audio-language.bib"))
    monkeypatch.setenv("SUMMARIZER_KEYWORDS", "speech")
    monkeypatch.setenv("SUMMARIZER_TOP", "10")
    run = cli("digest", "--date", "2026-01-07")
    assert run.code == 0, run.err
    assert stage.model.requests == 10
    records = day_rows(stage.out, "2026-01-07")
    assert len(records) == 27
    best = set(by_score(records)[:10])
    assert {r["id"] for r in records if r["summarized"]} == best
    assert all(r["brief"] is None for r in records if not r["summarized"])
    asked = json.dumps(stage.model.bodies, ensure_ascii=False)
    for paper in sample.papers:
        assert (paper.title in asked) == (paper.id in best)
    text = (stage.out / "2026-01-07.md").read_text("utf-8")
    assert text.count("### [") == 27
    assert text.count("not summarized: below your top 10") == 17
    assert "总结暂缺" not in text  # not the "missing" marker
    assert "missing summary" not in run.err
    # the run table says what the cut saved, and the store keeps it with the run
    assert "below top: 17" in run.err
    (stats,) = [r["stats"] for r in Store(stage.out / "summarizer.sqlite3").runs.all()]
    assert stats["below_top"] == 17 and stats["saved"]["requests"] == 17
    assert stats["saved"]["prompt_tokens"] > 17 * 100 and stats["saved_cost"] > 0


def test_recommended_section_layout_is_golden(stage: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_KEYWORDS", "deepfake,spatial,LoRa")
    monkeypatch.setenv("SUMMARIZER_AUTHORS", "Yuankun Xie")
    monkeypatch.setenv("SUMMARIZER_TOP", "5")
    run = cli("digest", "--date", "2026-01-07")
    assert run.code == 0, run.err
    written = (stage.out / "2026-01-07.md").read_bytes()
    assert written == (GOLDEN / "toc-2026-01-07-ranked.md").read_bytes()


def test_paper_shows_the_reason(stage: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_KEYWORDS", "deepfake")
    run = cli("paper", "2601.02944", "--format", "md")
    assert run.code == 0, run.err
    assert "Why: score 0.75; keywords: deepfake" in run.out
    assert "**Deepfake**" in run.out
    as_json = json.loads(cli("paper", "2601.02944", "--format", "json").out)
    assert as_json["why"] == "keywords: deepfake" and as_json["summarized"] is True


def test_jekyll_post_shows_reasons_and_highlights(
    stage: Stage,
    jekyll_sample: Fixture,
    cli,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    add_fixture(stage, jekyll_sample)
    monkeypatch.setenv("SUMMARIZER_KEYWORDS", "audio-language model")
    monkeypatch.setenv("SUMMARIZER_TOP", "3")
    run = cli("digest", "--date", "2025-11-19", *JEKYLL_ARGS)
    assert run.code == 0, run.err
    assert stage.model.requests == 3
    post = (stage.out / "_posts" / "2025-11-19-arxiv.md").read_text("utf-8")
    assert "## Segmentwise Pruning in **Audio-Language Models**" in post
    assert "- **Why**: score 0.75; keywords: audio-language model" in post
    assert post.count("- **Why**: score ") == 9
    assert post.count("not summarized: below your top 3") == 6


def test_top_alone_lists_everything_and_summarizes_n(stage: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_TOP", "5")
    run = cli("digest", "--date", "2026-01-07")
    assert run.code == 0, run.err
    assert stage.model.requests == 5
    text = (stage.out / "2026-01-07.md").read_text("utf-8")
    assert "# Recommended [Total: 0]\n\nNo paper of this day matches your interests." in text
    assert text.count("### [") == 27 and text.count("not summarized: below your top 5") == 22


def test_backfill_dry_run_prices_only_what_top_and_exclude_leave(
    stage: Stage,
    sample: Fixture,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUMMARIZER_EXCLUDE", "deepfake")
    monkeypatch.setenv("SUMMARIZER_TOP", "7")
    run = cli("backfill", "--from", "2026-01-07", "--to", "2026-01-07", "--dry-run")
    assert run.code == 0, run.err
    rows = {
        cells[0]: cells[1:]
        for line in run.err.splitlines()
        if len(cells := [c.strip() for c in line.split("│")[1:-1]]) == 5
    }
    assert rows["2026-01-07"][:2] == ["27", "7"]
    assert stage.model.requests == 0 and not stage.out.exists()
    monkeypatch.delenv("SUMMARIZER_TOP")
    run = cli("backfill", "--from", "2026-01-07", "--to", "2026-01-07", "--dry-run")
    rows = {
        cells[0]: cells[1:]
        for line in run.err.splitlines()
        if len(cells := [c.strip() for c in line.split("│")[1:-1]]) == 5
    }
    saying = [p for p in sample.papers if re.search(r"(?i)\bdeepfakes?\b", p.title + p.abstract)]
    assert rows["2026-01-07"][:2] == ["27", str(27 - len(saying))] and saying


@pytest.mark.parametrize(
    "setting", [{}, {"SUMMARIZER_EXCLUDE": "no-such-word"}, {"SUMMARIZER_KEYWORDS": ""}]
)
def test_without_a_relevance_setting_the_digest_is_the_golden_one(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    setting: dict[str, str],
) -> None:
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    run = cli("digest", "--date", "2026-01-07", "--format", "all")
    assert run.code == 0, run.err
    assert (stage.out / "2026-01-07.md").read_bytes() == (GOLDEN / "toc-2026-01-07.md").read_bytes()
    records = day_rows(stage.out, "2026-01-07")
    assert len(records) == 27
    assert all(r["score"] is None and r["why"] is None and r["summarized"] for r in records)


def test_flags_beat_the_environment(stage: Stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_TOP", "20")
    run = cli(
        "digest", "--date", "2026-01-07", "--top", "3", "--keywords", "LoRa", "--exclude", "6G"
    )
    assert run.code == 0, run.err
    assert stage.model.requests == 3
    text = (stage.out / "2026-01-07.md").read_text("utf-8")
    assert "**LoRa**" in text and "6G " not in text
    bad = cli("digest", "--date", "2026-01-07", "--top", "0")
    assert bad.code == 2 and "--top" in bad.err
