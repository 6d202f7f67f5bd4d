"""The model client: a small interface any backend can fill, and its OpenAI-compatible
implementation, which maps every HTTP outcome to a result, a retryable fault, a rejected request
shape or a fatal stop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol

import httpx2 as httpx
import openai
from openai.types.chat import ChatCompletion

from ..core.records import SummaryKind, Usage
from ..net.retry_after import retry_after_seconds
from .failures import ErrorReader, UnknownModel
from .providers import Profile, profiles
from .request import WireMode, request_body, strict_schema
from .sdk import sdk_client

CONNECT_TIMEOUT = 20.0  # an endpoint that does not accept a connection in this long is down
# Before the endpoint has answered once, these mean it cannot be reached at all (refused, DNS, a
# URL the transport cannot use, a proxy that will not connect): the run stops, exit 3.
NOT_REACHED = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
    httpx.InvalidURL,
)


@dataclass
class Completion:
    text: str | None
    finish_reason: str | None
    usage: Usage
    refusal: str | None = None
    reasoning: str | None = None  # reasoning_content (DeepSeek, vLLM) or reasoning (Ollama)
    usage_fields: tuple[str, ...] = ()  # which usage fields the endpoint sent, for `doctor`


class TransientError(Exception):
    """Worth another try after a wait: 429, 5xx, timeouts, dropped connections."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, rate_limited: bool = False
    ):
        self.probing = False  # sent past the in-flight level the provider is known to serve
        super().__init__(message)
        self.retry_after = retry_after
        self.rate_limited = rate_limited


class ModelClient(Protocol):
    async def complete(
        self,
        *,
        messages: list[dict[str, str]],
        kind: SummaryKind,
        mode: WireMode,
        extra: dict[str, Any] | None = None,
    ) -> Completion: ...

    async def close(self) -> None: ...


def _retry_after(response: Any) -> float | None:
    """Seconds the server asks us to wait: `retry-after-ms`, or `retry-after` as seconds or as
    an HTTP date. None when absent or unreadable."""
    headers = getattr(response, "headers", None) or {}
    if "retry-after-ms" in headers:
        ms = retry_after_seconds(headers["retry-after-ms"])
        return None if ms is None else ms / 1000
    return retry_after_seconds(headers.get("retry-after"))


