"""`summarizer batch status|cancel|export|import`: the provider batches this store has submitted,
and request files for `vllm run_batch` (docs.vllm.ai: it reads and writes the OpenAI batch file
format; there is no Files/Batches server)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from ..batch.collect import Collector
from ..batch.run import BatchRun
from ..core.days import digest_days, parse_day
from ..core.errors import InputError
from ..core.redaction import protect_secret
from ..core.selection import plan_day
from ..llm.batch import BatchLimits, BatchRequest, write_request_files
from ..llm.batch_client import BatchUnavailable
from ..llm.batch_results import read_results
from ..run.pipeline import KINDS, Pipeline
from ..run.settings import load_settings
from ..store.batch_ledger import EXPORT, BatchLedger, RequestRow
from . import console

CANCEL_WAIT = 600.0  # seconds to wait for cancelled batches to settle before leaving it to status


def _options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--out", "output_dir", help="Output directory (SUMMARIZER_OUTPUT_DIR)."),
            click.option("--cache", help="SQLite store path (SUMMARIZER_CACHE)."),
            click.option("--model", help="Model name (SUMMARIZER_MODEL)."),
            click.option("-v", "--verbose", count=True, help="More diagnostics on stderr."),
        ]
    ):
        func = option(func)
    return func


def _pipeline(kw: dict[str, Any]) -> Pipeline:
    console.configure_logging(kw.pop("verbose", 0))
    settings = load_settings(**kw)
    protect_secret(settings.llm.openai_api_key)
    return Pipeline(settings)


@click.group("batch")
def batch_group() -> None:
    """The provider batches this store has submitted; request files for vllm run_batch."""


@batch_group.command(short_help="List this store's batches; collect ended ones.")
@_options
def status(**kw: Any) -> int:
    """List this store's batches; collect the results of those that have ended."""
    pipeline = _pipeline(kw)
    run = BatchRun(pipeline)
    try:
        if any(row.endpoint != EXPORT for row in run.ledger.batches(open_only=True)):
            run.recover()
            run.poll()
            run.record_collection("batch status")
        _table(run.ledger)
    finally:
        run.close()
        pipeline.close()
    return 0


@batch_group.command(short_help="Cancel running batches; collect what they did.")
@_options
def cancel(**kw: Any) -> int:
    """Cancel every running batch this store submitted, and collect what they finished."""
    pipeline = _pipeline(kw)
    run = BatchRun(pipeline)
    try:
        run.recover()
        for row in run.ledger.batches(open_only=True):
            if row.endpoint == EXPORT or row.provider_id is None:
                continue
            try:
                state = run.client.cancel(row.provider_id)
            except BatchUnavailable as exc:  # it ended meanwhile (409), or a passing fault
                console.say(f"batch {row.provider_id}: not cancelled ({exc})")
                continue
            run.ledger.update(row.key, state)
            console.say(f"batch {row.provider_id}: {state.status}")
        deadline = time.monotonic() + CANCEL_WAIT
        while True:
            run.poll()
            left = [r for r in run.ledger.batches(open_only=True) if r.endpoint != EXPORT]
            if not left or time.monotonic() > deadline:
                break
            time.sleep(pipeline.settings.batch.poll)
        run.record_collection("batch cancel")
        _table(run.ledger)
    finally:
        run.close()
        pipeline.close()
    return 0


@batch_group.command("export", short_help="Write a request file for vllm run_batch.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "first", help="First digest day, YYYY-MM-DD.")
@click.option("--to", "last", help="Last digest day, YYYY-MM-DD (default: --from).")
@click.option("--format", "fmt", type=click.Choice(["toc", "jekyll", "all"]), default="toc")
@_options
def export(file: Path, first: str | None, last: str | None, fmt: str, **kw: Any) -> int:
    """Write the requests the days still need as one JSONL file for `vllm run_batch -i FILE`."""
    if first is None:
        raise InputError("batch export needs --from (and --to for more than one day)")
    try:
        days = digest_days(parse_day(first), parse_day(last or first))
    except ValueError as exc:
        raise InputError(str(exc)) from None
    pipeline = _pipeline(kw)
    run = BatchRun(pipeline)
    ledger = run.ledger
    settings = pipeline.settings
    try:

        def requests() -> Iterator[BatchRequest]:
            for day in days:
                plan = plan_day(
                    day,
                    categories=settings.sources.categories,
                    late_days=settings.sources.late_days,
                )
                if plan.ready_at > datetime.now(UTC):
                    continue
                papers = run.to_summarize(plan)
                pipeline.store.save_papers(papers)
                yield from run.requests(day, papers, KINDS[fmt])

        unlimited = BatchLimits(max_requests=10**12, max_bytes=10**15)
        file.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        for part in write_request_files(
            requests(), directory=file.parent, stem=f".{file.name}", limits=unlimited
        ):
            key = ledger.begin(endpoint=EXPORT)
            ledger.add_requests(key, part.requests)
            ledger.set_status(key, "exported")
            part.path.replace(file)
            written = len(part.requests)
        console.say(
            f"wrote {written} requests to {file}"
            if written
            else "no request needed: nothing written"
        )
        if written:
            console.say(
                f"next: vllm run_batch -i {file} -o results.jsonl --model {settings.llm.model}"
            )
            console.say("then: summarizer batch import results.jsonl")
    finally:
        pipeline.close()
    return 0


@batch_group.command("import", short_help="Store the answers of a vllm run_batch output.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_options
def import_(file: Path, **kw: Any) -> int:
    """Store the answers of a `vllm run_batch` output file, validated as live answers are."""
    pipeline = _pipeline(kw)
    ledger = BatchLedger(pipeline.store)
    try:
        ids = [result.custom_id for result in read_results(file)]
        known = ledger.exported(ids)
        collector = Collector(
            store=pipeline.store, ledger=ledger, language=pipeline.settings.llm.language, price=None
        )

        def lookup(custom_id: str) -> tuple[str, RequestRow] | None:
            return known.get(custom_id)

        tally = collector.ingest(read_results(file), lookup)
        for key in sorted({batch_key for batch_key, _ in known.values()}):
            ledger.collected(key)
    finally:
        pipeline.close()
    console.say(
        f"{tally.ok} summaries stored, {tally.invalid} invalid, {tally.failed} failed, "
        f"{tally.unknown} not from an exported file; `summarizer digest` or `backfill` for the "
        "same days now writes the digests"
    )
    return 0


def _table(ledger: BatchLedger) -> None:
    rows = ledger.batches()
    if not rows:
        console.say("no batches submitted from this store")
        return
    table = Table(title="batches")
    for column in ("batch", "days", "status", "done", "failed", "created UTC", "collected"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.provider_id or row.key,
            row.days,
            row.status,
            f"{row.completed + row.failed}/{row.total}",
            str(row.failed),
            _short(row.created_at),
            _short(row.collected_at),
        )
    console.out.print(table)


def _short(stamp: str | None) -> str:
    """2026-01-07T08:15:00+00:00 -> 01-07 08:15 (UTC), to keep the table narrow."""
    return stamp[5:16].replace("T", " ") if stamp else ""
