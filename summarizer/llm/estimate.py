"""What summarizing some papers would spend, before asking: prompts counted exactly, answers at
their expected size."""

from __future__ import annotations

from collections.abc import Callable, Collection

from ..core.records import Paper, SummaryKind, Usage
from .attempts import EXPECTED_COMPLETION
from .request import Guidance, messages_for
from .tokens import count_tokens


def estimate_usage(
    papers: list[Paper],
    kind: SummaryKind,
    *,
    language: str,
    body_tokens: int = 0,
    guidance: Guidance | None = None,
) -> Usage:
    """One request of `kind` per paper; `body_tokens` the full text each prompt would carry."""
    usage = Usage()
    for paper in papers:
        system, user = (
            m["content"] for m in messages_for(kind, paper, language=language, guidance=guidance)
        )
        usage += Usage(
            requests=1,
            prompt_tokens=count_tokens(system) + count_tokens(user) + body_tokens,
            completion_tokens=EXPECTED_COMPLETION[kind],
        )
    return usage


def unmade_usage(
    papers: list[Paper],
    kinds: tuple[SummaryKind, ...],
    *,
    stored: Callable[[list[Paper], SummaryKind], Collection[str]],
    language: str,
    body_tokens: int = 0,
    guidance: Guidance | None = None,
) -> Usage:
    """What making every summary of `kinds` still missing for `papers` would spend; `stored`
    gives the ids that already have a summary of a kind."""
    usage = Usage()
    for kind in kinds:
        have = stored(papers, kind)
        todo = [p for p in papers if p.id not in have]
        usage += estimate_usage(
            todo, kind, language=language, body_tokens=body_tokens, guidance=guidance
        )
    return usage
