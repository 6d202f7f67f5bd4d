"""The command line. The only place exceptions become messages and exit statuses."""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import click

from . import console, interrupts
from .backfill import run_backfill
from .batch_commands import batch_group
from .batch_requests import require_batch_api
from .batch_run import BatchRun
from .config import load_settings
from .errors import InputError, SummarizerError
from .interrupts import Interrupted
from .pipeline import Pipeline
from .publish.render import render_entry_md, render_jsonl
from .redaction import protect_secret
from .selection import Plan, plan_day
from .window import (
    NoMailing,
    digest_days,
    is_digest_day,
    latest_digest_day,
    parse_day,
)

log = logging.getLogger("summarizer")


def _settings_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--categories", help="Comma-separated arXiv categories, in display order."),
        click.option("--out", "output_dir", help="Output directory (SUMMARIZER_OUTPUT_DIR)."),
        click.option("--cache", help="SQLite store path (SUMMARIZER_CACHE)."),
        click.option("--model", help="Model name sent in every request (SUMMARIZER_MODEL)."),
        click.option("--concurrency", type=int, help="Model requests in flight at once."),
        click.option("--rpm", type=int, help="Cap on model requests per minute."),
        click.option("--tpm", type=int, help="Cap on model tokens per minute."),
        click.option("--max-cost", type=float, help="Stop starting requests past this many USD."),
        click.option(
            "--response-mode",
            help="auto (default: the provider's; json_schema, else json_object), json_schema, "
            "json_object or tools.",
        ),
        click.option(
            "--full-text/--abstract-only",
            default=None,
            help="Let the model read the paper's body (HTML, else PDF), cut to a token budget.",
        ),
        click.option("--keywords", help="Comma-separated words that raise a paper; shown in bold."),
        click.option("--exclude", help="Comma-separated words: papers holding one are left out."),
        click.option("--profile", help="Your papers: arXiv ids one a line, BibTeX or Zotero CSV."),
        click.option("--top", type=int, help="Summarize only the day's N best-ranked papers."),
        click.option("-v", "--verbose", count=True, help="More diagnostics on stderr."),
    ]
    if func.__name__ in {"digest", "backfill"}:
        options += [
            click.option(
                "--batch/--no-batch",
                default=None,
                help="Summarize through the provider's Batch API: half price, results within "
                "24 h (SUMMARIZER_BATCH).",
            ),
            click.option(
                "--no-wait",
                is_flag=True,
                help="With --batch: submit and return; `summarizer batch status` or the same "
                "command later collects.",
            ),
        ]
    for option in reversed(options):
        func = option(func)
    return func


def _setup(kwargs: dict[str, Any]) -> Pipeline:
    console.configure_logging(kwargs.pop("verbose", 0))
    settings = load_settings(**kwargs)
    protect_secret(settings.openai_api_key)
    _push_hooks().protect_push_secrets(settings)
    return Pipeline(settings, reporter=console.ProgressReporter())


def _push_hooks() -> Any:
    from .deliver import hooks  # the delivery stage: loaded when a command gets that far

    return hooks


def _day(text: str) -> date:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise InputError(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="summarizer")
def cli() -> None:
    """Each arXiv mailing as a Chinese digest: TL;DR, translation and analysis by an LLM."""


@cli.command()
@click.option("--date", "date_text", help="Digest day YYYY-MM-DD (UTC). Default: the latest.")
@click.option("--format", "fmt", type=click.Choice(["toc", "jekyll", "all"]), default="toc")
@click.option(
    "--window",
    type=click.Choice(["mailing", "anchored"]),
    default="mailing",
    help="mailing: the arXiv mailing of that day; anchored: 24 h ending at --anchor.",
)
@click.option("--anchor", default="08:50", show_default=True, help="Anchored window end, HH:MM.")
@click.option("--tz", default="Asia/Shanghai", show_default=True, help="Anchored window zone.")
@click.option("--site", "site", is_flag=True, help="Then update the static site (summarizer site).")
@click.option(
    "--push", is_flag=True, help="Then send the day to the push channels (exit 4: failed)."
)
@_settings_options
def digest(
    date_text: str | None,
    fmt: str,
    window: str,
    anchor: str,
    tz: str,
    site: bool,
    push: bool,
    **kw: Any,
) -> int:
    """Summarize one mailing and write its digest files."""
    day = _day(date_text) if date_text is not None else None
    no_wait = kw.pop("no_wait")
    pipeline = _setup(kw)
    if push:
        _push_hooks().check(pipeline.settings)
    batch = _batch(pipeline, no_wait=no_wait)
    try:
        if day is None:
            day = latest_digest_day(datetime.now(UTC))
        plan = _plan(pipeline, day, window=window, anchor=anchor, tz=tz)
        if plan is None:
            return 0
        if batch is not None:
            reports = batch.run([plan], fmt=fmt, wait=not no_wait)
        else:
            reports = [pipeline.digest(plan, fmt=fmt)]  # type: ignore[arg-type]
    except SummarizerError as exc:
        if push and exc.exit_code == 3:
            _push_hooks().run_stopped(pipeline.settings, day, exc)
        raise
    finally:
        _close(pipeline, batch)
    console.day_table(reports, price_known=pipeline.price is not None)
    if site:
        try:
            _build_site(pipeline.settings)
        except SummarizerError as exc:
            if push and exc.exit_code == 3:
                _push_hooks().run_stopped(pipeline.settings, day, exc)
            raise
    status = console.finish(reports)
    if push:
        _push_hooks().after_digest(pipeline.settings, plan.day, reports)
    return status


