"""What the batch engine sends: the requests papers still need, and which providers take them.

A request is made for each (kind, paper) without a stored summary, not held by an open batch, and
with batch attempts left (a batch attempt always leaves at least one live attempt); its body is
what a live call sends (`request.request_body`, in the run's response mode).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from ..core.errors import InputError
from ..core.records import Paper, Summary, SummaryKind
from ..llm.batch import BatchRequest, request_key
from ..llm.modes import ModeSwitch
from ..llm.request import Guidance, messages_for, request_body
from ..llm.settings import LLMSettings
from ..store.batch_ledger import BatchLedger

NO_BATCH_API = {
    "deepseek": "DeepSeek has no Batch API",
    "ollama": "Ollama has no Batch API",
    "vllm": "vLLM serves no Batch API; use `summarizer batch export FILE` with `vllm run_batch`",
}


def require_batch_api(settings: LLMSettings) -> None:
    """Refuse --batch for a provider known to have no Batch API (its profile says so). A generic
    endpoint is tried: one without the API answers the file upload with a 404, which stops the
    run with a line saying so."""
    profile = settings.provider_profile
    if profile.batch or profile.name == "generic":
        return
    reason = NO_BATCH_API.get(profile.name, f"{profile.name} has no Batch API")
    raise InputError(f"{reason}: run without --batch (SUMMARIZER_BATCH=off)")


@dataclass(frozen=True)
class BatchOptions:
    """What the batch engine is run with (made from the settings by the run's context)."""

    base_url: str | None  # the endpoint (None: OpenAI's)
    model: str
    language: str
    attempts: int  # per (kind, paper), batch and live together
    poll: float  # seconds between two looks at the open batches
    work_dir: Path  # request and result files while they are in use
    extra: dict[str, Any] = field(default_factory=dict)  # body fields the provider demands
    # The paper's body for the prompt, (text, source); None: the abstract only.
    read_body: Callable[[Paper], tuple[str, str]] | None = None
    guidance: Guidance = Guidance()  # the reviewer's field and the glossary, as live requests


class Keys(Protocol):
    """Which summaries the run serves (the run's prompt versions and model)."""

    @property
    def model(self) -> str: ...

    def prompt_version(self, kind: SummaryKind) -> str: ...
    def stored(self, papers: list[Paper], kind: SummaryKind) -> dict[str, Summary]: ...


def needed_requests(
    keys: Keys,
    ledger: BatchLedger,
    *,
    options: BatchOptions,
    modes: ModeSwitch,
    day: date | None,
    papers: list[Paper],
    kinds: tuple[SummaryKind, ...],
) -> Iterator[BatchRequest]:
    """The requests `papers` still need: not stored, not in an open batch, attempts left."""
    # A batch attempt leaves at least one live attempt (two with the default three).
    batch_attempts = max(1, options.attempts - 1)
    for kind in kinds:
        stored = keys.stored(papers, kind)
        version = keys.prompt_version(kind)
        wanted = [
            (request_key(p, kind, version, keys.model), p) for p in papers if p.id not in stored
        ]
        ids = [key.custom_id for key, _ in wanted]
        running = ledger.open_requests(ids)
        used = ledger.attempts(ids)
        for key, paper in wanted:
            if key.custom_id in running or used.get(key.custom_id, 0) >= batch_attempts:
                continue
            body, source = options.read_body(paper) if options.read_body else ("", "abstract")
            messages = messages_for(
                kind, paper, language=options.language, body=body, guidance=options.guidance
            )
            yield BatchRequest(
                key=key,
                # What the live client would send now: the run's response mode and the body
                # fields the provider (or the run) demands.
                body=request_body(
                    kind=kind,
                    messages=messages,
                    mode=modes.current,
                    model=keys.model,
                    extra={**options.extra, **modes.extra},
                ),
                day=day.isoformat() if day else None,
                source=source,
            )
