"""What the batch engine sends: the requests papers still need, and which providers take them.

A request is made for each (kind, paper) without a stored summary, not held by an open batch, and
with batch attempts left (a batch attempt always leaves at least one live attempt); its body is
what a live call sends (`client.chat_request` over `attempts.first_messages`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from urllib.parse import urlparse

from .batch_ledger import BatchLedger
from .config import Settings
from .errors import InputError
from .llm.attempts import first_messages
from .llm.batch import BatchRequest, request_key
from .llm.client import chat_request
from .models import Paper, SummaryKind
from .pipeline import Pipeline
from .sources.fulltext import fetch_body

NO_BATCH_API = {
    "deepseek": "DeepSeek has no Batch API",
    "ollama": "Ollama has no Batch API",
    "vllm": "vLLM serves no Batch API; use `summarizer batch export FILE` with `vllm run_batch`",
}


def provider_of(settings: Settings) -> str:
    """The provider, for deciding whether it offers a Batch API (the provider profiles will say
    this once they land; until then, by name or by the endpoint's host and port)."""
    if settings.provider != "auto":
        return settings.provider
    parsed = urlparse(settings.openai_base_url or "")
    host = parsed.hostname or ""
    if host.endswith("deepseek.com"):
        return "deepseek"
    if "dashscope" in host:
        return "dashscope"
    if parsed.port == 11434:
        return "ollama"
    return "openai" if not host or host.endswith("openai.com") else "generic"


def require_batch_api(settings: Settings) -> None:
    reason = NO_BATCH_API.get(provider_of(settings))
    if reason:
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
    batch_attempts = max(1, settings.max_attempts - 1)
    for kind in kinds:
        stored = pipeline.stored(papers, kind)
        version = pipeline.prompt_version(kind)
        wanted = [
            (request_key(p, kind, version, settings.model), p) for p in papers if p.id not in stored
        ]
        ids = [key.custom_id for key, _ in wanted]
        running = ledger.open_requests(ids)
        used = ledger.attempts(ids)
        for key, paper in wanted:
            if key.custom_id in running or used.get(key.custom_id, 0) >= batch_attempts:
                continue
            body, source = _body(pipeline.settings, paper)
            messages = first_messages(paper, kind, language=settings.language, body=body)
            yield BatchRequest(
                key=key,
                body=chat_request(
                    model=settings.model,
                    messages=messages,
                    kind=kind,
                    mode=settings.response_mode,
                ),
                day=day.isoformat() if day else None,
                source=source,
            )


def _body(settings: Settings, paper: Paper) -> tuple[str, str]:
    if not settings.full_text:
        return "", "abstract"
    body = fetch_body(
        paper_id=paper.id,
        version=paper.version,
        abstract=paper.abstract,
        web_url=settings.arxiv_web_url,
        budget_tokens=settings.full_text_tokens,
    )
    return ("", "abstract") if body.source == "abstract" else (body.text, body.source)