@cli.command()
@click.option("--date", "date_text", help="Digest day YYYY-MM-DD. Default: the latest written.")
@click.option("--to", help="Comma-separated channels (default: SUMMARIZER_PUSH, else all set up).")
@click.option("--force", is_flag=True, help="Send again what was already delivered.")
@click.option("--out", "output_dir", help="Output directory (SUMMARIZER_OUTPUT_DIR).")
@click.option("--cache", help="SQLite store path (SUMMARIZER_CACHE).")
@click.option("-v", "--verbose", count=True, help="More diagnostics on stderr.")
def push(date_text: str | None, to: str | None, force: bool, verbose: int, **kw: Any) -> int:
    """Send a written day's digest by e-mail and chat (exit 4 when a delivery fails)."""
    console.configure_logging(verbose)
    day = _day(date_text) if date_text is not None else None
    settings = load_settings(**kw)
    _push_hooks().protect_push_secrets(settings)
    _push_hooks().push_command(settings, day, to=to, force=force)
    return 0


def _batch(pipeline: Pipeline, *, no_wait: bool) -> BatchRun | None:
    """The batch engine when the run uses the provider's Batch API (--batch, SUMMARIZER_BATCH)."""
    if not pipeline.settings.batch:
        if no_wait:
            pipeline.close()
            raise InputError("--no-wait needs --batch (or SUMMARIZER_BATCH=on)")
        return None
    try:
        require_batch_api(pipeline.settings)
    except InputError:
        pipeline.close()
        raise
    return BatchRun(pipeline)


def _close(pipeline: Pipeline, batch: BatchRun | None) -> None:
    if batch is not None:
        batch.close()
        if batch.submitted and batch.ledger.batches(open_only=True):
            console.say(
                f"{batch.submitted} batch(es) submitted; `summarizer batch status` shows them, "
                "and the same command collects them once they are done."
            )
    pipeline.close()


def _plan(pipeline: Pipeline, day: date, *, window: str, anchor: str, tz: str) -> Plan | None:
    settings = pipeline.settings
    try:
        plan = plan_day(
            day,
            categories=settings.categories,
            mode=window,  # type: ignore[arg-type]
            anchor=anchor,
            tz=tz,
            late_days=settings.late_days,
        )
    except NoMailing as exc:
        console.say(f"{exc}; nothing to do.")
        return None
    except ValueError as exc:
        raise InputError(str(exc)) from None
    # A digest of a mailing not yet announced would be written empty or partial, and the day
    # recorded as done.
    ready = plan.ready_at
    if ready > datetime.now(UTC):
        raise InputError(
            f"the digest of {day} cannot be made before {ready:%Y-%m-%d %H:%M} UTC, "
            "when its papers are announced"
        )
    return plan


@cli.command()
@click.argument("ref", metavar="ID_OR_URL")
@click.option("--detailed", is_flag=True, help="Also the translation and 详细解读.")
@click.option("--format", "fmt", type=click.Choice(["panel", "md", "json"]), default="panel")
@_settings_options
def paper(ref: str, detailed: bool, fmt: str, **kw: Any) -> int:
    """Summarize one paper and print it (2511.14600, 2511.14600v2, an arXiv URL, hep-th/9901001)."""
    pipeline = _setup(kw)
    try:
        found, summaries, report = pipeline.paper(ref, detailed=detailed)
        ranking = pipeline.rank_one(found)
    finally:
        pipeline.close()
    entry = console.entry_for(found, summaries, pipeline.settings.categories)
    entry = ranking.annotate(entry) if ranking else entry
    if fmt == "md":
        click.echo(render_entry_md(entry), nl=False)
    elif fmt == "json":
        click.echo(render_jsonl(console.single_digest(entry)), nl=False)
    else:
        console.paper_panel(entry)
    return console.finish([report])


