"""Ingesting batch results: every answer validated exactly as a live one, stored as it arrives.

Results are read a line at a time from a downloaded output or error file (or a `vllm run_batch`
output) and committed in small transactions together with the outcome of their requests, so a run
killed while ingesting keeps what it stored and the next run reads the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from ..core.records import Summary, SummaryKind, Usage
from ..llm.attempts import InvalidAnswer, read_answer
from ..llm.batch_results import BatchResult, read_results
from ..llm.cost import Budget, Price
from ..llm.glossary import Glossary
from ..store.batch_ledger import BatchLedger, RequestRow
from ..store.database import Store

log = logging.getLogger(__name__)
COMMIT_EVERY = 500
# What batch answers cost, per (kind, paper id): usage and USD.
Spent = dict[tuple[SummaryKind, str], tuple[Usage, float]]


@dataclass
class Tally:
    ok: int = 0
    invalid: int = 0
    failed: int = 0
    unfinished: int = 0
    unknown: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    corrected: int = 0  # variants the reader's glossary replaced in the answers

    def __iadd__(self, other: Tally) -> Tally:
        for name in ("ok", "invalid", "failed", "unfinished", "unknown", "cost", "corrected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.usage += other.usage
        return self


@dataclass
class Collector:
    """Turns result lines into stored summaries and request outcomes; `spent` gathers usage and
    cost per (kind, paper id) for the run's report (the engine's `spent`)."""

    store: Store
    ledger: BatchLedger
    language: str
    price: Price | None  # the batch price
    spent: Spent = field(default_factory=dict)
    budget: Budget | None = None  # the run's --max-cost budget, charged with what batches cost
    glossary: Glossary | None = None  # the reader's corrects answers as it does live ones

    def ingest(
        self, results: Iterable[BatchResult], lookup: Callable[[str], tuple[str, RequestRow] | None]
    ) -> Tally:
        """Store every result whose request `lookup` knows (custom_id -> (batch key, request))."""
        tally = Tally()
        summaries: list[Summary] = []
        outcomes: dict[str, list[tuple[str, str]]] = {}
        pending = 0
        for result in results:
            found = lookup(result.custom_id)
            if found is None:
                tally.unknown += 1
                log.warning("a batch result for an unknown request %s; ignored", result.custom_id)
                continue
            batch_key, request = found
            outcome, summary = self._one(result, request, tally)
            outcomes.setdefault(batch_key, []).append((result.custom_id, outcome))
            if summary is not None:
                summaries.append(summary)
            pending += 1
            if pending >= COMMIT_EVERY:
                self._commit(summaries, outcomes)
                summaries, outcomes, pending = [], {}, 0
        self._commit(summaries, outcomes)
        return tally

    def ingest_file(self, batch_key: str, path: Path) -> Tally:
        requests = self.ledger.requests(batch_key)

        def lookup(custom_id: str) -> tuple[str, RequestRow] | None:
            request = requests.get(custom_id)
            return (batch_key, request) if request is not None else None

        return self.ingest(read_results(path), lookup)

    def _one(
        self, result: BatchResult, request: RequestRow, tally: Tally
    ) -> tuple[str, Summary | None]:
        key = request.key
        kind = cast(SummaryKind, key.kind)
        if result.completion is None:
            if result.unfinished:
                tally.unfinished += 1
                return "unfinished", None
            tally.failed += 1
            log.info("%s: batch request failed: %s", key.paper_id, result.error)
            return "failed", None
        usage = result.completion.usage
        cost = self.price.cost(usage) if self.price else 0.0
        before = self.spent.get((kind, key.paper_id), (Usage(), 0.0))
        self.spent[(kind, key.paper_id)] = (before[0] + usage, before[1] + cost)
        tally.usage += usage
        tally.cost += cost
        if self.budget is not None:
            self.budget.spent += cost
        try:
            answer = read_answer(
                result.completion, kind=kind, language=self.language, glossary=self.glossary
            )
        except InvalidAnswer as exc:
            tally.invalid += 1
            log.info("%s: batch answer invalid: %s", key.paper_id, exc)
            return "invalid", None
        tally.ok += 1
        tally.corrected += answer.corrections
        return "ok", Summary(
            paper_id=key.paper_id,
            version=key.version,
            kind=kind,
            prompt_version=key.prompt_version,
            model=key.model,
            payload=answer.summary.model_dump(),
            usage=usage,
            source=request.source,
        )

    def _commit(self, summaries: list[Summary], outcomes: dict[str, list[tuple[str, str]]]) -> None:
        if not summaries and not outcomes:
            return
        with self.ledger.transaction():
            for summary in summaries:
                self.store.save_summary(summary)
            for batch_key, pairs in outcomes.items():
                self.ledger.resolve(batch_key, pairs)
