from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import requests
from summarizer_standins.web import WebStandin, make_latexml_html, make_pdf

from summarizer.llm.tokens import TokenizerUnavailable, count_tokens
from summarizer.sources import fulltext
from summarizer.sources.fulltext import cut_back_matter, fetch_body

PAPER = "2601.00001"
KEY = f"{PAPER}v1"
ABSTRACT = "We summarize papers. This abstract is the fallback when no full text can be read."

INTRO = (
    "Large language models BODYMARKER are trained on text. We measure the energy "
    "$E = mc^2$ of each run and report the loss curve for every configuration we tried."
)
METHOD = (
    "Our method fine-tunes a small model on arXiv abstracts and evaluates it on held-out "
    "mailings from three categories.\n\nA second paragraph METHODMARKER explains the data."
)
REFERENCES = ["A. Author. REFMARKER: a paper. Journal, 2020.", "B. Author. Another. 2021."]
APPENDIX = [("Proofs", "APPXMARKER The proof of the theorem is long and dull.")]
NOISE = [
    "script noise",
    "SCRIPT_NOISE",
    "Navigation noise",
    "header noise",
    "footer noise",
    "STYLE NOISE",
    "Report Issue",
    "console.log",
]


def paper_html(*, extra_paragraphs: int = 0) -> str:
    filler = "\n\n".join(
        f"Paragraph {i} discusses results on benchmark {i} in some detail."
        for i in range(1, 1 + extra_paragraphs)
    )
    sections = [("Introduction", INTRO), ("Method", METHOD)]
    if filler:
        sections.append(("Results", filler))
    return make_latexml_html(
        title="A Study of Summaries", sections=sections, references=REFERENCES, appendix=APPENDIX
    )


PDF_PAGES = [
    "A Study of Summaries\nAbstract\n1 Introduction\n"
    "Large language models BODYMARKER are trained on text and we measure them.\n"
    "Appendix B shows that the loss falls, as the figures in Section 4 confirm.\n"
    "We report the loss curve for every configuration that we tried in this work.",
    "2 Method\nOur method fine-tunes a small model on arXiv abstracts METHODMARKER.\n"
    "References\n[1] A. Author. REFMARKER: a paper. Journal, 2020.\n"
    "Appendix A Proofs\nAPPXMARKER The proof of the theorem is long and dull.",
]


@pytest.fixture
def web() -> Iterator[WebStandin]:
    with WebStandin() as standin:
        yield standin


def fetch(
    web: WebStandin,
    *,
    budget_tokens: int = 12000,
    timeout: float = 5.0,
    session: requests.Session | None = None,
) -> fulltext.Body:
    return fetch_body(
        paper_id=PAPER,
        version=1,
        abstract=ABSTRACT,
        web_url=web.url,
        budget_tokens=budget_tokens,
        timeout=timeout,
        session=session,
    )


def test_html_body_without_references_appendix_or_noise(web: WebStandin) -> None:
    web.html[KEY] = paper_html()
    web.pdf[KEY] = make_pdf(PDF_PAGES)

    body = fetch(web)

    assert body.source == "html"
    assert "BODYMARKER" in body.text
    assert "METHODMARKER" in body.text
    assert "A Study of Summaries" in body.text
    assert "1 Introduction" in body.text.splitlines()
    assert "REFMARKER" not in body.text
    assert "APPXMARKER" not in body.text
    for noise in NOISE:
        assert noise not in body.text
    assert body.text.count("E = mc^2") == 1  # the alttext, not the MathML inside it too
    assert body.tokens == count_tokens(body.text)
    assert web.paths == [f"/html/{KEY}"]


def test_html_body_is_cut_to_the_token_budget(web: WebStandin) -> None:
    web.html[KEY] = paper_html(extra_paragraphs=80)
    full = fetch(web)
    small = fetch(web, budget_tokens=200)

    assert full.tokens > 1000
    assert small.source == "html"
    assert small.tokens <= 200
    assert small.tokens == count_tokens(small.text)
    assert small.tokens > 150
    assert full.text.startswith(small.text)


