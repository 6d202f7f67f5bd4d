"""The stand-ins, driven through the real `arxiv` and `openai` clients."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import arxiv
import openai
import pytest
from summarizer_standins import (
    REFUSAL,
    ArxivStandin,
    ModelStandin,
    load_fixture,
    synthetic_answer,
    synthetic_papers,
)
from summarizer_standins.fixtures import DATA_DIR

from summarizer.core.records import Brief, Detailed, Paper
from summarizer.sources.arxiv import ArxivSource
from tests.support import build

pytestmark = pytest.mark.faults
CATS = ["eess.SP", "eess.AS", "cs.SD"]
START, END = datetime(2026, 1, 5, 19, tzinfo=UTC), datetime(2026, 1, 6, 19, tzinfo=UTC)
QUERY = "(cat:eess.SP OR cat:eess.AS OR cat:cs.SD) AND submittedDate:[202601051900 TO 202601061900]"
ZH = {"language": "zh"}


def make_paper(pid: str, published: datetime, cats: list[str], **kw: Any) -> Paper:
    return build.paper(
        pid, published=published, categories=cats, authors=["A. Author", "B. Author"], **kw
    )


def client() -> arxiv.Client:
    return arxiv.Client(page_size=10, delay_seconds=0, num_retries=3)


def fetch(s: ArxivStandin, search: arxiv.Search, c: arxiv.Client | None = None) -> list[Any]:
    c = c or client()
    c.query_url_format = s.url + "?{}"
    return list(c.results(search))


def by_date(query: str = QUERY) -> arxiv.Search:
    return arxiv.Search(
        query,
        max_results=None,
        sort_by=arxiv.SortCriterion.SubmittedDate,
        sort_order=arxiv.SortOrder.Ascending,
    )


@pytest.fixture(scope="module")
def corpus() -> list[Paper]:
    return synthetic_papers(25, day_window_start=START, day_window_end=END, categories=CATS)


# --- fixtures ---------------------------------------------------------------------------------


def test_synthetic_papers_are_deterministic_and_realistic(corpus: list[Paper]) -> None:
    again = synthetic_papers(25, day_window_start=START, day_window_end=END, categories=CATS)
    assert again == corpus
    assert [p.id for p in corpus] == sorted(p.id for p in corpus)
    assert all(p.id.startswith("2601.9") for p in corpus)
    assert all(START <= p.published < END for p in corpus)
    assert all(150 <= len(p.abstract.split()) <= 250 for p in corpus)
    assert len({p.title for p in corpus}) == len(corpus)
    assert all(p.primary_category in CATS and p.primary_category in p.categories for p in corpus)


def test_load_fixture_by_path_and_by_name(tmp_path: Path) -> None:
    paper = make_paper("2601.00001", START, ["eess.SP"])
    raw = {
        "day": "2026-01-07",
        "categories": ["eess.SP"],
        "records": [
            {"paper": json.loads(paper.model_dump_json()), "brief": None, "detailed": None}
        ],
    }
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    fixture = load_fixture(path)
    assert fixture.day.isoformat() == "2026-01-07" and fixture.papers == [paper]
    with pytest.raises(FileNotFoundError):
        load_fixture("no-such-fixture")
    for name in ("sample-toc", "sample-jekyll"):
        if (DATA_DIR / f"{name}.json").exists():
            assert load_fixture(name).records


def test_synthetic_answers_validate_in_chinese() -> None:
    brief, detailed = synthetic_answer("brief", "x"), synthetic_answer("detailed", "x")
    Brief.model_validate(brief, context=ZH)
    Detailed.model_validate(detailed, context=ZH)
    assert synthetic_answer("brief", "x") == brief
    with pytest.raises(ValueError):
        Brief.model_validate(synthetic_answer("brief", "x", english=True), context=ZH)


# --- arXiv ------------------------------------------------------------------------------------


def test_arxiv_pages_through_the_client(corpus: list[Paper]) -> None:
    with ArxivStandin(corpus) as s:
        results = fetch(s, by_date())
        assert [r.get_short_id() for r in results] == [p.versioned_id for p in corpus]
        assert s.requests == 3 and [e["start"] for e in s.log] == [0, 10, 20]
        first, paper = results[0], corpus[0]
        assert first.summary.startswith("\n") and first.summary.strip() == paper.abstract
        assert first.title == paper.title and [a.name for a in first.authors] == paper.authors
        assert first.primary_category == paper.primary_category
        assert first.categories == paper.categories and first.published == paper.published
        assert first.pdf_url == paper.pdf_url
        assert first.comment is None and first.journal_ref is None  # arXiv sends none: absent
        newest = fetch(
            s, arxiv.Search(QUERY, max_results=3, sort_by=arxiv.SortCriterion.SubmittedDate)
        )
        assert [r.get_short_id()[:10] for r in newest] == [p.id for p in corpus[::-1][:3]]


def test_arxiv_comment_and_journal_ref_reach_the_paper_as_sent() -> None:
    comment = "Accepted to ICASSP 2026. Code: https://github.com/x/y. <5 pages> & 3 figures"
    papers = [
        make_paper("2601.00011", START, ["eess.AS"], comment=comment, journal_ref="IEEE SPL 33"),
        make_paper("2601.00012", START, ["eess.AS"]),
    ]
    with ArxivStandin(papers) as s:
        results = fetch(s, by_date())
        source = ArxivSource(api_url=s.url, delay=0.0)
        fetched = source.by_ids([(p.id, None) for p in papers])
    assert [(r.comment, r.journal_ref) for r in results] == [
        (comment, "IEEE SPL 33"),
        (None, None),
    ]
    assert sorted(fetched, key=lambda p: p.id) == papers  # every field survives the round trip


def test_arxiv_query_categories_and_inclusive_minute_range() -> None:
    minute = timedelta(minutes=1)
    papers = [
        make_paper("2601.00001", START - timedelta(seconds=1), ["eess.SP"]),  # before A
        make_paper("2601.00002", START, ["cs.SD", "cs.LG"]),  # at A:00
        make_paper("2601.00003", END + minute - timedelta(seconds=1), ["eess.AS"]),  # B:59
        make_paper("2601.00004", END + minute, ["eess.SP"]),  # B + 1 minute
        make_paper("2601.00005", START + minute, ["cs.LG", "eess.SP"]),  # cross-list
        make_paper("2601.00006", START + minute, ["cs.LG"]),  # other category
    ]
    with ArxivStandin(papers) as s:
        got = [r.get_short_id() for r in fetch(s, by_date())]
        assert got == ["2601.00002v1", "2601.00005v1", "2601.00003v1"]
        swapped = "submittedDate:[202601051900 TO 202601061900] AND cat:cs.LG"
        assert len(fetch(s, by_date(swapped))) == 3
        assert len(fetch(s, by_date("cat:eess.SP"))) == 3


def test_arxiv_id_list_with_and_without_version() -> None:
    papers = [
        make_paper("2601.02394", START, ["eess.SP"], version=2),
        make_paper("hep-th/9901001", START, ["hep-th"]),
        make_paper("2601.00007", START, ["cs.LG"]),
    ]
    with ArxivStandin(papers) as s:
        ids = ["2601.02394", "hep-th/9901001v1", "2601.99999", "2601.02394v1"]
        got = [r.get_short_id() for r in fetch(s, arxiv.Search(id_list=ids))]
        assert got == ["2601.02394v2", "hep-th/9901001v1"]
        assert fetch(s, arxiv.Search(id_list=["2601.02394v1"]))[0].pdf_url.endswith("v1")
        assert fetch(s, arxiv.Search(id_list=["2601.99999"])) == []
        both = arxiv.Search("cat:eess.SP", id_list=["2601.02394", "2601.00007"])
        assert [r.get_short_id() for r in fetch(s, both)] == ["2601.02394v2"]
        s.add(make_paper("2601.02394", START, ["eess.SP"], version=3, title="New & <better>"))
        again = fetch(s, arxiv.Search(id_list=["2601.02394"]))
        assert again[0].get_short_id() == "2601.02394v3" and again[0].title == "New & <better>"
        assert len(s.papers) == 3


def test_arxiv_malformed_query_is_a_400_with_an_atom_error(corpus: list[Paper]) -> None:
    with ArxivStandin(corpus) as s:
        for bad in [
            "cat:eess.SP AND",
            "(cat:eess.SP",
            "submittedDate:[2026 TO 2027]",
            "foo:bar",
            "cat:eess.SP cat:cs.SD",
        ]:
            with pytest.raises(arxiv.HTTPError) as err:
                fetch(s, by_date(bad), arxiv.Client(delay_seconds=0, num_retries=0))
            assert err.value.status == 400
        with pytest.raises(urllib.error.HTTPError) as http_err:
            urllib.request.urlopen(s.url + "?id_list=not-an-id")
        assert b"<title>Error</title>" in http_err.value.read()


@pytest.mark.parametrize("kind", ["503", "500", "reset"])
def test_arxiv_failures_are_retried_by_the_client(corpus: list[Paper], kind: str) -> None:
    with ArxivStandin(corpus) as s:
        s.fail_next(kind)
        assert len(fetch(s, by_date())) == 25
        assert s.requests == 4 and s.log[0]["fault"] == kind and s.log[1]["status"] == 200


def test_arxiv_gives_up_after_the_clients_retries(corpus: list[Paper]) -> None:
    with ArxivStandin(corpus) as s:
        s.fail_next("503", "503", "503", "503")
        with pytest.raises(arxiv.HTTPError):
            fetch(s, by_date())
        assert s.requests == 4


def test_arxiv_empty_page(corpus: list[Paper]) -> None:
    with ArxivStandin(corpus) as s:
        s.fail_next("empty")  # on the first page the client trusts it and yields nothing
        assert fetch(s, by_date()) == []
        s.reset_counters()
        assert fetch(s, by_date()) and s.requests == 3
        s.reset_counters()
        s.fail_next()
        c = client()
        c.query_url_format = s.url + "?{}"
        results = c.results(by_date())
        assert next(results)
        s.fail_next("empty")  # page 2: UnexpectedEmptyPageError, retried
        assert len([1, *results]) == 25 and s.requests == 4


def test_arxiv_slow_and_latency(corpus: list[Paper]) -> None:
    with ArxivStandin(corpus[:5], slow_seconds=0.3) as s:
        s.fail_next("slow")
        began = time.monotonic()
        assert len(fetch(s, by_date())) == 5
        assert time.monotonic() - began >= 0.3
        s.latency = 0.1
        began = time.monotonic()
        fetch(s, by_date())
        assert time.monotonic() - began >= 0.1
        with pytest.raises(ValueError):
            s.fail_next("bogus")


# --- the model --------------------------------------------------------------------------------

KNOWN = "Known Paper: A Study of   Things"
KNOWN_BRIEF = {
    "tldr": "一句话总结。",
    "motivation": "研究动机。",
    "method": "方法说明。",
    "result": "实验结果。",
    "conclusion": "结论。",
}


def model(**kw: Any) -> ModelStandin:
    return ModelStandin({KNOWN: {"brief": KNOWN_BRIEF, "detailed": None}}, **kw)


def oai(s: ModelStandin, **kw: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=s.base_url, api_key="sk-test", max_retries=0, **kw)


def ask(c: openai.OpenAI, title: str = KNOWN, kind: str = "brief", **kw: Any) -> Any:
    fields = (
        "tldr, motivation, method, result, conclusion"
        if kind == "brief"
        else ("translation, background, method, results")
    )
    messages = [
        {"role": "system", "content": f"Answer in Chinese JSON with keys {fields}."},
        {"role": "user", "content": f"Title: {' '.join(title.split())}\n\nAbstract: x"},
    ]
    return c.chat.completions.create(
        model="m-1",
        messages=messages,  # type: ignore[arg-type]
        **kw,
    )


def test_model_response_modes() -> None:
    kw: dict[str, Any]
    schema = {
        "type": "json_schema",
        "json_schema": {"name": "detailed", "schema": Detailed.model_json_schema(), "strict": True},
    }
    tool = {"type": "function", "function": {"name": "submit", "parameters": {}}}
    with model() as s:
        c = oai(s)
        for kw in ({"response_format": {"type": "json_object"}}, {}):
            r = ask(c, KNOWN, "brief", **kw)
            assert json.loads(r.choices[0].message.content) == KNOWN_BRIEF
            assert r.choices[0].finish_reason == "stop" and r.model == "m-1"
        r = ask(c, response_format=schema)  # the known paper has no detailed: synthetic one
        Detailed.model_validate_json(r.choices[0].message.content, context=ZH)
        r = ask(c, "Unseen Paper", kind="detailed", tools=[tool])
        call = r.choices[0].message.tool_calls[0]
        assert r.choices[0].finish_reason == "tool_calls" and r.choices[0].message.content is None
        assert call.function.name == "submit"
        Detailed.model_validate_json(call.function.arguments, context=ZH)
        parsed = c.chat.completions.parse(
            model="m-1",
            response_format=Brief,
            messages=[{"role": "user", "content": f"Summarize {KNOWN}"}],
        )
        assert parsed.choices[0].message.parsed == Brief(**KNOWN_BRIEF)
        assert s.by_paper == {KNOWN: 4, "Unseen Paper": 1} and s.status_counts == {200: 5}
        assert len(s.bodies) == 5 and s.bodies[0]["model"] == "m-1"


def test_model_usage_and_counters() -> None:
    with model() as s:
        s.cached_prefix_tokens = 10**9
        usage = ask(oai(s)).usage
        assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
        assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
        assert usage.prompt_tokens_details.cached_tokens == usage.prompt_tokens
        assert ask(oai(s)).usage == usage
        s.keep_bodies = False
        s.reset_counters()
        ask(oai(s))
        assert s.requests == 1 and s.bodies == [] and s.by_paper == {KNOWN: 1}


def test_model_auth() -> None:
    with model(expected_key="sk-right") as s:
        request = urllib.request.Request(
            s.base_url + "/chat/completions", data=b"{}", method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request)
        assert err.value.code == 401 and "error" in json.loads(err.value.read())
        with pytest.raises(openai.AuthenticationError) as auth:
            ask(oai(s))
        assert auth.value.code == "invalid_api_key"


def test_model_http_faults() -> None:
    with model() as s:
        s.retry_after = "7"
        s.fail_next("429", "quota", "401", "403", "500", "502", "503")
        c = oai(s)
        with pytest.raises(openai.RateLimitError) as limited:
            ask(c)
        assert limited.value.response.headers["retry-after"] == "7"
        with pytest.raises(openai.RateLimitError) as quota:
            ask(c)
        assert quota.value.code == "insufficient_quota" and quota.value.type == "insufficient_quota"
        with pytest.raises(openai.AuthenticationError):
            ask(c)
        with pytest.raises(openai.PermissionDeniedError):
            ask(c)
        for status in (500, 502, 503):
            with pytest.raises(openai.InternalServerError) as err:
                ask(c)
            assert err.value.status_code == status
        assert ask(c).choices[0].message.content
        assert s.status_counts == {429: 2, 401: 1, 403: 1, 500: 1, 502: 1, 503: 1, 200: 1}


def test_model_content_faults() -> None:
    with model() as s:
        c = oai(s)
        s.fail_next("malformed", "length", "empty", "wrong_keys", "english", "refusal")
        with pytest.raises(ValueError):
            json.loads(ask(c).choices[0].message.content)
        truncated = ask(c).choices[0]
        assert truncated.finish_reason == "length"
        assert ask(c).choices[0].message.content == ""
        with pytest.raises(ValueError):
            Brief.model_validate_json(ask(c).choices[0].message.content, context=ZH)
        english = ask(c).choices[0].message.content
        Brief.model_validate_json(english, context={"language": "any"})
        with pytest.raises(ValueError):
            Brief.model_validate_json(english, context=ZH)
        refused = ask(c).choices[0].message
        assert refused.content is None and refused.refusal == REFUSAL


def test_model_timeout_and_reset_and_prompt_stop() -> None:
    s = model().start()
    try:
        s.fail_next("timeout", "reset")
        with pytest.raises(openai.APITimeoutError):
            ask(oai(s, timeout=0.3))
        with pytest.raises(openai.APIConnectionError) as err:
            ask(oai(s))
        assert not isinstance(err.value, openai.APITimeoutError)
        s.always("timeout")
        with ThreadPoolExecutor(2) as pool:
            hung = [pool.submit(ask, oai(s, timeout=5)) for _ in range(2)]
            while s.in_flight < 2:
                time.sleep(0.01)
            began = time.monotonic()
            s.stop()  # held requests are answered or cut off at once, not after hang_seconds
            done, _ = wait(hung, timeout=10)
            assert len(done) == 2 and time.monotonic() - began < 10  # not hang_seconds (30)
    finally:
        s.stop()


def test_model_fail_first_per_paper_and_kind() -> None:
    with model() as s:
        s.fail_first(["500", "429"])
        c = oai(s)
        for title in (KNOWN, "Another Paper"):
            for kind in ("brief", "detailed"):
                with pytest.raises(openai.InternalServerError):
                    ask(c, title, kind)
                with pytest.raises(openai.RateLimitError):
                    ask(c, title, kind)
                ask(c, title, kind)
        assert s.by_paper == {KNOWN: 6, "Another Paper": 6}


def status_of(c: openai.OpenAI) -> int:
    try:
        ask(c)
    except openai.APIStatusError as err:
        return err.status_code
    return 200


def test_model_random_5xx_and_always() -> None:
    with model() as s:
        c = oai(s)
        s.random_5xx(0.5, seed=3)
        first = [status_of(c) for _ in range(20)]
        assert 0 < first.count(200) < 20 and set(first) <= {200, 500, 502, 503}
        s.random_5xx(0.5, seed=3)
        assert [status_of(c) for _ in range(20)] == first
        s.clear_faults()
        s.always("503")
        assert status_of(c) == 503
        s.always(None)
        assert status_of(c) == 200


def test_model_in_flight_and_rpm_limits() -> None:
    # The barrier sends all four together; the latency keeps the first two in flight meanwhile,
    # even on a loaded machine.
    start = threading.Barrier(4)

    def together(client: openai.OpenAI) -> object:
        start.wait(timeout=10)
        return ask(client)

    with model(latency=(1.5, 0.0), max_in_flight=2) as s:
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(together, oai(s)) for _ in range(4)]
        errors = [f.exception() for f in futures]
        limited = [e for e in errors if isinstance(e, openai.RateLimitError)]
        assert len(limited) == 2 and errors.count(None) == 2
        assert limited[0].response.headers["retry-after"] == "1"
        assert s.peak_in_flight == 2
    with model(rpm_limit=2) as s:
        c = oai(s)
        ask(c)
        ask(c)
        with pytest.raises(openai.RateLimitError) as err:
            ask(c)
        assert int(err.value.response.headers["retry-after"]) > 1


def test_model_answers_bundled_fixture() -> None:
    if not (DATA_DIR / "sample-toc.json").exists():
        pytest.skip("no bundled sample")
    fixture = load_fixture("sample-toc")
    record = next(r for r in fixture.records if r.brief is not None)
    with ModelStandin.from_fixture(fixture) as s:
        r = ask(oai(s), record.paper.title)
        assert json.loads(r.choices[0].message.content) == record.brief
