"""Reading an answer: the JSON inside it as real endpoints send it (after a reasoning block
(`<think>…</think>`, closed, unclosed, or only its closing tag as Qwen3 chat templates leave it),
inside a fenced block with prose around it, or only in `reasoning_content` / `reasoning` with
`content` empty: vllm-project/vllm#21130, #17349; ollama/ollama openai/openai.go), then checked
and validated as a summary (`read_answer`), or InvalidAnswer saying why for the next attempt."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..core.records import SUMMARY_MODELS, Brief, Detailed, SummaryKind
from ..core.text_safety import MAX_ANSWER_CHARS, unsafe_strings

if TYPE_CHECKING:
    from .client import Completion
    from .glossary import Glossary

THINK_TAGS = re.compile(r"</?think>", re.I)
FENCE_INFO = re.compile(r"^[ \t]*[A-Za-z0-9_-]*[ \t]*\r?\n")  # ```json, ``` python, bare ```
MAX_CANDIDATES = 8  # object starts and fenced blocks tried, so a hostile answer costs little


class NoJSON(ValueError):
    """No JSON object could be read from the answer; the message says why, for the model."""


def strip_reasoning(text: str) -> str:
    """The answer without its reasoning: closed blocks removed, everything up to a lone closing
    tag dropped, and an unclosed block (the answer never came) removed to the end."""
    low = text.lower()  # searched with str.find: linear however many tags a hostile answer holds
    close = low.rfind("</think>")
    if close != -1:
        text, low = text[close + len("</think>") :], low[close + len("</think>") :]
    opened = low.find("<think>")
    if opened != -1:
        text = text[:opened]
    return text.strip()


def _fenced_blocks(text: str) -> list[str]:
    marks: list[int] = []
    at = text.find("```")
    while at != -1 and len(marks) < 2 * MAX_CANDIDATES:
        marks.append(at)
        at = text.find("```", at + 3)
    pairs = zip(marks[::2], marks[1::2], strict=False)  # an unclosed last fence is no block
    return [FENCE_INFO.sub("", text[a + 3 : b], count=1) for a, b in pairs]


def _objects(text: str) -> Any:
    """The first JSON object in `text`: the whole text, a fenced block, or one starting at a `{`."""
    stripped = text.strip()
    try:
        return json.loads(stripped)
    except json.JSONDecodeError as exc:
        why = f"{exc.msg} at char {exc.pos}"
    except RecursionError:
        raise NoJSON("the answer is not valid JSON (nested too deeply)") from None
    for block in _fenced_blocks(text):
        try:
            return json.loads(block.strip())
        except (json.JSONDecodeError, RecursionError):
            continue
    decoder = json.JSONDecoder()
    start, tried = text.find("{"), 0
    while start != -1 and tried < MAX_CANDIDATES:
        try:
            value, _ = decoder.raw_decode(text, start)
        except (json.JSONDecodeError, RecursionError):
            pass
        else:
            if isinstance(value, dict):
                return value
        tried += 1
        start = text.find("{", start + 1)
    raise NoJSON(f"the answer is not valid JSON ({why})")


def extract_json(content: str | None, reasoning: str | None = None) -> Any:
    """The JSON value the model meant as its answer. Raises NoJSON when there is none."""
    raw = (content or "").strip()
    try:
        # A bare object first: its strings may mention <think> or ``` as data.
        return json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        pass
    answer = strip_reasoning(raw)
    problem: NoJSON | None = None
    if answer:
        try:
            return _objects(answer)
        except NoJSON as exc:
            problem = exc
    # The answer only in the reasoning: a reasoning field beside empty content, an unclosed
    # <think> block that holds it; or a reasoning tag inside the answer's own strings.
    for source in (reasoning, None if answer else THINK_TAGS.sub("", raw), raw if answer else None):
        if source and source.strip():
            try:
                return _objects(source)
            except NoJSON:
                continue
    raise problem or NoJSON("the answer was empty")


def visible_answer(content: str | None) -> str:
    """What the model said, without reasoning: the only part of it ever sent back on a retry
    (DeepSeek rejects reasoning_content in a request: api-docs.deepseek.com/guides/reasoning_model).
    """
    return strip_reasoning(content or "")


__all__ = ["NoJSON", "extract_json", "strip_reasoning", "visible_answer"]


class InvalidAnswer(Exception):
    """The model answered, but not with what was asked; it is told why and asked again."""


@dataclass(frozen=True)
class Answer:
    """A valid answer, and how many variants the reader's glossary replaced in it."""

    summary: Brief | Detailed
    corrections: int = 0


def parse_answer(
    completion: Completion, *, kind: SummaryKind, language: str, glossary: Glossary | None = None
) -> Brief | Detailed:
    return read_answer(completion, kind=kind, language=language, glossary=glossary).summary


def read_answer(
    completion: Completion, *, kind: SummaryKind, language: str, glossary: Glossary | None = None
) -> Answer:
    """The answer as a validated summary; InvalidAnswer saying why not. The reader's glossary
    replaces the variants it avoids before the answer is checked (a replacement costs no
    request, and a digest never shows an avoided variant)."""
    if completion.refusal:
        raise InvalidAnswer(f"the model refused: {completion.refusal[:200]}")
    if completion.finish_reason == "length":
        raise InvalidAnswer("the answer was cut off (finish_reason=length); answer more briefly")
    if len(completion.text or "") > MAX_ANSWER_CHARS:
        raise InvalidAnswer(
            f"the answer is far too long ({len(completion.text or ''):,} characters)"
        )
    try:
        data = extract_json(completion.text, completion.reasoning)
    except NoJSON as exc:
        raise InvalidAnswer(str(exc)) from None
    if not isinstance(data, dict):
        raise InvalidAnswer("the answer must be one JSON object")
    if bad := unsafe_strings(data):
        raise InvalidAnswer(
            f"the answer holds forbidden characters ({', '.join(bad[:5])}); write plain text"
        )
    corrections = 0
    if glossary is not None and glossary.corrects:
        data, corrections = glossary.correct(data)
    try:
        summary = SUMMARY_MODELS[kind].model_validate(data, context={"language": language})
        return Answer(summary=summary, corrections=corrections)
    except RecursionError:
        raise InvalidAnswer("the answer nests too deeply") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'object'}: {e['msg']}"
            for e in exc.errors()[:4]
        )
        raise InvalidAnswer(f"the answer does not match the schema: {problems}") from None
