"""The Batch API engine: submit what the days need, wait, collect; the run writes each day.

For each day (oldest first) the (kind, paper) pairs without a stored summary, not already in an
open batch and with attempts left become one batch (split only at the provider's limits), recorded
in the store before it is waited for. Then every open batch of the store is polled each
`SUMMARIZER_BATCH_POLL` seconds; results are stored as they arrive, and a day is handed back to
the run (`ready_days`) as soon as none of its requests is still open: the run writes it as a live
run does, so its files are byte-identical, asking live what the batches left undone (error
lines, invalid answers, requests an expired batch never ran) within the attempt limit. When many
are left, they go into one follow-up batch first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime

from ..core.batches import BatchState
from ..core.errors import InputError
from ..core.records import Paper, SummaryKind, Usage
from ..llm.attempts import EXPECTED_COMPLETION
from ..llm.batch import BatchRequest, batch_limits, drop_requests, write_request_files
from ..llm.batch_client import BatchClient, BatchNotFound, BatchUnavailable, result_file_limit
from ..llm.cost import Budget, Price
from ..llm.modes import ModeSwitch
from ..llm.tokens import count_tokens
from ..store.batch_ledger import EXPORT, BatchLedger, BatchRow
from ..store.database import Store
from .collect import Collector, Spent, Tally
from .progress import BatchDisplay, BatchProgress
from .requests import BatchOptions, Keys, needed_requests

log = logging.getLogger(__name__)
FOLLOW_UP_MIN = 200  # requests left undone by a day's batch: fewer go live, more go in a new batch


class BatchRun:
    """The Batch API engine of one run: its store, the run's summary keys, response mode and
    budget, the provider's batch client (made when first needed: a run with nothing to send needs
    no key), and the display it tells what happens. `spent` gathers what the batches it collects
    cost, per (kind, paper id): the run reports those summaries as made, at that cost."""

    def __init__(
        self,
        *,
        store: Store,
        keys: Keys,
        options: BatchOptions,
        modes: ModeSwitch,
        budget: Budget,
        price: Price | None,
        connect: Callable[[], BatchClient],
        display: BatchDisplay,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.keys = keys
        self.options = options
        self.modes = modes
        self.budget = budget
        self.ledger = BatchLedger(store)
        self.spent: Spent = {}
        self.collector = Collector(
            store=store,
            ledger=self.ledger,
            language=options.language,
            price=price.for_batch() if price else None,
            spent=self.spent,
            budget=budget,
            glossary=options.guidance.glossary,
        )
        self.limits = batch_limits(options.base_url)
        self.endpoint = options.base_url or "https://api.openai.com/v1"
        self.work_dir = options.work_dir
        self.sleep = sleep
        self.submitted = 0
        self.committed = 0.0  # estimated cost of the requests this run has submitted
        self.refused = 0  # requests left out to stay within --max-cost
        self.started = datetime.now(UTC)
        self._connect = connect
        self._client: BatchClient | None = None
        self.display = display
        self.progress = BatchProgress(display)

    @property
    def client(self) -> BatchClient:
        if self._client is None:
            self._client = self._connect()
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
        return needed_requests(
            self.keys,
            self.ledger,
            options=self.options,
            modes=self.modes,
            day=day,
            papers=papers,
            kinds=kinds,
        )

    def submit_day(self, day: date, papers: list[Paper], kinds: tuple[SummaryKind, ...]) -> None:
        """The requests of the day's `papers` (stored first: the batch answers name them)."""
        self.store.papers.save(papers)
        self.submit(self.requests(day, papers, kinds), stem=str(day))

    def submit(self, requests: Iterator[BatchRequest], *, stem: str) -> list[str]:
        """Write, upload and create batches for `requests`; each is recorded the moment it
        exists, before anything waits on it."""
        keys = []
        unique = f"{stem}-{os.getpid()}-{int(time.time())}"
        if self.budget.limit is not None:
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
            self.display.say(f"batch {state.id} submitted: {held} requests ({stem})")
        return keys

    def _within_budget(self, requests: Iterator[BatchRequest]) -> Iterator[BatchRequest]:
        """Only the requests whose estimated cost (prompt counted, answer at its expected size,
        at the batch price) keeps what was spent plus what was submitted within --max-cost.
        What batches spend is added to the run's budget as it is collected, so live retries
        see it too."""
        budget = self.budget
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
                self.display.say(f"batch {row.provider_id}: the provider no longer knows it")
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
        limit = result_file_limit(max(row.total, state.total))
        for kind, file_id in (("output", state.output_file_id), ("error", state.error_file_id)):
            if not file_id:
                continue
            self.work_dir.mkdir(parents=True, exist_ok=True)
            # named by our key, not by the provider's file id (its text, maybe `../..`)
            path = self.work_dir / f"{row.key}-{kind}-{os.getpid()}.jsonl"
            whole = self.client.download(file_id, path, limit=limit)
            got = self.collector.ingest_file(row.key, path)
            if not whole:
                got.stopped = got.stopped or f"larger than {limit:,} bytes"
            for line in got.warnings(f"the {kind} file of batch {state.id}", owner="that batch"):
                log.warning("%s", line)
            tally += got
            path.unlink(missing_ok=True)
        self.ledger.collected(row.key)
        if state.status == "failed":
            waits = " (submitted again once the queue drains)" if state.queue_full else ""
            self.display.say(f"batch {state.id} failed: {state.error or 'no reason given'}{waits}")
        self.display.say(
            f"batch {state.id} {state.status}: {tally.ok} summaries stored, "
            f"{tally.invalid} invalid, {tally.failed} failed, {tally.unfinished} not run"
            + (f"; glossary: {tally.corrected} variant(s) replaced" if tally.corrected else "")
        )
        return tally

    # --- days ---------------------------------------------------------------------------------
    def ready_days(
        self,
        days: Iterable[date],
        *,
        again: Callable[[date], Iterator[BatchRequest]],
        wait: bool,
    ) -> Iterator[tuple[date, int]]:
        """Each of `days` (oldest first) once none of its requests is still open, with the live
        attempts its papers have left, for the caller to write; then the next. What a day's
        batches left undone (`again(day)`: the requests it still needs) goes into one follow-up
        batch first when it is much; a day refused for a full provider queue goes in again once
        the queue has drained. Without `wait`, only the days ready at the first look."""
        waiting = set(days)
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
                    if not self.submit(again(day), stem=f"{day}-again"):
                        alone.add(day)  # nothing left to send: write it
                if len(queued) == 1:
                    alone.add(queued[0])
            else:
                for day in sorted(waiting - still_open - set(queued)):
                    if day not in followed and self._follow_up(day, again):
                        followed.add(day)
                        continue
                    self.progress.close()  # one live display at a time: the digest shows its own
                    yield day, self.attempts_left(day)
                    waiting.discard(day)
            if not waiting or not wait:
                break
            self.sleep(self.options.poll)

    def attempts_left(self, day: date) -> int:
        """Each batch answer was one attempt: the live retries of what batches left get the rest."""
        return max(1, self.options.attempts - self.ledger.most_attempts(day))

    def record_collection(self, command: str) -> None:
        """What was collected for no day of this run (batches of other days, `batch status`)
        goes into the runs record on its own, so every batch answer's cost is recorded once."""
        spent = self.spent
        if not spent:
            return
        usage, cost = Usage(), 0.0
        for used, paid in spent.values():
            usage += used
            cost += paid
        self.store.runs.record(
            command=command,
            day=None,
            started_at=self.started,
            status="complete",
            stats={
                "model": self.keys.model,
                "batch": True,
                "answers": len(spent),
                "usage": usage.model_dump(),
                "cost": cost if self.collector.price is not None else None,
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

    def _follow_up(self, day: date, again: Callable[[date], Iterator[BatchRequest]]) -> bool:
        if self.ledger.undone(day) < FOLLOW_UP_MIN:
            return False
        return bool(self.submit(again(day), stem=f"{day}-again"))
