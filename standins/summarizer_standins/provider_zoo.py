"""The provider zoo: how real OpenAI-compatible endpoints refuse requests and shape answers,
replayed with their exact status codes and bodies. `ModelStandin.behave("deepseek", ...)` turns
behaviours on; each names its source."""

from __future__ import annotations

import json
from typing import Any

# name -> (status, body); a str body goes out as text/plain, as the endpoint sent it.
REJECTIONS: dict[str, tuple[int, Any]] = {
    # DeepSeek on response_format json_schema (bytedance/deer-flow#545, khoj-ai/khoj#1336).
    "deepseek": (
        400,
        {
            "error": {
                "message": "This response_format type is unavailable now",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_request_error",
            }
        },
    ),
    # DeepSeek's older front end: a plain-text 422 (browser-use/browser-use#215,
    # dzhng/deep-research#22, BerriAI/litellm#7580).
    "deepseek-422": (
        422,
        "Failed to deserialize the JSON body into the target type: response_format: "
        "response_format.type `json_schema` is unavailable now at line 1 column 12440",
    ),
    # DeepSeek with no balance (api-docs.deepseek.com/quick_start/error_codes; the body as in
    # Aider-AI/aider#4851).
    "deepseek-402": (
        402,
        {
            "error": {
                "message": "Insufficient Balance",
                "type": "unknown_error",
                "param": None,
                "code": "invalid_request_error",
            }
        },
    ),
    # DashScope, unpaid account (hsliuping/TradingAgents-CN#170).
    "arrearage": (
        400,
        {
            "error": {
                "code": "Arrearage",
                "param": None,
                "message": "Access denied, please make sure your account is in good standing. "
                "For details, see: https://help.aliyun.com/zh/model-studio/error-code"
                "#overdue-payment",
                "type": "Arrearage",
            },
            "id": "chatcmpl-f9fdb027-830c-9e05-8366-ce479a878825",
            "request_id": "f9fdb027-830c-9e05-8366-ce479a878825",
        },
    ),
    # DashScope open-source qwen3, non-streaming, without enable_thinking=false
    # (infiniflow/ragflow#8972, langchain4j/langchain4j#3974, QuantumNous/new-api#1109).
    "dashscope": (
        400,
        {
            "error": {
                "code": "invalid_parameter_error",
                "param": None,
                "message": "parameter.enable_thinking must be set to false for non-streaming calls",
                "type": "invalid_request_error",
            },
            "id": "chatcmpl-f5a1f1ee-dac6-9c1b-9bdb-2f0c22b8af45",
            "request_id": "f5a1f1ee-dac6-9c1b-9bdb-2f0c22b8af45",
        },
    ),
    # OpenAI with the quota spent (FACTS.md: 429 insufficient_quota; platform error-codes guide).
    "insufficient_quota": (
        429,
        {
            "error": {
                "message": "You exceeded your current quota, please check your plan and billing "
                "details.",
                "type": "insufficient_quota",
                "param": None,
                "code": "insufficient_quota",
            }
        },
    ),
    # A server that takes no structured-output request at all.
    "no-structured": (
        400,
        {
            "error": {
                "message": "response_format and tool_choice are not supported by this model",
                "type": "invalid_request_error",
                "param": "response_format",
                "code": None,
            }
        },
    ),
    # vLLM when a prompt does not fit the served context: the same for every paper when the
    # server was started with a small --max-model-len (vllm-project/vllm serving_engine.py).
    "context-length": (
        400,
        {
            "object": "error",
            "message": "This model's maximum context length is 512 tokens. However, you requested "
            "1100 tokens in the messages, Please reduce the length of the messages.",
            "type": "BadRequestError",
            "param": None,
            "code": 400,
        },
    ),
    # OpenAI, a model name it does not serve.
    "unknown-model": (
        404,
        {
            "error": {
                "message": "The model `{model}` does not exist or you do not have access to it.",
                "type": "invalid_request_error",
                "param": None,
                "code": "model_not_found",
            }
        },
    ),
}
ANSWER_SHAPES = frozenset(
    {"think", "think-close-only", "fence", "reasoning-only", "ollama-think", "deepseek-busy"}
)
BEHAVIOURS = frozenset({*REJECTIONS, *ANSWER_SHAPES})
THOUGHT = "Okay, the user wants a summary of this paper as JSON {like this}. Let me think."


def rejection(behaviours: frozenset[str], body: dict[str, Any]) -> tuple[int, Any] | None:
    """The error an endpoint with `behaviours` answers `body` with, or None to serve it."""
    asked = body.get("response_format")
    kind = asked.get("type") if isinstance(asked, dict) else None
    for name in ("deepseek", "deepseek-422"):
        if name in behaviours and kind == "json_schema":
            return REJECTIONS[name]
    if "dashscope" in behaviours and body.get("enable_thinking") is not False:
        return REJECTIONS["dashscope"]
    if "no-structured" in behaviours and (kind or body.get("tools")):
        return REJECTIONS["no-structured"]
    if "context-length" in behaviours:
        return REJECTIONS["context-length"]
    if "unknown-model" in behaviours:
        status, error = REJECTIONS["unknown-model"]
        text = json.dumps(error).replace("{model}", str(body.get("model", "")))
        return status, json.loads(text)
    for name in ("deepseek-402", "arrearage", "insufficient_quota"):
        if name in behaviours:
            return REJECTIONS[name]
    return None


def reshape(behaviours: frozenset[str], payload: dict[str, Any]) -> dict[str, Any]:
    """The 200 answer as the endpoint would send it: reasoning before the JSON (vLLM without a
    reasoning parser, vllm-project/vllm#21130), only its closing tag (Qwen3 chat templates open
    the block in the prompt), prose around a fenced block, the JSON only in reasoning_content
    with content null (vllm-project/vllm#17349), Ollama's `reasoning` field
    (ollama/ollama openai/openai.go)."""
    message = payload["choices"][0]["message"]
    text = message.get("content")
    if not isinstance(text, str) or not text:
        return payload
    if "think" in behaviours:
        message["content"] = f"<think>\n{THOUGHT}\n</think>\n\n{text}"
    elif "think-close-only" in behaviours:
        message["content"] = f"{THOUGHT}\n</think>\n\n{text}"
    elif "fence" in behaviours:
        message["content"] = (
            f"Here is the summary you asked for:\n\n```json\n{text}\n```\n\n"
            "Every field is in the requested language."
        )
    elif "reasoning-only" in behaviours:
        message["content"] = None
        message["reasoning_content"] = text
    elif "ollama-think" in behaviours:
        message["reasoning"] = THOUGHT
    elif "deepseek-busy" in behaviours:
        # DeepSeek out of capacity: an empty answer with its own finish reason
        # (api-docs.deepseek.com/quick_start/error_codes, FACTS.md).
        message["content"] = ""
        payload["choices"][0]["finish_reason"] = "insufficient_system_resource"
    return payload


def model_list(names: list[str]) -> dict[str, Any]:
    """GET /v1/models as OpenAI, vLLM and Ollama answer it."""
    data = [{"id": n, "object": "model", "created": 0, "owned_by": "standin"} for n in names]
    return {"object": "list", "data": data}


__all__ = ["BEHAVIOURS", "REJECTIONS", "model_list", "rejection", "reshape"]
