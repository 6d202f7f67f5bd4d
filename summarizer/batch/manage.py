"""A store's provider batches outside a digest (`summarizer batch status|cancel|export|import`):
collect the open ones, cancel them, and the request and result files of `vllm run_batch`
(docs.vllm.ai: it reads and writes the OpenAI batch file format; there is no Files/Batches
server)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from ..core.errors import InputError
from ..llm.batch import BatchLimits, BatchRequest, write_request_files
from ..llm.batch_client import BatchUnavailable
from ..store.batch_ledger import EXPORT, BatchLedger
from ..store.database import Store
from .collect import Collector, Tally
from .run import BatchRun


def collect_open(engine: BatchRun, *, command: str) -> None:
    """Settle what killed runs left, and collect the provider batches that have ended."""
    if any(row.endpoint != EXPORT for row in engine.ledger.batches(open_only=True)):
        engine.recover()
        engine.poll()
        engine.record_collection(command)


def cancel_open(engine: BatchRun, *, wait: float) -> None:
    """Cancel every running provider batch of the store, then collect what they finished (up to
    `wait` seconds for them to settle; `batch status` collects the rest)."""
    engine.recover()
    for row in engine.ledger.batches(open_only=True):
        if row.endpoint == EXPORT or row.provider_id is None:
            continue
        try:
            state = engine.client.cancel(row.provider_id)
        except BatchUnavailable as exc:  # it ended meanwhile (409), or a passing fault
            engine.display.say(f"batch {row.provider_id}: not cancelled ({exc})")
            continue
        engine.ledger.update(row.key, state)
        engine.display.say(f"batch {row.provider_id}: {state.status}")
    deadline = time.monotonic() + wait
    while True:
        engine.poll()
        left = [r for r in engine.ledger.batches(open_only=True) if r.endpoint != EXPORT]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(engine.options.poll)
    engine.record_collection("batch cancel")


def export_requests(ledger: BatchLedger, requests: Iterator[BatchRequest], file: Path) -> int:
    """Write `requests` as one JSONL file for `vllm run_batch -i FILE`, recorded as an exported
    batch (its answers come back by `import_results`); how many were written."""
    unlimited = BatchLimits(max_requests=10**12, max_bytes=10**15)
    file.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    for part in write_request_files(
        requests, directory=file.parent, stem=f".{file.name}", limits=unlimited
    ):
        key = ledger.begin(endpoint=EXPORT)
        ledger.add_requests(key, part.requests)
        ledger.set_status(key, "exported")
        part.path.replace(file)
        written = len(part.requests)
    return written


def import_results(store: Store, path: Path, *, language: str) -> Tally:
    """Store the answers of a `vllm run_batch` output file (of requests `export_requests`
    wrote), validated as live answers are; their exported batches are collected. Read once, a
    slice at a time: a file of any size (or a stream that never ends) keeps memory flat. A file
    with no batch result in it, or one read only in part, is refused after what it held is
    stored (exit 2)."""
    ledger = BatchLedger(store)
    collector = Collector(store=store, ledger=ledger, language=language, price=None)
    tally, keys = collector.ingest_export(path)
    for key in sorted(keys):
        ledger.collected(key)
    results = tally.ok + tally.invalid + tally.failed + tally.unfinished + tally.unknown
    if tally.stopped or (tally.unreadable and not results):
        stored = f"; {tally.ok} summaries before it are stored" if tally.ok else ""
        raise InputError(
            f"{path} is not a batch results file (`vllm run_batch -o`): "
            f"{tally.stopped or f'none of its {tally.unreadable:,} lines is a batch result'}"
            f"{stored}"
        )
    return tally
