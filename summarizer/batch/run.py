"""Digests through the provider's Batch API: submit what the days need, wait, collect, write.

For each day (oldest first) the (kind, paper) pairs without a stored summary, not already in an
open batch and with attempts left become one batch (split only at the provider's limits), recorded
in the store before it is waited for. Then every open batch of the store is polled each
`SUMMARIZER_BATCH_POLL` seconds; results are stored as they arrive and a day is digested (by the
ordinary pipeline, so its files are byte-identical to the live path's) as soon as none of its
requests is still open. What the batches left undone (error lines, invalid answers, requests an
expired batch never ran) is asked live by that digest within the attempt limit, or, when many are
left, goes into one follow-up batch first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

from ..app import console
from ..core.errors import InputError
from ..core.records import Paper, SummaryKind, Usage
from ..core.selection import Plan
from ..llm.attempts import EXPECTED_COMPLETION
from ..llm.batch import BatchRequest, batch_limits, drop_requests, write_request_files
from ..llm.batch_client import (
    BatchClient,
    BatchNotFound,
    BatchState,
    BatchUnavailable,
    OpenAIBatches,
)
from ..llm.tokens import count_tokens
from ..run.pipeline import KINDS, Pipeline
from ..run.report import DayReport
from ..store.batch_ledger import EXPORT, BatchLedger, BatchRow
from .collect import Collector, Tally
from .progress import BatchProgress
from .requests import needed_requests

log = logging.getLogger(__name__)
FOLLOW_UP_MIN = 200  # requests left undone by a day's batch: fewer go live, more go in a new batch


class BatchRun:
    def __init__(
        self,
        pipeline: Pipeline,
        *,
        client: BatchClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.pipeline = pipeline
        self.settings = pipeline.settings
        self.store = pipeline.store
        self.ledger = BatchLedger(self.store)
        self.collector = Collector(
            store=self.store,
            ledger=self.ledger,
            language=self.settings.llm.language,
            price=pipeline.price.for_batch() if pipeline.price else None,
            spent=pipeline.batch_spent,
            budget=pipeline.budget,
        )
        self.limits = batch_limits(self.settings.llm.openai_base_url)
        self.endpoint = self.settings.llm.openai_base_url or "https://api.openai.com/v1"
        self.work_dir = self.settings.output.dir / ".batch"
        self.sleep = sleep
        self.submitted = 0
        self.committed = 0.0  # estimated cost of the requests this run has submitted
        self.refused = 0  # requests left out to stay within --max-cost
        self.started = datetime.now(UTC)
        self._client = client
        self.progress = BatchProgress()

    @property
    def client(self) -> BatchClient:
        if self._client is None:
            self._client = OpenAIBatches(
                api_key=self.settings.llm.require_key(),
                base_url=self.settings.llm.openai_base_url,
                organization=self.settings.llm.openai_org_id,
                project=self.settings.llm.openai_project_id,
                timeout=self.settings.llm.timeout,
            )
        return self._client

    def close(self) -> None:
        self.progress.close()
        if self._client is not None:
            self._client.close()

    # --- submitting ------------------------------------------------------------------------
    def recover(self) -> None:
        """Settle batches a killed run left half-made: never sent (drop them) or sent but not
        recorded as created (find the batch made from their file, else drop them)."""
        self._sweep()
        for row in self.ledger.batches(open_only=True):
            if row.endpoint not in {EXPORT, self.endpoint}:
                raise InputError(
                    f"batch {row.provider_id or row.key} of this store was submitted to "
                    f"{row.endpoint}: set OPENAI_BASE_URL to it to collect it "
                    "(summarizer batch status), or cancel it there first"
                )
            if row.status == "writing":
                self.ledger.forget(row.key)
            elif row.status == "uploaded" and row.input_file:
                state = self.client.find_by_input(row.input_file)
                if state is None:
                    self.ledger.forget(row.key)
                else:
                    self.ledger.submitted(row.key, state)

    def _sweep(self) -> None:
        """Request and result files left by killed runs (a day old: none is still in use)."""
        if not self.work_dir.is_dir():
            return
        for path in self.work_dir.iterdir():
            with contextlib.suppress(OSError):
                if time.time() - path.stat().st_mtime > 86400:
                    path.unlink()

    def requests(
        self, day: date | None, papers: list[Paper], kinds: tuple[SummaryKind, ...]
    ) -> Iterator[BatchRequest]:
        return needed_requests(self.pipeline, self.ledger, day=day, papers=papers, kinds=kinds)

    def submit(self, requests: Iterator[BatchRequest], *, stem: str) -> list[str]:
        """Write, upload and create batches for `requests`; each is recorded the moment it
        exists, before anything waits on it."""
        keys = []
        unique = f"{stem}-{os.getpid()}-{int(time.time())}"
        if self.settings.llm.max_cost is not None:
            requests = self._within_budget(requests)
        for file in write_request_files(
            requests, directory=self.work_dir, stem=unique, limits=self.limits
        ):
            key = self.ledger.begin(endpoint=self.endpoint)
            taken = self.ledger.claim(key, file.requests)
            if taken and not drop_requests(file.path, taken):
                self.ledger.forget(key)  # an overlapping run holds every one of them
                file.path.unlink(missing_ok=True)
                continue
            file_id = self.client.upload(file.path)
            self.ledger.uploaded(key, file_id)
            state = self.client.submit(file_id, metadata={"summarizer_batch": key})
            self.ledger.submitted(key, state)
            file.path.unlink(missing_ok=True)
            self.submitted += 1
            keys.append(key)
            held = len(file.requests) - len(taken)
            console.say(f"batch {state.id} submitted: {held} requests ({stem})")
        return keys

    def _within_budget(self, requests: Iterator[BatchRequest]) -> Iterator[BatchRequest]:
        """Only the requests whose estimated cost (prompt counted, answer at its expected size,
        at the batch price) keeps what was spent plus what was submitted within --max-cost.
        What batches spend is added to the run's budget as it is collected, so live retries
        see it too."""
        budget = self.pipeline.budget
        price = self.collector.price
        assert budget.limit is not None and price is not None  # --max-cost needs a price
        for request in requests:
            messages = request.body["messages"]
            estimate = Usage(
                requests=1,
                prompt_tokens=sum(count_tokens(m["content"]) for m in messages),
                completion_tokens=EXPECTED_COMPLETION[request.key.kind],
            )
            cost = price.cost(estimate)
            if budget.spent + self.committed + cost > budget.limit:
                if not self.refused:
                    log.warning(
                        "--max-cost %.4f USD would be passed (spent %.4f, submitted about "
                        "%.4f); not submitting %s nor others that do not fit",
                        budget.limit,
                        budget.spent,
                        self.committed,
                        request.key.paper_id,
                    )
                self.refused += 1
                continue
            self.committed += cost
            yield request

    # --- collecting ------------------------------------------------------------------------
    def poll(self) -> Tally:
        """Look once at every open batch of this store; collect those that have ended."""
        tally = Tally()
        for row in self.ledger.batches(open_only=True):
            if row.endpoint == EXPORT or row.provider_id is None:
                continue
            try:
                state = self.client.get(row.provider_id)
            except BatchUnavailable as exc:
                log.warning("%s; looking again later", exc)
                continue
            except BatchNotFound:
                # Deleted at the provider (or never ours): its requests are asked again.
                console.say(f"batch {row.provider_id}: the provider no longer knows it")
                self.ledger.set_status(row.key, "not found")
                self.ledger.collected(row.key)
                continue
            self.ledger.update(row.key, state)
            self.progress.show(state, days=row.days, total=row.total)
            if state.terminal:
                tally += self.collect(row, state)
        return tally

    def collect(self, row: BatchRow, state: BatchState) -> Tally:
        tally = Tally()
        for file_id in (state.output_file_id, state.error_file_id):
            if not file_id:
                continue
            self.work_dir.mkdir(parents=True, exist_ok=True)
            path = self.work_dir / f"{file_id}.jsonl"
            self.client.download(file_id, path)
            tally += self.collector.ingest_file(row.key, path)
            path.unlink(missing_ok=True)
        self.ledger.collected(row.key)
        if state.status == "failed":
            waits = " (submitted again once the queue drains)" if state.queue_full else ""
            console.say(f"batch {state.id} failed: {state.error or 'no reason given'}{waits}")
        console.say(
            f"batch {state.id} {state.status}: {tally.ok} summaries stored, "
            f"{tally.invalid} invalid, {tally.failed} failed, {tally.unfinished} not run"
        )
        return tally

    # --- days ---------------------------------------------------------------------------------
    def run(
        self,
        plans: list[Plan],
        *,
        fmt: str,
        wait: bool,
        skip: Callable[[Plan], DayReport | None] = lambda plan: None,
        on_report: Callable[[DayReport], None] = lambda report: None,
    ) -> list[DayReport]:
        """Submit what `plans` need, then (with `wait`) collect and digest every day."""
        kinds = KINDS[fmt]
        self.recover()
        self.poll()  # what earlier runs submitted first: finished or lost batches settle now
        reports: dict[date, DayReport] = {}
        waiting: dict[date, Plan] = {}
        found: dict[date, int] = {}
        for plan in plans:
            done = skip(plan)
            if done is not None:
                reports[plan.day] = done
                on_report(done)
                continue
            papers = self.to_summarize(plan)
            found[plan.day] = len(papers)
            self.store.save_papers(papers)
            self.submit(self.requests(plan.day, papers, kinds), stem=str(plan.day))
            waiting[plan.day] = plan
        followed: set[date] = set()
        alone: set[date] = set()  # resubmitted with nothing else queued: no use trying again
        while True:
            self.poll()
            still_open = self.ledger.open_days()
            queued = [d for d in sorted(waiting) if d not in still_open and self._queued(d, alone)]
            if queued and not still_open:
                # The provider's queue has drained: everything refused for a full queue goes in
                # again; whatever does not fit is refused again and waits for the next drain.
                for day in queued:
                    needed = self._still_needed(waiting[day], kinds)
                    if not self.submit(needed, stem=f"{day}-again"):
                        alone.add(day)  # nothing left to send: write it
                if len(queued) == 1:
                    alone.add(queued[0])
            else:
                for day in sorted(set(waiting) - still_open - set(queued)):
                    plan = waiting[day]
                    if day not in followed and self._follow_up(plan, kinds):
                        followed.add(day)
                        continue
                    report = self._digest(plan, fmt)
                    reports[day] = report
                    on_report(report)
                    del waiting[day]
            if not waiting or not wait:
                break
            self.sleep(self.settings.batch.poll)
        for day in waiting:
            reports[day] = DayReport(day=day, found=found.get(day, 0), note="waiting for its batch")
        self.record_collection("batch collect")
        return [reports[day] for day in sorted(reports)]

    def record_collection(self, command: str) -> None:
        """What was collected for no day of this run (batches of other days, `batch status`)
        goes into the runs record on its own, so every batch answer's cost is recorded once."""
        spent = self.pipeline.batch_spent
        if not spent:
            return
        usage, cost = Usage(), 0.0
        for used, paid in spent.values():
            usage += used
            cost += paid
        self.store.record_run(
            command=command,
            day=None,
            started_at=self.started,
            status="complete",
            stats={
                "model": self.settings.llm.model,
                "batch": True,
                "answers": len(spent),
                "usage": usage.model_dump(),
                "cost": cost if self.pipeline.price is not None else None,
            },
        )
        spent.clear()

    def _queued(self, day: date, alone: set[date]) -> bool:
        """Whether `day` waits for the provider's queue to drain before going in again."""
        if not self.ledger.queue_full(day):
            return False
        if day in alone:
            log.warning("%s: alone it is still too large for the provider's batch queue", day)
            return False
        return True

    def _still_needed(self, plan: Plan, kinds: tuple[SummaryKind, ...]) -> Iterator[BatchRequest]:
        return self.requests(plan.day, self.to_summarize(plan), kinds)

    def to_summarize(self, plan: Plan) -> list[Paper]:
        """The day's papers the digest will summarize: exclusions and SUMMARIZER_TOP applied."""
        papers = plan.papers(self.pipeline.source.search, store=self.store)
        ranker = self.pipeline.ranker
        return ranker.rank(papers).chosen if ranker is not None else papers

    def _follow_up(self, plan: Plan, kinds: tuple[SummaryKind, ...]) -> bool:
        if self.ledger.undone(plan.day) < FOLLOW_UP_MIN:
            return False
        return bool(self.submit(self._still_needed(plan, kinds), stem=f"{plan.day}-again"))

    def _digest(self, plan: Plan, fmt: str) -> DayReport:
        self.progress.close()  # one live display at a time: the digest may show its own
        # Each batch answer was one attempt: the live retries of what batches left get the rest.
        used = self.ledger.most_attempts(plan.day)
        self.pipeline.max_attempts = max(1, self.settings.llm.max_attempts - used)
        try:
            return self.pipeline.digest(plan, fmt=fmt)  # type: ignore[arg-type]
        finally:
            self.pipeline.max_attempts = self.settings.llm.max_attempts
