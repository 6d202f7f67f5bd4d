"""The chat-completions request body, built in one place so that live requests and batch files
send exactly the same bytes for the same paper, kind, mode and provider."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

from ..core.records import SUMMARY_MODELS, Paper, SummaryKind
from .fields import DEFAULT_FIELD
from .glossary import Glossary
from .prompts import load_template
from .providers import Profile

WireMode = Literal["json_schema", "json_object", "tools"]
# Parameters the openai SDK takes by name; everything else in a body goes out as extra_body.
SDK_PARAMS = frozenset({"model", "messages", "response_format", "tools", "tool_choice"})


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


@dataclass(frozen=True)
class Guidance:
    """What a run adds to its requests: the reviewer's field (the same in every system prompt of
    the run) and the glossary (a paper's terms, in that paper's part of the request)."""

    field: str = DEFAULT_FIELD
    glossary: Glossary = Glossary()


def messages_for(
    kind: SummaryKind,
    paper: Paper,
    *,
    language: str,
    body: str = "",
    guidance: Guidance | None = None,
) -> list[dict[str, str]]:
    guidance = guidance or Guidance()
    system, user = load_template(kind).render(
        paper=paper,
        language=language,
        body=body,
        field=guidance.field,
        terminology=guidance.glossary.terminology(paper),
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def request_body(
    *,
    kind: SummaryKind,
    messages: list[dict[str, str]],
    mode: WireMode,
    model: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of one chat-completions request."""
    body: dict[str, Any] = {"model": model, "messages": messages}
    schema = strict_schema(kind)
    if mode == "json_schema":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": kind, "strict": True, "schema": schema},
        }
    elif mode == "json_object":
        body["response_format"] = {"type": "json_object"}
    else:
        tool = {"name": kind, "description": f"Record the {kind} summary", "parameters": schema}
        body["tools"] = [{"type": "function", "function": tool}]
        body["tool_choice"] = {"type": "function", "function": {"name": kind}}
    body.update(extra or {})
    return body


def build_request(
    *,
    kind: SummaryKind,
    paper: Paper,
    mode: WireMode,
    profile: Profile,
    model: str,
    language: str = "zh",
    body: str = "",
    guidance: Guidance | None = None,
) -> dict[str, Any]:
    """The body the live client sends for `paper` (the batch path writes the same into a file)."""
    messages = messages_for(kind, paper, language=language, body=body, guidance=guidance)
    return request_body(kind=kind, messages=messages, mode=mode, model=model, extra=profile.extra)


def sdk_arguments(body: dict[str, Any]) -> dict[str, Any]:
    """`body` as keyword arguments of `chat.completions.create`: unknown fields in extra_body."""
    args = {k: v for k, v in body.items() if k in SDK_PARAMS}
    extra = {k: v for k, v in body.items() if k not in SDK_PARAMS}
    if extra:
        args["extra_body"] = extra
    return args


def first_mode(mode: str, profile: Profile) -> WireMode:
    """The response mode to send first: the setting, else the profile's, else json_schema."""
    chosen = profile.mode if mode == "auto" else mode
    return "json_schema" if chosen == "auto" else chosen  # type: ignore[return-value]


__all__ = [
    "Guidance",
    "WireMode",
    "build_request",
    "first_mode",
    "messages_for",
    "request_body",
    "sdk_arguments",
    "strict_schema",
]
