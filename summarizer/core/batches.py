"""The records of the Batch API that the llm client, the batch engine and the store's ledger pass
between them: what one request asks for (`RequestKey`) and what the provider says of a batch
(`BatchState`). Plain values, so the store records them without importing a stage."""

from __future__ import annotations

from dataclasses import dataclass

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
QUEUE_FULL = "token_limit_exceeded"


@dataclass(frozen=True)
class RequestKey:
    """What one request asks for; `custom_id` names all of it."""

    paper_id: str
    version: int
    kind: str
    prompt_version: str
    model: str

    @property
    def custom_id(self) -> str:
        return f"{self.paper_id}v{self.version}:{self.kind}:{self.prompt_version}:{self.model}"


@dataclass(frozen=True)
class BatchState:
    """A provider batch as the provider last described it."""

    id: str
    status: str
    input_file_id: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    error: str | None = None  # why a batch failed as a whole: "code: message"

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def queue_full(self) -> bool:
        """Refused because the provider's queue of enqueued tokens for the model is full: worth
        submitting again once other batches have finished (OpenAI: token_limit_exceeded)."""
        return self.status == "failed" and (self.error or "").startswith(QUEUE_FULL)