class OpenAIChat:
    """Chat completions on any OpenAI-compatible endpoint. The SDK's own retries are off: every
    attempt is counted by `Summarizer`, so attempts never multiply across layers."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        model: str,
        timeout: float,
        profile: Profile | None = None,
        organization: str | None = None,
        project: str | None = None,
    ) -> None:
        self.model = model
        self.timeout = timeout
        self.profile = profile or profiles()["generic"]
        self.errors = ErrorReader(profile=self.profile, model=model, base_url=base_url)
        # Until the endpoint has answered once, failing to connect means it is not there.
        self.answered = False
        self._served: asyncio.Future[list[str]] | None = None
        self._client = sdk_client(
            openai.AsyncOpenAI,
            api_key=api_key,
            base_url=base_url,
            organization=organization,
            project=project,
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            max_retries=0,
        )

    async def close(self) -> None:
        await self._client.close()

    async def complete(
        self,
        *,
        messages: list[dict[str, str]],
        kind: SummaryKind,
        mode: WireMode,
        extra: dict[str, Any] | None = None,
    ) -> Completion:
        """One request; `extra` adds body fields the run learnt the endpoint demands."""
        body = request_body(
            kind=kind,
            messages=messages,
            mode=mode,
            model=self.model,
            extra={**self.profile.extra, **(extra or {})},
        )
        try:
            # The SDK's timeout bounds each network read; this bounds the whole request, so a
            # server that trickles its answer cannot hold a slot for longer than the setting.
            async with asyncio.timeout(self.timeout):
                # What `chat.completions.create` sends and parses, through the SDK's generic
                # `post` (its README's way to custom requests), which leaves the body as built:
                # `create` re-walks every message and the schema against its TypedDicts, about
                # 0.5 ms a request, a sixth of all the SDK does.
                response = await self._client.post(
                    "/chat/completions", cast_to=ChatCompletion, body=body
                )
            self.answered = True
            completion = _completion(response)
        except TimeoutError:
            raise TransientError("request timed out") from None
        except openai.APIStatusError as exc:
            self.answered = True
            error = self._status_error(exc, mode)
            if isinstance(error, UnknownModel) and (served := await self.served_models()):
                error = UnknownModel(f"{error}: {', '.join(served)}", detail=error.detail)
            raise error from None
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            cause = exc.__cause__
            if not self.answered and isinstance(cause, NOT_REACHED):
                raise self.errors.unreachable(cause) from None
            if isinstance(exc, openai.APITimeoutError):
                raise TransientError("request timed out") from None
            raise TransientError("connection failed") from None
        except (openai.APIError, ValueError, TypeError, AttributeError, KeyError) as exc:
            # A 200 whose body is not a chat completion (a proxy's HTML page, a cut-off body):
            # the SDK raises whatever its parser hit. Not the model's fault; try again.
            raise TransientError(f"unreadable response ({type(exc).__name__})") from None
        if completion.finish_reason == "insufficient_system_resource":
            # DeepSeek under load (api-docs.deepseek.com/quick_start/error_codes): the server's
            # fault, not the answer's; try again later without telling the model anything.
            raise TransientError("the provider is out of capacity (insufficient_system_resource)")
        return completion

    async def served_models(self) -> list[str]:
        """The names the endpoint lists at /models (empty when it lists none or cannot); asked
        once per client however many papers learn the model is unknown."""
        if self._served is None:
            self._served = asyncio.ensure_future(self._list_models())
        return await self._served

    async def _list_models(self, *, most: int = 5) -> list[str]:
        try:
            async with asyncio.timeout(min(self.timeout, CONNECT_TIMEOUT)):
                page = await self._client.models.list()
            return [str(m.id) for m in page.data][:most]
        except (openai.APIError, TimeoutError, ValueError, TypeError, AttributeError):
            return []

    def _status_error(self, exc: openai.APIStatusError, mode: WireMode) -> Exception:
        status = exc.status_code
        text = _text_of(exc.response)
        if status == 429 and self.profile.means(str(exc.body) + text) != "no_balance":
            return TransientError(
                "rate limited (HTTP 429)", retry_after=_retry_after(exc.response), rate_limited=True
            )
        if status >= 500 or status in {408, 409}:
            return TransientError(f"HTTP {status}", retry_after=_retry_after(exc.response))
        return self.errors.status_error(status=status, body=exc.body, text=text, mode=mode)


def _text_of(response: Any) -> str:
    try:
        return str(response.text)
    except (AttributeError, UnicodeDecodeError, httpx.ResponseNotRead):
        return ""


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
    fields: list[str] = []
    if response.usage:
        given = ("prompt_tokens", "completion_tokens")
        fields = [k for k in given if getattr(response.usage, k, None) is not None]
        extra = response.usage.model_extra or {}
        if response.usage.prompt_tokens_details is not None or "prompt_cache_hit_tokens" in extra:
            fields.append("cached_tokens")
        details = response.usage.prompt_tokens_details
        prompt = _tokens(response.usage.prompt_tokens)
        cached = _tokens(details.cached_tokens) if details else 0
        hit = extra.get("prompt_cache_hit_tokens")  # DeepSeek's own name for the same count
        usage = Usage(
            requests=1,
            prompt_tokens=prompt,
            completion_tokens=_tokens(response.usage.completion_tokens),
            cached_tokens=min(cached or _tokens(hit if isinstance(hit, int) else 0), prompt),
        )
    choice = response.choices[0] if response.choices else None
    if choice is None or choice.message is None:
        return Completion(text=None, finish_reason=None, usage=usage, usage_fields=tuple(fields))
    text = choice.message.content
    extra = choice.message.model_extra or {}
    reasoning = extra.get("reasoning_content") or extra.get("reasoning")
    if choice.message.tool_calls:
        call = choice.message.tool_calls[0]
        text = getattr(getattr(call, "function", None), "arguments", None)
    refusal = getattr(choice.message, "refusal", None)
    return Completion(
        text=text,
        finish_reason=choice.finish_reason,
        usage=usage,
        refusal=refusal,
        reasoning=reasoning if isinstance(reasoning, str) else None,
        usage_fields=tuple(fields),
    )


__all__ = [
    "Completion",
    "ModelClient",
    "OpenAIChat",
    "TransientError",
    "strict_schema",
]


# Batch output lines are read exactly as live replies are (batch_results).
completion_of = _completion
