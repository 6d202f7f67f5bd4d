"""What the batch engine sends: the requests papers still need, and which providers take them.

A request is made for each (kind, paper) without a stored summary, not held by an open batch, and
with batch attempts left (a batch attempt always leaves at least one live attempt); its body is
what a live call sends (`request.request_body`, in the run's response mode).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..core.errors import InputError
from ..core.records import Paper, SummaryKind
from ..llm.batch import BatchRequest, request_key
from ..llm.request import messages_for, request_body
from ..llm.settings import LLMSettings
from ..run.pipeline import Pipeline
from ..sources.fulltext import fetch_body
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


def needed_requests(
    pipeline: Pipeline,
    ledger: BatchLedger,
    *,
    day: date | None,
    papers: list[Paper],
    kinds: tuple[SummaryKind, ...],
) -> Iterator[BatchRequest]:
    """The requests `papers` still need: not stored, not in an open batch, attempts left."""
    settings = pipeline.settings
    # A batch attempt leaves at least one live attempt (two with the default three).
    batch_attempts = max(1, settings.llm.max_attempts - 1)
    for kind in kinds:
        stored = pipeline.stored(papers, kind)
        version = pipeline.prompt_version(kind)
        wanted = [
            (request_key(p, kind, version, settings.llm.model), p)
            for p in papers
            if p.id not in stored
        ]
        ids = [key.custom_id for key, _ in wanted]
        running = ledger.open_requests(ids)
        used = ledger.attempts(ids)
        for key, paper in wanted:
            if key.custom_id in running or used.get(key.custom_id, 0) >= batch_attempts:
                continue
            body, source = _body(settings.llm, settings.sources.arxiv_web_url, paper)
            messages = messages_for(kind, paper, language=settings.llm.language, body=body)
            yield BatchRequest(
                key=key,
                # What the live client would send now: the run's response mode and the body
                # fields the provider (or the run) demands.
                body=request_body(
                    kind=kind,
                    messages=messages,
                    mode=pipeline.modes.current,
                    model=settings.llm.model,
                    extra={**settings.llm.provider_profile.extra, **pipeline.modes.extra},
                ),
                day=day.isoformat() if day else None,
                source=source,
            )


def _body(llm: LLMSettings, web_url: str, paper: Paper) -> tuple[str, str]:
    if not llm.full_text:
        return "", "abstract"
    body = fetch_body(
        paper_id=paper.id,
        version=paper.version,
        abstract=paper.abstract,
        web_url=web_url,
        budget_tokens=llm.full_text_tokens,
    )
    return ("", "abstract") if body.source == "abstract" else (body.text, body.source)
