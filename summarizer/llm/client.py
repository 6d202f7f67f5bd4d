"""The model client: a small interface any backend can fill, and its OpenAI-compatible
implementation, which maps every HTTP outcome to a result, a retryable fault or a fatal one."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import openai

from ..config import ResponseMode
from ..errors import ModelError, ModelFatalError
from ..models import SUMMARY_MODELS, SummaryKind, Usage


@dataclass
class Completion:
    text: str | None
    finish_reason: str | None
    usage: Usage
    refusal: str | None = None


class TransientError(Exception):
    """Worth another try after a wait: 429, 5xx, timeouts, dropped connections."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, rate_limited: bool = False
    ):
        super().__init__(message)
        self.retry_after = retry_after
        self.rate_limited = rate_limited


class ModelClient(Protocol):
    async def complete(
        self, *, messages: list[dict[str, str]], kind: SummaryKind, mode: ResponseMode
    ) -> Completion: ...

    async def close(self) -> None: ...


# Our length limits are checked on our side: strict structured outputs reject schemas with
# keywords they do not support, and maxLength / maxItems are not on every provider's list.
_NOT_SENT = frozenset({"title", "default", "maxLength", "maxItems"})


@functools.cache
def strict_schema(kind: SummaryKind) -> dict[str, Any]:
    """The pydantic schema in the form strict structured outputs accept. Built once per kind (it
    goes out with every request); callers must not change the dict."""

    def tighten(node: Any) -> Any:
        if isinstance(node, dict):
            node = {k: tighten(v) for k, v in node.items() if k not in _NOT_SENT}
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
            return node
        if isinstance(node, list):
            return [tighten(v) for v in node]
        return node

    return dict(tighten(SUMMARY_MODELS[kind].model_json_schema()))


def _retry_after(response: Any) -> float | None:
    """Seconds the server asks us to wait: `retry-after-ms`, or `retry-after` as seconds or as
    an HTTP date. None when absent or unreadable."""
    headers = getattr(response, "headers", None) or {}
    try:
        if "retry-after-ms" in headers:
            return max(float(headers["retry-after-ms"]) / 1000, 0.0)
        if "retry-after" not in headers:
            return None
        value = str(headers["retry-after"]).strip()
        try:
            return max(float(value), 0.0)
        except ValueError:
            when = parsedate_to_datetime(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max((when - datetime.now(UTC)).total_seconds(), 0.0)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class OpenAIChat:
    """Chat completions on any OpenAI-compatible endpoint. The SDK's own retries are off: every
    attempt is counted by `Summarizer`, so attempts never multiply across layers."""

    def __init__(self, *, api_key: str, base_url: str | None, model: str, timeout: float) -> None:
        self.model = model
        self.timeout = timeout
        self._client = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )

    async def close(self) -> None:
        await self._client.close()

    async def complete(
        self, *, messages: list[dict[str, str]], kind: SummaryKind, mode: ResponseMode
    ) -> Completion:
        extra: dict[str, Any] = {}
        schema = strict_schema(kind)
        if mode == "json_schema":
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": kind, "strict": True, "schema": schema},
            }
        elif mode == "json_object":
            extra["response_format"] = {"type": "json_object"}
        else:
            tool = {"name": kind, "description": f"Record the {kind} summary", "parameters": schema}
            extra["tools"] = [{"type": "function", "function": tool}]
            extra["tool_choice"] = {"type": "function", "function": {"name": kind}}
        try:
            # The SDK's timeout bounds each network read; this bounds the whole request, so a
            # server that trickles its answer cannot hold a slot for longer than the setting.
            async with asyncio.timeout(self.timeout):
                response = await self._client.chat.completions.create(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    **extra,
                )
            return _completion(response)
        except TimeoutError:
            raise TransientError("request timed out") from None
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            # The message names the status only: providers echo the key back in error bodies.
            raise ModelFatalError(
                f"the model endpoint refused access (HTTP {exc.status_code}); "
                "check OPENAI_API_KEY and OPENAI_BASE_URL"
            ) from None
        except openai.NotFoundError as exc:
            raise ModelFatalError(
                f"the model endpoint has no model {self.model!r} (HTTP 404)"
            ) from exc
        except openai.RateLimitError as exc:
            if exc.code == "insufficient_quota" or "insufficient_quota" in str(exc.body):
                raise ModelFatalError(
                    "the model provider says the quota is used up (HTTP 429 insufficient_quota)"
                ) from None
            raise TransientError(
                "rate limited (HTTP 429)", retry_after=_retry_after(exc.response), rate_limited=True
            ) from None
        except openai.APITimeoutError:
            raise TransientError("request timed out") from None
        except openai.APIConnectionError:
            raise TransientError("connection failed") from None
        except openai.APIStatusError as exc:
            if exc.status_code >= 500 or exc.status_code in {408, 409}:
                raise TransientError(
                    f"HTTP {exc.status_code}", retry_after=_retry_after(exc.response)
                ) from None
            raise ModelError(
                f"the model endpoint rejected the request (HTTP {exc.status_code})"
            ) from None
        except (openai.APIError, ValueError, TypeError, AttributeError, KeyError) as exc:
            # A 200 whose body is not a chat completion (a proxy's HTML page, a cut-off body):
            # the SDK raises whatever its parser hit. Not the model's fault; try again.
            raise TransientError(f"unreadable response ({type(exc).__name__})") from None


MAX_REPORTED_TOKENS = 10_000_000  # per request; far above any context window


def _tokens(value: Any) -> int:
    """A token count as the endpoint reported it, made sane: a negative, fractional, absurd or
    non-numeric value must not lower what `--max-cost` counts (nor overflow it)."""
    try:
        count = int(value or 0)
    except (TypeError, ValueError, OverflowError):
        return 0
    return min(max(count, 0), MAX_REPORTED_TOKENS)


def _completion(response: Any) -> Completion:
    usage = Usage(requests=1)
    if response.usage:
        details = response.usage.prompt_tokens_details
        prompt = _tokens(response.usage.prompt_tokens)
        usage = Usage(
            requests=1,
            prompt_tokens=prompt,
            completion_tokens=_tokens(response.usage.completion_tokens),
            cached_tokens=min(_tokens(details.cached_tokens) if details else 0, prompt),
        )
    choice = response.choices[0] if response.choices else None
    if choice is None or choice.message is None:
        return Completion(text=None, finish_reason=None, usage=usage)
    text = choice.message.content
    if choice.message.tool_calls:
        call = choice.message.tool_calls[0]
        text = getattr(getattr(call, "function", None), "arguments", None)
    refusal = getattr(choice.message, "refusal", None)
    return Completion(text=text, finish_reason=choice.finish_reason, usage=usage, refusal=refusal)