@cli.command()
@click.option("--from", "first", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "last", required=True, help="Last day, YYYY-MM-DD.")
@click.option("--format", "fmt", type=click.Choice(["toc", "jekyll", "all"]), default="toc")
@click.option("--dry-run", is_flag=True, help="List days, papers and the estimated bill only.")
@click.option("--redo", is_flag=True, help="Redo days already finished.")
@click.option("--site", "site", is_flag=True, help="Then update the static site (summarizer site).")
@click.option("--push", is_flag=True, help="Send each day to the push channels (once per day).")
@_settings_options
def backfill(
    first: str,
    last: str,
    fmt: str,
    dry_run: bool,
    redo: bool,
    site: bool,
    push: bool,
    **kw: Any,
) -> int:
    """Every mailing from --from to --to, in order; resumable."""
    start, end = _day(first), _day(last)
    if start > end:
        raise InputError(f"--from {first} is after --to {last}")
    no_wait = kw.pop("no_wait")
    pipeline = _setup(kw)
    if push:
        _push_hooks().check(pipeline.settings)
    batch = None if dry_run else _batch(pipeline, no_wait=no_wait)
    try:
        skipped = [d for d in _days(start, end) if not is_digest_day(d)]
        if len(skipped) <= 10:  # a few weeks: each named; decades: one line, not thousands
            for day in skipped:
                console.say(f"{day} is a {day:%A}: no mailing, skipped.")
        else:
            console.say(f"{len(skipped)} Saturdays and Sundays: no mailing, skipped.")
        reports = run_backfill(
            pipeline,
            digest_days(start, end),
            fmt=fmt,
            dry_run=dry_run,
            redo=redo,
            batch=batch,
            wait=not no_wait,
        )
    finally:
        _close(pipeline, batch)
    if dry_run:
        return 0
    console.day_table(reports, price_known=pipeline.price is not None)
    if site:
        _build_site(pipeline.settings)
    status = console.finish(reports)
    if push:
        _push_hooks().after_backfill(pipeline.settings, reports)
    return status


@cli.command()
@_settings_options
def doctor(**kw: Any) -> int:
    """Check the settings and the model endpoint with one small request per summary kind."""
    from .doctor import run_doctor

    console.configure_logging(kw.pop("verbose", 0))
    settings = load_settings(**kw)
    protect_secret(settings.openai_api_key)
    run_doctor(settings, echo=click.echo)
    return 0


@cli.command()
@click.option(
    "--out", "output_dir", help="Output directory holding the digests (SUMMARIZER_OUTPUT_DIR)."
)
@click.option(
    "--site-dir", help="Where to build the site (SUMMARIZER_SITE_DIR; default {out}/site)."
)
@click.option("--cache", help="SQLite store path (SUMMARIZER_CACHE).")
@click.option("--full", is_flag=True, help="Rewrite every day page, not only the changed ones.")
@click.option("-v", "--verbose", count=True, help="More diagnostics on stderr.")
def site(full: bool, verbose: int, **kw: Any) -> int:
    """(Re)build the static site from every digested day: pages, search index and Atom feeds."""
    console.configure_logging(verbose)
    settings = load_settings(**kw)
    _build_site(settings, full=full)
    return 0


def _build_site(settings: Any, *, full: bool = False) -> None:
    from .sitebuild import publish_site  # only the commands that build a site load Jinja2

    report = publish_site(settings, full=full)
    index = report.site_dir / "index.html"
    console.say(
        f"site: {report.days} days, {len(report.written)} files written, "
        f"{report.unchanged} unchanged; open {index} or serve it with "
        f"`python -m http.server -d {report.site_dir}`"
    )


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


cli.add_command(batch_group)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one line and a status for every failure, never a traceback."""
    interrupts.install()
    try:
        status = cli.main(args=argv, prog_name="summarizer", standalone_mode=False)
    except click.exceptions.Exit as exc:
        status = exc.exit_code
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C into Abort; an Abort of its own (a prompt) is not an interrupt
        if isinstance(exc.__context__, KeyboardInterrupt):
            console.error("interrupted; finished summaries are kept, run again to resume")
        else:
            console.error("aborted")
        status = 130
    except Interrupted as exc:
        console.error(f"interrupted: {exc}" if exc.detail else f"interrupted: {exc}; run again")
        status = exc.exit_code
    except click.UsageError as exc:
        console.error(exc.format_message())
        status = 2
    except SummarizerError as exc:
        console.error(str(exc))
        status = exc.exit_code
    except KeyboardInterrupt:
        console.error("interrupted; finished summaries are kept, run again to resume")
        status = 130
    except OSError as exc:  # a file or directory we could not use, where no stage named it
        where = f" {exc.filename}" if exc.filename else ""
        console.error(f"cannot use{where}: {exc.strerror or exc}; check the path and its disk")
        status = 3
    except sqlite3.Error as exc:
        console.error(f"the store failed: {exc}; check SUMMARIZER_CACHE and its disk")
        status = 3
    sys.exit(status if isinstance(status, int) else 0)