def test_pdf_when_html_is_missing(web: WebStandin) -> None:
    web.pdf[KEY] = make_pdf(PDF_PAGES)

    body = fetch(web)

    assert body.source == "pdf"
    assert "BODYMARKER" in body.text
    assert "METHODMARKER" in body.text
    assert "Appendix B shows that the loss falls" in body.text
    assert "REFMARKER" not in body.text
    assert "APPXMARKER" not in body.text
    assert body.tokens == count_tokens(body.text)
    assert web.paths == [f"/html/{KEY}", f"/pdf/{KEY}"]


def test_pdf_when_html_has_no_article(web: WebStandin) -> None:
    web.html[KEY] = "<html><body><h1>Conversion failed</h1></body></html>"
    web.pdf[KEY] = make_pdf(PDF_PAGES)

    assert fetch(web).source == "pdf"


@pytest.mark.faults
def test_abstract_when_both_are_missing(web: WebStandin, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="summarizer.sources.fulltext"):
        body = fetch(web)

    assert body.source == "abstract"
    assert body.text == ABSTRACT
    assert body.tokens == count_tokens(ABSTRACT)
    assert web.paths == [f"/html/{KEY}", f"/pdf/{KEY}"]
    assert "HTTP 404" in caplog.text


@pytest.mark.faults
def test_abstract_when_the_pdf_is_not_a_pdf_or_empty(web: WebStandin) -> None:
    web.pdf[KEY] = b"<html>PDF is being generated</html>"
    assert fetch(web).source == "abstract"
    web.pdf[KEY] = make_pdf([""])
    assert fetch(web).source == "abstract"
    web.pdf[KEY] = b"%PDF-1.4\ngarbage"
    assert fetch(web).source == "abstract"


@pytest.mark.faults
def test_abstract_quickly_when_the_server_is_down() -> None:
    with WebStandin() as web:
        url = web.url
    started = time.monotonic()

    body = fetch_body(paper_id=PAPER, version=1, abstract=ABSTRACT, web_url=url, timeout=5.0)

    assert body.source == "abstract"
    assert body.text == ABSTRACT
    assert time.monotonic() - started < 10  # refused at once; the bound only catches long waits


@pytest.mark.faults
def test_abstract_when_requests_time_out(web: WebStandin) -> None:
    web.html[KEY] = paper_html()
    web.delay = 20.0  # far past the timeout: finishing well before it proves the timeout cut in
    started = time.monotonic()

    body = fetch(web, timeout=1.0)

    assert body.source == "abstract"
    assert time.monotonic() - started < 12  # generous: a loaded machine must not fail this


def test_uses_and_keeps_open_a_given_session(web: WebStandin) -> None:
    web.html[KEY] = paper_html()
    with requests.Session() as session:
        assert fetch(web, session=session).source == "html"
        assert fetch(web, session=session).source == "html"
    assert web.requests == 2


def test_missing_tokenizer_raises_before_any_request(
    web: WebStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable() -> None:
        raise TokenizerUnavailable("no encoding")

    monkeypatch.setattr(fulltext, "encoding", unavailable)
    with pytest.raises(TokenizerUnavailable):
        fetch(web)
    assert web.requests == 0


BODY = "Body text that is long enough to count as the body of a paper. " * 5


@pytest.mark.parametrize(
    "heading",
    [
        "References",
        "REFERENCES",
        "7 References",
        "VII. REFERENCES",
        "Bibliography",
        "参考文献",
        "Appendix",
        "APPENDIX",
        "Appendices",
        "Appendix A",
        "Appendix A: Proofs",
        "APPENDIX A PROOFS",
        "Appendix B.2 Extra Results",
    ],
)
def test_cut_back_matter_at_headings(heading: str) -> None:
    assert cut_back_matter(f"{BODY}\n{heading}\nTAIL\n") == f"{BODY}\n"


@pytest.mark.parametrize(
    "line",
    [
        "Appendix B shows that the loss falls.",
        "References to prior work are given below, e.g.",
        "A Appendix is not cut here",
        "We thank the references.",
    ],
)
def test_cut_back_matter_keeps_body_lines(line: str) -> None:
    text = f"{BODY}\n{line}\nTAIL\n"
    assert cut_back_matter(text) == text


def test_cut_back_matter_ignores_headings_at_the_very_start() -> None:
    text = f"Contents\nReferences\n{BODY}\nReferences\nTAIL"
    assert cut_back_matter(text) == f"Contents\nReferences\n{BODY}\n"
