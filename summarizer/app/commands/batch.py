"""`summarizer batch status|cancel|export|import`: the provider batches this store has submitted,
and request files for `vllm run_batch` (summarizer.batch.manage). Loaded only when `batch` is
named (see options.Commands)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ...core.errors import InputError
from ..options import day_argument

if TYPE_CHECKING:
    from ...batch.run import BatchRun
    from ...run.context import RunContext
    from ...run.pipeline import Format

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


def _context(kw: dict[str, Any]) -> RunContext:
    from ...core.redaction import protect_secret
    from ...run.settings import load_settings
    from .. import console, runs

    console.configure_logging(kw.pop("verbose", 0))
    settings = load_settings(**kw)
    protect_secret(settings.llm.openai_api_key)
    return runs.run_context(settings)


@click.group("batch")
def batch_group() -> None:
    """The provider batches this store has submitted; request files for vllm run_batch."""


@batch_group.command(short_help="List this store's batches; collect ended ones.")
@_options
def status(**kw: Any) -> int:
    """List this store's batches; collect the results of those that have ended."""
    from ...batch.manage import collect_open

    return _on_batches(kw, lambda engine: collect_open(engine, command="batch status"))


@batch_group.command(short_help="Cancel running batches; collect what they did.")
@_options
def cancel(**kw: Any) -> int:
    """Cancel every running batch this store submitted, and collect what they finished."""
    from ...batch.manage import cancel_open

    return _on_batches(kw, lambda engine: cancel_open(engine, wait=CANCEL_WAIT))


def _on_batches(kw: dict[str, Any], work: Callable[[BatchRun], None]) -> int:
    """`work` on the store's batch engine, then the table of its batches."""
    context = _context(kw)
    from ...run.batched import batch_engine
    from ..tables import batches_table

    engine = batch_engine(context)
    try:
        work(engine)
        batches_table(engine.ledger.batches())
    finally:
        engine.close()
        context.close()
    return 0


@batch_group.command("export", short_help="Write a request file for vllm run_batch.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "first", help="First digest day, YYYY-MM-DD.")
@click.option("--to", "last", help="Last digest day, YYYY-MM-DD (default: --from).")
@click.option("--format", "fmt", type=click.Choice(["toc", "jekyll", "all"]), default="toc")
@_options
def export(file: Path, first: str | None, last: str | None, fmt: Format, **kw: Any) -> int:
    """Write the requests the days still need as one JSONL file for `vllm run_batch -i FILE`."""
    if first is None:
        raise InputError("batch export needs --from (and --to for more than one day)")
    from ...core.days import digest_days

    try:
        days = digest_days(day_argument(first), day_argument(last or first))
    except ValueError as exc:
        raise InputError(str(exc)) from None
    context = _context(kw)
    from ...run.batched import batch_engine, export_days
    from ...run.pipeline import Pipeline
    from .. import console

    try:
        written = export_days(Pipeline(context), batch_engine(context), days, fmt=fmt, file=file)
        console.say(
            f"wrote {written} requests to {file}"
            if written
            else "no request needed: nothing written"
        )
        if written:
            console.say(
                f"next: vllm run_batch -i {file} -o results.jsonl --model {context.keys.model}"
            )
            console.say("then: summarizer batch import results.jsonl")
    finally:
        context.close()
    return 0


@batch_group.command("import", short_help="Store the answers of a vllm run_batch output.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_options
def import_(file: Path, **kw: Any) -> int:
    """Store the answers of a `vllm run_batch` output file, validated as live answers are."""
    context = _context(kw)
    from ...batch.manage import import_results
    from .. import console

    try:
        tally = import_results(context.store, file, language=context.summary.language)
    finally:
        context.close()
    for line in tally.warnings(str(file), owner="this store"):
        console.warn(line)
    console.say(
        f"{tally.ok} summaries stored, {tally.invalid} invalid, {tally.failed} failed, "
        f"{tally.unknown:,} not from an exported file; `summarizer digest` or `backfill` for the "
        "same days now writes the digests"
    )
    return 0
