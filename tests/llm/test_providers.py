"""Provider profiles, detection, error meanings, answer extraction and the request body, at unit
level; the mode switch shared by a run's papers against the stand-in."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from summarizer_standins import ModelStandin, load_fixture
from summarizer_standins.provider_zoo import REJECTIONS

from summarizer.core.errors import InputError, ModelError, ModelFatalError
from summarizer.llm.answers import NoJSON, extract_json, strip_reasoning, visible_answer
from summarizer.llm.attempts import Summarizer
from summarizer.llm.client import OpenAIChat
from summarizer.llm.failures import ErrorReader, ShapeRejected
from summarizer.llm.providers import PROVIDERS, detect, profiles, reason_of
from summarizer.llm.request import build_request, first_mode, request_body, sdk_arguments
from summarizer.run.settings import load_settings
from tests.support.llm import PAPERS, summarize_papers

# --- the table ------------------------------------------------------------------------------------


def test_every_provider_has_a_complete_row() -> None:
    table = profiles()
    assert set(table) == set(PROVIDERS)
    for profile in table.values():
        assert profile.model and 0 < profile.timeout <= 900
        assert profile.mode in {"auto", "json_schema", "json_object", "tools"}
    assert {name for name, p in table.items() if p.batch} == {"openai", "dashscope"}
    assert table["dashscope"].extra == {"enable_thinking": False}
    assert table["deepseek"].mode == "json_object" and table["generic"].mode == "auto"
    assert table["openai"].model == "gpt-4o-mini"


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        (None, "openai"),
        ("https://api.openai.com/v1", "openai"),
        ("https://api.deepseek.com", "deepseek"),
        ("https://api.deepseek.com/v1", "deepseek"),
        ("https://dashscope.aliyuncs.com/compatible-mode/v1", "dashscope"),
        ("https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "dashscope"),
        ("http://localhost:11434/v1", "ollama"),
        ("http://192.168.1.5:11434/v1", "ollama"),
        ("http://localhost:8000/v1", "generic"),
        ("https://openrouter.ai/api/v1", "generic"),
        ("https://api.deepseek.com.evil.example/v1", "generic"),
    ],
)
def test_auto_detects_the_provider_from_the_base_url(url: str | None, provider: str) -> None:
    assert detect(url) == provider
    settings = load_settings(openai_base_url=url)
    assert settings.llm.provider_profile.name == provider


def test_defaults_come_from_the_profile_and_settings_win() -> None:
    deepseek = load_settings(openai_base_url="https://api.deepseek.com/v1").llm
    assert deepseek.model == "deepseek-chat" and deepseek.timeout == 600
    assert "model" not in deepseek.model_fields_set
    given_ = load_settings(
        openai_base_url="https://api.deepseek.com/v1", model="deepseek-reasoner", request_timeout=42
    ).llm
    assert given_.model == "deepseek-reasoner" and given_.timeout == 42
    ollama = load_settings(provider="ollama", openai_base_url="http://example.com/v1").llm
    assert ollama.provider_profile.name == "ollama" and ollama.timeout == 900
    assert load_settings().llm.model == "gpt-4o-mini"
    assert load_settings().llm.response_mode == "auto"


def test_timeouts_up_to_900_seconds_are_allowed() -> None:
    assert load_settings(request_timeout=900).llm.timeout == 900
    with pytest.raises(InputError, match="less than or equal to 900"):
        load_settings(request_timeout=901)


# --- what error bodies mean -----------------------------------------------------------------------


def reader(provider: str = "generic") -> ErrorReader:
    return ErrorReader(profile=profiles()[provider], model="m", base_url="http://h/v1")


@pytest.mark.parametrize(
    ("name", "expected", "words"),
    [
        ("deepseek", ShapeRejected, "unavailable now"),
        ("deepseek-422", ShapeRejected, "json_schema"),
        ("deepseek-402", ModelFatalError, "Insufficient Balance"),
        ("arrearage", ModelFatalError, "good standing"),
        ("insufficient_quota", ModelFatalError, "exceeded your current quota"),
        ("unknown-model", ModelFatalError, "SUMMARIZER_MODEL"),
        ("no-structured", ShapeRejected, "not supported"),
        ("context-length", ModelError, "maximum context length"),
    ],
)
def test_each_zoo_body_means_what_the_provider_meant(name: str, expected: type, words: str) -> None:
    status, body = REJECTIONS[name]
    text = body if isinstance(body, str) else json.dumps(body)
    exc = reader().status_error(
        status=status, body=None if isinstance(body, str) else body, text=text, mode="json_schema"
    )
    assert isinstance(exc, expected) and (expected is not ModelError or type(exc) is ModelError)
    assert words in (exc.reason if isinstance(exc, ShapeRejected) else str(exc))


def test_a_404_without_a_model_complaint_names_the_base_url() -> None:
    exc = reader().status_error(
        status=404, body={"error": {"message": "Not Found"}}, text="", mode="json_schema"
    )
    assert isinstance(exc, ModelFatalError)
    assert "OPENAI_BASE_URL" in str(exc) and "/v1" in str(exc) and "no model" not in str(exc)


def test_the_providers_reason_is_redacted_and_short() -> None:
    body = {"error": {"message": "Incorrect API key provided: sk-abcdefghijklmnopqrstuvwxyz " * 9}}
    reason = reason_of(body)
    assert "sk-abcdefghijklmnop" not in reason and len(reason) <= 200


def test_the_enable_thinking_demand_is_a_shape_with_the_field_it_needs() -> None:
    status, body = REJECTIONS["dashscope"]
    exc = reader().status_error(status=status, body=body, text="", mode="json_schema")
    assert isinstance(exc, ShapeRejected) and exc.needs == {"enable_thinking": False}


# --- answers as endpoints send them ---------------------------------------------------------------

ANSWER = {"tldr": "一句话。", "motivation": "动机", "method": "方法", "result": "结果"}
TEXT = json.dumps(ANSWER, ensure_ascii=False)


@pytest.mark.parametrize(
    ("content", "reasoning"),
    [
        (f"<think>\nLet me think {{not json}}.\n</think>\n\n{TEXT}", None),
        (f"<THINK>x</THINK>{TEXT}", None),
        (f"thinking only closed at the end\n</think>\n{TEXT}", None),
        (f"Here you are:\n```json\n{TEXT}\n```\nAnything else?", None),
        (f"Sure! {TEXT} Hope this helps.", None),
        (None, TEXT),
        ("", f"The user wants JSON. {TEXT}"),
        (f"<think>never closed, answer inside {TEXT}", None),
    ],
)
def test_the_json_is_found_where_endpoints_put_it(content: str | None, reasoning: str) -> None:
    assert extract_json(content, reasoning) == ANSWER


def test_no_json_says_why() -> None:
    with pytest.raises(NoJSON, match="empty"):
        extract_json("<think>only thoughts</think>", None)
    with pytest.raises(NoJSON, match="not valid JSON"):
        extract_json("I cannot answer that.", "still no braces")


def test_reasoning_never_goes_back() -> None:
    assert visible_answer(f"<think>secret plan</think>{TEXT}") == TEXT
    assert visible_answer("<think>unclosed secret") == ""
    assert strip_reasoning(f"plan</think>{TEXT}") == TEXT


@given(
    st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=20), min_size=1, max_size=4),
    st.sampled_from(["{}", "<think>{}</think>\n{}", "Answer:\n```json\n{}\n```\nDone.", "x {} y"]),
    st.text(alphabet="abc .,!?", max_size=30),
)
def test_any_object_survives_any_wrapping(data: dict[str, str], wrap: str, noise: str) -> None:
    text = json.dumps(data, ensure_ascii=False)
    content = wrap.replace("{}", noise, 1).replace("{}", text) if wrap.count("{}") == 2 else None
    content = content or wrap.replace("{}", text)
    assert extract_json(content) == data


# --- one request body ---------------------------------------------------------------------------


def test_build_request_is_what_the_client_sends() -> None:
    profile = profiles()["dashscope"]
    with ModelStandin.from_fixture(load_fixture("sample-toc")) as model:

        async def go() -> None:
            client = OpenAIChat(
                api_key="sk-unit",
                base_url=model.base_url,
                model="qwen-plus",
                timeout=5,
                profile=profile,
            )
            summarizer = Summarizer(client=client, mode="auto", profile=profile)
            try:
                await summarizer.summarize(PAPERS[0], "brief")
            finally:
                await client.close()

        asyncio.run(go())
        (sent,) = model.bodies
    expected = build_request(
        kind="brief", paper=PAPERS[0], mode="json_object", profile=profile, model="qwen-plus"
    )
    assert sent == expected and sent["enable_thinking"] is False


def test_sdk_arguments_put_unknown_fields_in_extra_body() -> None:
    body = request_body(
        kind="brief", messages=[], mode="json_object", model="m", extra={"enable_thinking": False}
    )
    args = sdk_arguments(body)
    assert args["extra_body"] == {"enable_thinking": False} and "enable_thinking" not in args


def test_first_mode() -> None:
    table = profiles()
    assert first_mode("auto", table["generic"]) == "json_schema"
    assert first_mode("auto", table["deepseek"]) == "json_object"
    assert first_mode("tools", table["deepseek"]) == "tools"


# --- the mode switch is the run's, not a paper's --------------------------------------------------


def run_all(model: ModelStandin, mode: str) -> list[Any]:
    """Every sample paper at once, four in flight, waiting as a run waits."""
    return summarize_papers(model.base_url, PAPERS, mode=mode, concurrency=4, sleep=asyncio.sleep)


def test_auto_mode_switches_once_and_charges_no_attempt() -> None:
    with ModelStandin.from_fixture(load_fixture("sample-toc")) as model:
        model.behave("deepseek")
        outcomes = run_all(model, "auto")
        assert all(getattr(o, "attempts", None) == 1 for o in outcomes), outcomes
        assert 1 <= model.status_counts[400] <= 4


def test_a_fixed_mode_that_is_rejected_stops_with_the_setting_to_change() -> None:
    with ModelStandin.from_fixture(load_fixture("sample-toc")) as model:
        model.behave("deepseek")
        outcomes = run_all(model, "json_schema")
        assert all(isinstance(o, ModelFatalError) for o in outcomes)
        assert "SUMMARIZER_RESPONSE_MODE=auto" in str(outcomes[0])
        assert model.requests <= 4


# --- unreachable only counts before the first answer ---------------------------------------------


def test_a_lost_connection_after_an_answer_is_transient_not_fatal() -> None:
    from summarizer.llm.client import TransientError
    from summarizer.llm.request import messages_for

    messages = messages_for("brief", PAPERS[0], language="zh")

    async def ask(client: OpenAIChat) -> Any:
        try:
            return await client.complete(messages=messages, kind="brief", mode="json_schema")
        except Exception as exc:  # noqa: BLE001 - the outcome is what is tested
            return exc

    model = ModelStandin.from_fixture(load_fixture("sample-toc")).start()
    url = model.base_url

    async def go() -> tuple[Any, Any, Any, OpenAIChat]:
        client = OpenAIChat(api_key="sk-unit", base_url=url, model="m", timeout=5)
        fresh = OpenAIChat(api_key="sk-unit", base_url=url, model="m", timeout=5)
        try:
            first = await ask(client)
            await asyncio.to_thread(model.stop)  # nothing listens there any more
            return first, await ask(client), await ask(fresh), client
        finally:
            await client.close()
            await fresh.close()

    try:
        first, later, never, client = asyncio.run(go())
    finally:
        model.stop()
    assert first.text and client.answered
    assert isinstance(later, TransientError), later
    assert isinstance(never, ModelFatalError) and "cannot reach" in str(never)


def test_deepseek_out_of_capacity_is_retried_without_feedback() -> None:
    with ModelStandin.from_fixture(load_fixture("sample-toc")) as model:
        model.behave("deepseek-busy")

        async def go() -> Any:
            client = OpenAIChat(api_key="sk-unit", base_url=model.base_url, model="m", timeout=5)
            summarizer = Summarizer(client=client, mode="json_object", max_attempts=2)

            async def no_wait(seconds: float) -> None:
                model.behave()  # capacity is back for the next attempt

            summarizer.sleep = no_wait
            try:
                return await summarizer.summarize(PAPERS[0], "brief")
            finally:
                await client.close()

        outcome = asyncio.run(go())
        assert outcome.attempts == 2
        assert [len(b["messages"]) for b in model.bodies] == [2, 2], "no feedback turn"


def test_deepseek_cache_hits_count_as_cached_tokens() -> None:
    from openai.types.chat import ChatCompletion

    from summarizer.llm.client import _completion

    response = ChatCompletion.model_validate(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "deepseek-chat",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": TEXT, "reasoning_content": "hm"},
                }
            ],
            # api-docs.deepseek.com/quick_start/pricing: the cache hits in their own field
            "usage": {
                "prompt_tokens": 100,
                "completion_tokens": 10,
                "total_tokens": 110,
                "prompt_cache_hit_tokens": 64,
                "prompt_cache_miss_tokens": 36,
            },
        }
    )
    completion = _completion(response)
    assert completion.usage.cached_tokens == 64 and "cached_tokens" in completion.usage_fields
    assert completion.reasoning == "hm" and completion.text == TEXT
