"""The batch engine's parts: request files within the provider's limits, result lines, the batch
price, and the stand-in's Files/Batches semantics (openai-python `types/batch.py`)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from summarizer_standins.openai_api import ModelStandin
from summarizer_standins.synthetic import synthetic_answer

from summarizer.batch.collect import Collector
from summarizer.batch.requests import require_batch_api
from summarizer.core.errors import InputError
from summarizer.core.records import Usage
from summarizer.llm.batch import (
    BatchLimits,
    BatchRequest,
    RequestKey,
    batch_limits,
    write_request_files,
)
from summarizer.llm.batch_results import BatchResult, read_results
from summarizer.llm.client import Completion
from summarizer.llm.cost import Price
from summarizer.run.settings import load_settings
from summarizer.store.batch_ledger import BatchLedger
from summarizer.store.database import Store


def _request(number: int, size: int = 10) -> BatchRequest:
    key = RequestKey(f"2601.{number:05d}", 1, "brief", "brief-v1", "gpt-4o-mini")
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x" * size}]}
    return BatchRequest(key=key, body=body, day="2026-01-07")


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=400), max_size=60),
    max_requests=st.integers(min_value=1, max_value=20),
    max_bytes=st.integers(min_value=600, max_value=3000),
)
def test_request_files_hold_every_request_once_within_the_limits(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], max_requests: int, max_bytes: int
) -> None:
    directory = tmp_path_factory.mktemp("files")
    limits = BatchLimits(max_requests=max_requests, max_bytes=max_bytes)
    requests = [_request(n, size) for n, size in enumerate(sizes)]
    files = list(write_request_files(requests, directory=directory, stem="d", limits=limits))
    seen = []
    for file in files:
        data = file.path.read_bytes()
        assert len(data) == file.size <= max_bytes
        lines = data.splitlines()
        assert 1 <= len(lines) == len(file.requests) <= max_requests
        for line, (key, day, source) in zip(lines, file.requests, strict=True):
            record = json.loads(line)
            assert record["custom_id"] == key.custom_id
            assert record["method"] == "POST" and record["url"] == "/v1/chat/completions"
            assert day == "2026-01-07" and source == "abstract"
            seen.append(record["custom_id"])
    assert seen == [r.key.custom_id for r in requests]
    # files are cut only when the next line would not fit
    for first, second in zip(files, files[1:], strict=False):
        following = len(second.path.read_bytes().splitlines(keepends=True)[0])
        assert len(first.requests) == max_requests or first.size + following > max_bytes


def test_custom_id_names_paper_version_kind_prompt_and_model() -> None:
    key = RequestKey("hep-th/9901001", 2, "detailed", "detailed-v3", "qwen-plus")
    assert key.custom_id == "hep-th/9901001v2:detailed:detailed-v3:qwen-plus"


def test_result_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    completion = {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "{}"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    lines = [
        {"custom_id": "a", "response": {"status_code": 200, "body": completion}, "error": None},
        {
            "custom_id": "b",
            "response": {"status_code": 500, "body": {"error": {"message": "boom"}}},
            "error": None,
        },
        {"custom_id": "c", "response": None, "error": {"code": "batch_expired", "message": ""}},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n", "utf-8")
    a, b, c = read_results(path)
    assert a.completion is not None and a.completion.usage.prompt_tokens == 10
    assert b.completion is None and "500" in (b.error or "") and not b.unfinished
    assert c.unfinished


def test_batch_price_is_listed_or_half() -> None:
    usage = Usage(requests=1, prompt_tokens=1_000_000, completion_tokens=1_000_000)
    live = Price(input=0.2, cached_input=0.1, output=0.8)
    assert live.for_batch().cost(usage) == pytest.approx(live.cost(usage) / 2)
    listed = Price(input=0.2, cached_input=0.1, output=0.8, batch_input=0.05, batch_output=0.3)
    assert listed.for_batch().cost(usage) == pytest.approx(0.35)


def test_standin_batch_lifecycle_with_the_openai_sdk(tmp_path: Path) -> None:
    with ModelStandin(titles=["Paper One"]) as standin:
        api = standin.batch_api
        api.timing = (0.2, 0.4, 0.2)
        api.fail_fraction = 0.3
        client = openai.OpenAI(api_key="sk-test", base_url=standin.base_url, max_retries=0)
        lines = [_request(n).line() for n in range(40)]
        path = tmp_path / "in.jsonl"
        path.write_bytes(b"".join(lines))
        uploaded = client.files.create(file=path.open("rb"), purpose="batch")
        assert uploaded.purpose == "batch" and uploaded.bytes == path.stat().st_size
        assert client.files.content(uploaded.id).read() == path.read_bytes()
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        seen = [batch.status]
        while batch.status not in {"completed", "failed", "expired", "cancelled"}:
            time.sleep(0.05)
            batch = client.batches.retrieve(batch.id)
            if batch.status != seen[-1]:
                seen.append(batch.status)
        assert seen == ["validating", "in_progress", "finalizing", "completed"]
        assert batch.request_counts is not None and batch.request_counts.total == 40
        assert batch.request_counts.completed + batch.request_counts.failed == 40
        assert batch.output_file_id and batch.error_file_id
        output = client.files.content(batch.output_file_id).read().splitlines()
        errors = client.files.content(batch.error_file_id).read().splitlines()
        assert len(output) == batch.request_counts.completed and len(errors) > 0
        ids = [json.loads(line)["custom_id"] for line in output]
        assert ids != sorted(ids)  # shuffled, not in input order
        assert standin.requests == 0  # no chat request was made
        assert [b.id for b in client.batches.list()] == [batch.id]

        # a file with one request twice fails validation
        path.write_bytes(lines[0] * 2)
        bad = client.files.create(file=path.open("rb"), purpose="batch")
        failed = client.batches.create(
            input_file_id=bad.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        while failed.status == "validating":
            time.sleep(0.05)
            failed = client.batches.retrieve(failed.id)
        assert failed.status == "failed" and failed.errors and failed.errors.data

        # cancelling: what ran is in the output file, the rest is batch_cancelled
        api.timing, api.fail_fraction = (0.0, 2.0, 0.1), 0.0
        path.write_bytes(b"".join(lines))
        again = client.files.create(file=path.open("rb"), purpose="batch")
        running = client.batches.create(
            input_file_id=again.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        time.sleep(0.5)
        assert client.batches.cancel(running.id).status == "cancelling"
        time.sleep(0.2)
        done = client.batches.retrieve(running.id)
        assert done.status == "cancelled" and done.error_file_id
        cancelled = client.files.content(done.error_file_id).read().splitlines()
        assert 0 < len(cancelled) < 40
        assert all(json.loads(x)["error"]["code"] == "batch_cancelled" for x in cancelled)


def test_provider_limits() -> None:
    assert batch_limits(None) == BatchLimits(50_000, 200 * 1024 * 1024)
    assert batch_limits("https://api.openai.com/v1").max_bytes == 200 * 1024 * 1024
    dashscope = batch_limits("https://dashscope.aliyuncs.com/compatible-mode/v1")
    assert dashscope == BatchLimits(50_000, 100 * 1024 * 1024)


def test_answers_are_stored_as_they_arrive_not_at_the_end(tmp_path: Path) -> None:
    """A run killed while ingesting keeps every answer committed so far (every 500 lines)."""
    store = Store(tmp_path / "s.sqlite3")
    ledger = BatchLedger(store)
    requests = [_request(n) for n in range(600)]
    key = ledger.begin(endpoint="http://127.0.0.1/v1")
    ledger.add_requests(key, [(r.key, r.day, r.source) for r in requests])
    collector = Collector(store=store, ledger=ledger, language="zh", price=None)
    known = ledger.requests(key)

    def results() -> Iterator[BatchResult]:
        for request in requests:
            answer = json.dumps(synthetic_answer("brief", request.key.paper_id), ensure_ascii=False)
            usage = Usage(requests=1, prompt_tokens=100, completion_tokens=50)
            yield BatchResult(request.key.custom_id, Completion(answer, "stop", usage))
        raise KeyboardInterrupt  # the kill

    with pytest.raises(KeyboardInterrupt):
        collector.ingest(results(), lambda ids: {i: (key, known[i]) for i in ids})
    rows = store._read("SELECT COUNT(*) FROM summaries")
    outcomes = store._read("SELECT COUNT(*) FROM batch_requests WHERE outcome = 'ok'")
    assert rows == outcomes == [(500,)]


@pytest.mark.parametrize(
    ("provider", "base_url", "allowed"),
    [
        ("auto", None, True),
        ("auto", "https://api.deepseek.com/v1", False),
        ("auto", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", True),
        ("auto", "http://localhost:11434/v1", False),
        ("auto", "http://127.0.0.1:8000/v1", True),  # generic: tried, a 404 says there is none
        ("vllm", "http://127.0.0.1:8000/v1", False),
    ],
)
def test_which_provider_offers_a_batch_api(
    provider: str, base_url: str | None, allowed: bool
) -> None:
    settings = load_settings(provider=provider, openai_base_url=base_url).llm
    if allowed:
        require_batch_api(settings)
    else:
        with pytest.raises(InputError, match="--batch"):
            require_batch_api(settings)
