"""The chat-completions wire format as the stand-in speaks it: what a request asks for, and the
completion or error body an OpenAI-compatible endpoint sends back, faults included."""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

from .synthetic import synthetic_answer

REFUSAL = "I'm sorry, I can't help with that."
# kind -> (status, message, type, code)
ERRORS: dict[str, tuple[int, str, str, str | None]] = {
    "429": (
        429,
        "Rate limit reached for requests. Please try again later.",
        "requests",
        "rate_limit_exceeded",
    ),
    "quota": (429, "You exceeded your current quota", "insufficient_quota", "insufficient_quota"),
    "500": (
        500,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    "502": (502, "Bad gateway.", "server_error", None),
    "503": (
        503,
        "The engine is currently overloaded, please try again later.",
        "server_error",
        None,
    ),
    "401": (401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    "403": (
        403,
        "Country, region, or territory not supported.",
        "invalid_request_error",
        "unsupported_country_region_territory",
    ),
}
# Hostile answers (valid JSON an attacker or a broken model could send): a lone surrogate escape,
# nesting 100,000 deep, a megabyte field, NUL and terminal escapes, a bidi override.
HOSTILE_FAULTS = frozenset({"surrogate", "deep", "huge", "control", "bidi"})
CONTENT_FAULTS = frozenset(
    {"malformed", "length", "empty", "refusal", "wrong_keys", "english", *HOSTILE_FAULTS}
)
MODEL_FAULTS = frozenset({*ERRORS, *CONTENT_FAULTS, "timeout", "reset"})
TITLE_LINE = re.compile(r"(?im)^\s*(?:title|标题)\s*[:：]\s*(.+?)\s*$")
_TRANSLATION = re.compile(r"\btranslation\b", re.IGNORECASE)
_TLDR = re.compile(r"\btl;?dr\b", re.IGNORECASE)


def collapse(text: str) -> str:
    return " ".join(text.split())


def _tokens(text: str) -> int:
    """A deterministic token estimate: a token per four ASCII characters, one per other char."""
    ascii_chars = sum(1 for ch in text if ch < "\x80")
    return math.ceil(ascii_chars / 4) + (len(text) - ascii_chars)


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def request_kind(body: dict[str, Any], messages_text: str) -> str:
    schema = json.dumps([body.get("response_format"), body.get("tools")], ensure_ascii=False)
    for text in (schema, messages_text):
        if _TRANSLATION.search(text) and not _TLDR.search(text):
            return "detailed"
        if _TLDR.search(text):
            return "brief"
    return "brief"


def chat_completion(
    body: dict[str, Any],
    *,
    messages_text: str,
    paper: str,
    kind: str,
    answer: Any,
    fault: str | None,
    number: int,
    cached_prefix_tokens: int = 0,
) -> dict[str, Any]:
    """The 200 body answering `body` with `answer`, spoiled as content fault `fault` asks."""
    if fault == "english":
        answer = synthetic_answer(kind, paper, english=True)
    elif fault == "wrong_keys":
        answer = {"summary": "本文提出了一种新方法。", "keywords": ["信号处理", "深度学习"]}
    text: str | None = json.dumps(answer, ensure_ascii=False)
    if fault in HOSTILE_FAULTS:
        text = hostile_text(answer, fault)
    finish = "stop"
    if fault == "malformed":
        text = text[: len(text) // 2] if text else text
    elif fault == "length":
        text, finish = (text[: len(text) * 2 // 3] if text else text), "length"
    elif fault == "empty":
        text = ""
    elif fault == "refusal":
        text = None
    message: dict[str, Any] = {
        "role": "assistant",
        "content": text,
        "refusal": REFUSAL if fault == "refusal" else None,
        "annotations": [],
    }
    tools = body.get("tools")
    if tools and fault != "refusal":
        message["content"] = None
        message["tool_calls"] = [
            {
                "id": f"call_standin{number:06d}",
                "type": "function",
                "function": {"name": tool_name(body), "arguments": text},
            }
        ]
        finish = "length" if finish == "length" else "tool_calls"
    prompt = _tokens(
        messages_text + json.dumps([body.get("response_format"), tools], ensure_ascii=False)
    )
    completion = _tokens(text or REFUSAL)
    cached = max(0, min(cached_prefix_tokens, prompt))
    payload = {
        "id": f"chatcmpl-standin{number:06d}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model", "standin")),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
        "system_fingerprint": "fp_standin",
        "service_tier": "default",
    }
    return payload


def _spoil_first(answer: Any, spoil: Any) -> Any:
    """`answer` with its first text field passed through `spoil`."""
    answer = json.loads(json.dumps(answer))
    first = next(iter(answer))
    if isinstance(answer[first], str):
        answer[first] = spoil(answer[first])
    return answer


def hostile_text(answer: Any, fault: str) -> str:
    if fault == "deep":
        return '{"tldr": ' + "[" * 100_000 + "]" * 100_000 + "}"
    if fault == "surrogate":  # valid JSON text whose escape decodes to a lone surrogate
        return json.dumps(_spoil_first(answer, lambda t: t + "\ud800"), ensure_ascii=True)
    spoil = {
        "huge": lambda t: t + "很长" * 500_000,
        "control": lambda t: "\x00\x1b[31m" + t + "\x07",
        "bidi": lambda t: "\u202e" + t + "\u2066",
    }[fault]
    return json.dumps(_spoil_first(answer, spoil), ensure_ascii=False)


def tool_name(body: dict[str, Any]) -> str:
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        return str(choice["function"].get("name", ""))
    first = body["tools"][0] if isinstance(body["tools"], list) and body["tools"] else {}
    function = first.get("function", first) if isinstance(first, dict) else {}
    return str(function.get("name", "answer"))
