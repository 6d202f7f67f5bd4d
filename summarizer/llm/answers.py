"""The JSON inside an answer as real endpoints send it: after a reasoning block (`<think>…</think>`,
closed, unclosed, or only its closing tag as Qwen3 chat templates leave it), inside a fenced block
with prose around it, or only in `reasoning_content` / `reasoning` with `content` empty
(vllm-project/vllm#21130, #17349; ollama/ollama openai/openai.go)."""

from __future__ import annotations

import json
import re
from typing import Any

THINK_BLOCK = re.compile(r"<think>.*?</think>", re.S | re.I)
THINK_CLOSE = re.compile(r"</think>", re.I)
THINK_OPEN = re.compile(r"<think>", re.I)
FENCED = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\r?\n?(.*?)```", re.S)
MAX_CANDIDATES = 8  # object starts tried in prose, so a hostile answer costs little


class NoJSON(ValueError):
    """No JSON object could be read from the answer; the message says why, for the model."""


def strip_reasoning(text: str) -> str:
    """The answer without its reasoning: closed blocks removed, everything up to a lone closing
    tag dropped, and an unclosed block (the answer never came) removed to the end."""
    text = THINK_BLOCK.sub("", text)
    closes = list(THINK_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end() :]
    opened = THINK_OPEN.search(text)
    if opened:
        text = text[: opened.start()]
    return text.strip()


def _objects(text: str) -> Any:
    """The first JSON object in `text`: the whole text, a fenced block, or one starting at a `{`."""
    stripped = text.strip()
    try:
        return json.loads(stripped)
    except json.JSONDecodeError as exc:
        first_error = exc
    for match in FENCED.finditer(text):
        try:
            return json.loads(match.group(1).strip())
        except json.JSONDecodeError:
            continue
    decoder = json.JSONDecoder()
    start, tried = text.find("{"), 0
    while start != -1 and tried < MAX_CANDIDATES:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            pass
        else:
            if isinstance(value, dict):
                return value
        tried += 1
        start = text.find("{", start + 1)
    raise NoJSON(
        f"the answer is not valid JSON ({first_error.msg} at char {first_error.pos})"
    ) from None


def extract_json(content: str | None, reasoning: str | None = None) -> Any:
    """The JSON value the model meant as its answer. Raises NoJSON when there is none."""
    answer = strip_reasoning(content or "")
    problem: NoJSON | None = None
    if answer:
        try:
            return _objects(answer)
        except NoJSON as exc:
            problem = exc
    # The answer only in the reasoning: a reasoning field beside empty content, or an unclosed
    # <think> block that holds it.
    for source in (reasoning, None if answer else content):
        if source and source.strip():
            try:
                return _objects(THINK_CLOSE.sub("", THINK_OPEN.sub("", source)))
            except NoJSON:
                continue
    raise problem or NoJSON("the answer was empty")


def visible_answer(content: str | None) -> str:
    """What the model said, without reasoning: the only part of it ever sent back on a retry
    (DeepSeek rejects reasoning_content in a request: api-docs.deepseek.com/guides/reasoning_model).
    """
    return strip_reasoning(content or "")


__all__ = ["NoJSON", "extract_json", "strip_reasoning", "visible_answer"]
