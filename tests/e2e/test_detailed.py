"""Detailed analysis and the Jekyll post, end to end: golden post, both formats from one run,
and what the model reads with --full-text."""

from __future__ import annotations

import json

import pytest
from summarizer_standins.fixtures import Fixture
from summarizer_standins.web import WebStandin, make_latexml_html, make_pdf

from summarizer.llm.tokens import count_tokens
from tests.support.cli import Stage, add_fixture
from tests.support.files import GOLDEN

JEKYLL_ARGS = ("--window", "anchored", "--categories", "cs.SD,eess.AS", "--format", "jekyll")


def test_jekyll_post_reproduces_the_sample(
    stage: Stage,
    jekyll_sample: Fixture,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    add_fixture(stage, jekyll_sample)
    run = cli("digest", "--date", "2025-11-19", *JEKYLL_ARGS)
    assert run.code == 0, run.err
    post = stage.out / "_posts" / "2025-11-19-arxiv.md"
    assert post.read_bytes() == (GOLDEN / "jekyll-2025-11-19.md").read_bytes()
    assert stage.model.requests == 9
    assert all("translation" in json.dumps(body) for body in stage.model.bodies)
    again = cli("digest", "--date", "2025-11-19", *JEKYLL_ARGS)
    assert again.code == 0 and stage.model.requests == 9


def test_format_all_makes_both_files_and_keeps_both_kinds(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("digest", "--date", "2026-01-07", "--format", "all")
    assert run.code == 0, run.err
    assert (stage.out / "2026-01-07.md").exists()
    post = (stage.out / "_posts" / "2026-01-07-arxiv.md").read_text("utf-8")
    assert post.count("<summary>详细解读</summary>") == 27
    assert stage.model.requests == 54  # one brief and one detailed per paper
    rows = [json.loads(line) for line in (stage.out / "data" / "2026-01-07.jsonl").open()]
    assert all(r["brief"] and r["detailed"]["background"] for r in rows)
    # the brief-only digest of the same day is now free
    stage.model.reset_counters()
    assert cli("digest", "--date", "2026-01-07", "--format", "toc").code == 0
    assert stage.model.requests == 0


BODY = "The proposed estimator whitens the array covariance before the subspace step. " * 60
REFERENCES = ["[1] A. Author, REFERENCE-MARKER-ONE, 2020.", "[2] B. Author, REFERENCE-MARKER-TWO."]


@pytest.fixture
def web() -> WebStandin:
    with WebStandin() as server:
        yield server  # type: ignore[misc]


def _user_prompt(stage: Stage, title: str) -> str:
    for body in stage.model.bodies:
        user = body["messages"][-1]["content"]
        if title in user:
            return str(user)
    raise AssertionError(f"no request for {title}")


def test_full_text_reads_the_body_within_budget_and_falls_back(
    stage: Stage,
    sample: Fixture,
    web: WebStandin,
    cli,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    html_paper, pdf_paper, bare_paper = (r.paper for r in sample.records[:3])
    web.html[html_paper.versioned_id] = make_latexml_html(
        title=html_paper.title,
        sections=[("Introduction", "HTML-BODY-MARKER " + BODY), ("Method", BODY)],
        references=REFERENCES,
        appendix=[("Proofs", "APPENDIX-MARKER " + BODY)],
    )
    web.pdf[pdf_paper.versioned_id] = make_pdf(
        ["PDF-BODY-MARKER " + BODY[:900], "References", *REFERENCES]
    )
    monkeypatch.setenv("ARXIV_WEB_URL", web.url)
    monkeypatch.setenv("SUMMARIZER_FULL_TEXT_TOKENS", "300")
    run = cli("digest", "--date", "2026-01-07", "--format", "jekyll", "--full-text")
    assert run.code == 0, run.err

    html_prompt = _user_prompt(stage, html_paper.title)
    assert "HTML-BODY-MARKER" in html_prompt
    assert "REFERENCE-MARKER" not in html_prompt and "APPENDIX-MARKER" not in html_prompt
    body = html_prompt.split("Full text (may be truncated):\n", 1)[1]
    assert 200 < count_tokens(body) <= 300

    pdf_prompt = _user_prompt(stage, pdf_paper.title)
    assert "PDF-BODY-MARKER" in pdf_prompt and "REFERENCE-MARKER" not in pdf_prompt

    bare_prompt = _user_prompt(stage, bare_paper.title)
    assert "Full text" not in bare_prompt and bare_paper.abstract in bare_prompt
    assert "abstract only" in run.err  # the run's table says the body could not be had
    assert f"/html/{bare_paper.versioned_id}" in web.paths
    assert f"/pdf/{bare_paper.versioned_id}" in web.paths
