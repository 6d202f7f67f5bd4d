"""Ingesting batch results: every answer validated exactly as a live one, stored as it arrives.

Results are read a line at a time from a downloaded output or error file (or a `vllm run_batch`
output) and committed in small transactions together with the outcome of their requests, so a run
killed while ingesting keeps what it stored and the next run reads the rest. Lines that store
nothing (no request of ours, a request already answered in the file, not a result at all) are
counted and told once per file (`Tally.warnings`), never a line each.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from ..core.records import Summary, SummaryKind, Usage
from ..core.text_safety import shorten
from ..llm.answers import InvalidAnswer, read_answer
from ..llm.batch_results import BatchResult, ResultFile, ResultLine
from ..llm.cost import Budget, Price
from ..llm.glossary import Glossary
from ..store.batch_ledger import BatchLedger, RequestRow
from ..store.database import Store

log = logging.getLogger(__name__)
COMMIT_EVERY = 500  # results stored in one transaction; also the custom_ids looked up at once
# What batch answers cost, per (kind, paper id): usage and USD.
Spent = dict[tuple[SummaryKind, str], tuple[Usage, float]]
# custom_ids -> (batch key, request) of those that name a request of ours
Lookup = Callable[[list[str]], Mapping[str, tuple[str, RequestRow]]]
COUNTS = (
    "ok",
    "invalid",
    "failed",
    "unfinished",
    "unknown",
    "repeated",
    "unreadable",
    "cost",
    "corrected",
)


@dataclass
class Tally:
    ok: int = 0
    invalid: int = 0
    failed: int = 0
    unfinished: int = 0
    unknown: int = 0  # lines naming no request of ours
    repeated: int = 0  # lines naming a request already answered earlier in the file
    unreadable: int = 0  # lines that are not batch results
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    corrected: int = 0  # variants the reader's glossary replaced in the answers
    first_unknown: str | None = None
    first_unreadable: int | None = None  # a line number
    stopped: str | None = None  # why a file was not read to its end

    def __iadd__(self, other: Tally) -> Tally:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.usage += other.usage
        self.first_unknown = self.first_unknown or other.first_unknown
        self.first_unreadable = self.first_unreadable or other.first_unreadable
        self.stopped = self.stopped or other.stopped
        return self

    def read_from(self, lines: ResultFile) -> Tally:
        """This tally with what could not be read of the file it came from."""
        self.unreadable += lines.unreadable
        self.first_unreadable = self.first_unreadable or lines.first_unreadable
        self.stopped = self.stopped or lines.stopped
        return self

    def warnings(self, source: str, *, owner: str) -> list[str]:
        """One line for each kind of line of `source` that stored nothing (`owner`: whose
        requests a line should name)."""
        lines = []
        if self.stopped:
            lines.append(f"{source}: {self.stopped}; the rest of it is not read")
        if self.unreadable:
            lines.append(
                f"{_lines(self.unreadable, source, 'is', 'are')} not a batch result; "
                f"skipped (first: line {self.first_unreadable})"
            )
        if self.unknown:
            lines.append(
                f"{_lines(self.unknown, source, 'names', 'name')} no request of {owner}; "
                f"ignored (first: {shorten(repr(self.first_unknown))})"
            )
        if self.repeated:
            lines.append(
                f"{_lines(self.repeated, source, 'answers', 'answer')} a request answered "
                "earlier in it; ignored"
            )
        return lines


def _lines(count: int, source: str, one: str, many: str) -> str:
    """`1 line of F is`, `2,000 lines of F are`: the count, and the verb that agrees with it."""
    return f"1 line of {source} {one}" if count == 1 else f"{count:,} lines of {source} {many}"


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

    def ingest(self, results: Iterable[ResultLine | BatchResult], lookup: Lookup) -> Tally:
        """Store every result whose request `lookup` knows, the first for each request; a
        slice of results at a time (looked up at once, stored in one transaction)."""
        tally = Tally()
        answered: set[str] = set()  # at most one entry per request of ours
        results = iter(results)
        while piece := list(itertools.islice(results, COMMIT_EVERY)):
            found = lookup([result.custom_id for result in piece])
            summaries: list[Summary] = []
            outcomes: dict[str, list[tuple[str, str]]] = {}
            for result in piece:
                if result.custom_id not in found:
                    tally.unknown += 1
                    tally.first_unknown = tally.first_unknown or result.custom_id
                    continue
                if result.custom_id in answered:
                    tally.repeated += 1
                    continue
                answered.add(result.custom_id)
                batch_key, request = found[result.custom_id]
                outcome, summary = self._one(result.result(), request, tally)
                outcomes.setdefault(batch_key, []).append((result.custom_id, outcome))
                if summary is not None:
                    summaries.append(summary)
            self._commit(summaries, outcomes)
        return tally

    def ingest_file(self, batch_key: str, path: Path) -> Tally:
        """The results of one downloaded file of batch `batch_key`."""
        requests = self.ledger.requests(batch_key)
        lines = ResultFile(path)
        tally = self.ingest(
            lines, lambda ids: {i: (batch_key, requests[i]) for i in ids if i in requests}
        )
        return tally.read_from(lines)

    def ingest_export(self, path: Path) -> tuple[Tally, set[str]]:
        """The results of a `vllm run_batch` output of requests `batch export` wrote, and the
        keys of the exported batches they answer."""
        keys: set[str] = set()

        def lookup(ids: list[str]) -> Mapping[str, tuple[str, RequestRow]]:
            found = self.ledger.exported(ids)
            keys.update(batch_key for batch_key, _ in found.values())
            return found

        lines = ResultFile(path)
        return self.ingest(lines, lookup).read_from(lines), keys

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
                self.store.papers.save_summary(summary)
            for batch_key, pairs in outcomes.items():
                self.ledger.resolve(batch_key, pairs)
