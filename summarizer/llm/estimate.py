"""What summarizing some papers would spend, before asking: prompts counted exactly, answers at
their expected size."""

from __future__ import annotations

from ..models import Paper, SummaryKind, Usage
from .attempts import EXPECTED_COMPLETION
from .prompts import load_template
from .tokens import count_tokens


def estimate_usage(
    papers: list[Paper], kind: SummaryKind, *, language: str, body_tokens: int = 0
) -> Usage:
    """One request of `kind` per paper; `body_tokens` the full text each prompt would carry."""
    usage = Usage()
    template = load_template(kind)
    for paper in papers:
        system, user = template.render(paper=paper, language=language)
        usage += Usage(
            requests=1,
            prompt_tokens=count_tokens(system) + count_tokens(user) + body_tokens,
            completion_tokens=EXPECTED_COMPLETION[kind],
        )
    return usage
