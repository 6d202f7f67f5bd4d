"""The command line. The only place exceptions become messages and exit statuses.

Fast start: this module imports only click and light modules (errors, window, sources.ids).
Each command first checks its own arguments, then imports its stage inside the function body
(`from .pipeline import ...`), so `--help`, a typo or a malformed date never pays for openai,
rich, pydantic or tiktoken. A new command follows the same pattern: imports inside the function.
tests/test_startup.py fails when `summarizer --help` imports a heavy module.
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from ..core.days import parse_day
from ..core.errors import InputError, SummarizerError
from ..run.interrupts import Interrupted, install_signal_handlers
from ..sources.ids import parse_paper_ref
from .options import Commands, format_option, settings_options

if TYPE_CHECKING:
    from ..core.records import SummaryKind


def _day(text: str) -> date:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise InputError(str(exc)) from None


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="summarizer")
def cli() -> None:
    """Each arXiv mailing as a Chinese digest: TL;DR, translation and analysis by an LLM."""


@cli.command()
@click.option("--date", "date_text", help="Digest day YYYY-MM-DD (UTC). Default: the latest.")
@format_option
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
@settings_options
def digest(
    date_text: str | None,
    fmt: str | None,
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
    from . import runs

    pipeline = runs.setup({**kw, "format": fmt})
    fmt = pipeline.settings.publish.format  # --format, else SUMMARIZER_FORMAT, else toc
    from ..core.days import latest_digest_day

    if push:
        runs.push_hooks().check(pipeline.settings)
    batch = runs.batch_engine(pipeline, no_wait=no_wait)
    try:
        try:
            if day is None:
                day = latest_digest_day(datetime.now(UTC))
            plan = runs.plan_or_none(pipeline, day, window=window, anchor=anchor, tz=tz)
            if plan is None:
                return 0
            if batch is not None:
                reports = batch.run([plan], fmt=fmt, wait=not no_wait)
            else:
                reports = [pipeline.digest(plan, fmt=fmt)]
        finally:
            runs.close_run(pipeline, batch)
        status = runs.summary(pipeline, reports, site=site)
    except SummarizerError as exc:
        if push and exc.exit_code == 3:  # the run stopped: the channels are told
            runs.push_hooks().run_stopped(pipeline.settings, day, exc)
        raise
    if push:
        runs.push_hooks().after_digest(pipeline.settings, plan.day, reports)
    return status


@cli.command(short_help="Send a written day's digest by e-mail and chat.")
@click.option("--date", "date_text", help="Digest day YYYY-MM-DD. Default: the latest written.")
@click.option("--to", help="Comma-separated channels (default: SUMMARIZER_PUSH, else all set up).")
@click.option("--force", is_flag=True, help="Send again what was already delivered.")
@click.option("--out", "output_dir", help="Output directory (SUMMARIZER_OUTPUT_DIR).")
@click.option("--cache", help="SQLite store path (SUMMARIZER_CACHE).")
@click.option("-v", "--verbose", count=True, help="More diagnostics on stderr.")
def push(date_text: str | None, to: str | None, force: bool, verbose: int, **kw: Any) -> int:
    """Send a written day's digest by e-mail and chat (exit 4 when a delivery fails)."""
    day = _day(date_text) if date_text is not None else None
    from ..run.settings import load_settings
    from . import console, runs

    console.configure_logging(verbose)
    settings = load_settings(**kw)
    runs.push_hooks().protect_push_secrets(settings.deliver)
    runs.push_hooks().push_command(settings, day, to=to, force=force)
    return 0


@cli.command(short_help="Summarize one paper and print it.")
@click.argument("ref", metavar="ID_OR_URL")
@click.option("--detailed", is_flag=True, help="Also the translation and 详细解读.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["panel", "md", "json"]),
    default="panel",
    show_default=True,
    help="panel: for the terminal; md: the digest's Markdown (with --detailed: the Jekyll "
    "post's); json: the JSON line of data/D.jsonl.",
)
@settings_options
def paper(ref: str, detailed: bool, fmt: str, **kw: Any) -> int:
    """Summarize one paper and print it.

    \b
    ID_OR_URL as you paste it: 2511.14600, 2511.14600v2, arXiv:2511.14600,
    arxiv.org/abs/2511.14600v1 (or https://www...), a pdf or html URL,
    hep-th/9901001.
    """
    parse_paper_ref(ref)  # a malformed id is reported before anything loads
    from . import console, runs

    pipeline = runs.setup(kw)
    from ..publish.render import render_entry_md, render_jekyll_entry, render_jsonl

    try:
        found, summaries, report = pipeline.paper(ref, detailed=detailed)
        ranking = pipeline.rank_one(found)
    finally:
        pipeline.close()
    asked: tuple[SummaryKind, ...] = ("brief", "detailed") if detailed else ("brief",)
    entry = console.entry_for(found, summaries, pipeline.settings.sources.categories, asked=asked)
    entry = ranking.annotate(entry) if ranking else entry
    if fmt == "md":
        text = render_jekyll_entry(entry) if detailed else render_entry_md(entry)
        click.echo(text, nl=False)
    elif fmt == "json":
        click.echo(render_jsonl(console.single_digest(entry)), nl=False)
    else:
        console.paper_panel(entry)
    return console.finish([report])


@cli.command()
@click.option("--from", "first", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "last", required=True, help="Last day, YYYY-MM-DD.")
@format_option
@click.option("--dry-run", is_flag=True, help="List days, papers and the estimated bill only.")
@click.option("--redo", is_flag=True, help="Redo days already finished.")
@click.option("--site", "site", is_flag=True, help="Then update the static site (summarizer site).")
@click.option("--push", is_flag=True, help="Send each day to the push channels (once per day).")
@settings_options
def backfill(
    first: str,
    last: str,
    fmt: str | None,
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
    from . import console, runs

    pipeline = runs.setup({**kw, "format": fmt})
    fmt = pipeline.settings.publish.format  # --format, else SUMMARIZER_FORMAT, else toc
    from ..core.days import digest_days, is_digest_day
    from ..run.backfill import run_backfill

    if push:
        runs.push_hooks().check(pipeline.settings)
    batch = None if dry_run else runs.batch_engine(pipeline, no_wait=no_wait)
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
        runs.close_run(pipeline, batch)
    if dry_run:
        return 0
    status = runs.summary(pipeline, reports, site=site)
    if push:
        runs.push_hooks().after_backfill(pipeline.settings, reports)
    return status


@cli.command(short_help="Check the settings and the model endpoint.")
@settings_options
def doctor(**kw: Any) -> int:
    """Check the settings and the model endpoint with one small request per summary kind."""
    from . import runs
    from .doctor import run_doctor

    run_doctor(runs.load_run_settings(kw), echo=click.echo)
    return 0


@cli.command(short_help="(Re)build the static site from every digested day.")
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
    from ..run.settings import load_settings
    from . import console, runs

    console.configure_logging(verbose)
    settings = load_settings(**kw)
    runs.build_site(settings, full=full)
    return 0


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@cli.command(short_help="The whole pipeline offline, on bundled sample mailings.")
@click.option(
    "--serve",
    is_flag=True,
    help="Keep the local stand-ins running and print the settings that point every command "
    "at them, to try paper and backfill offline (Ctrl-C stops).",
)
@click.option("--batch", is_flag=True, help="Make the digests through the stand-in's Batch API.")
def demo(serve: bool, batch: bool) -> int:
    """The whole pipeline offline on a bundled sample mailing (what `make demo` runs)."""
    from .demo import run_demo

    return run_demo(serve=serve, batch_api=batch)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one line and a status for every failure, never a traceback."""
    install_signal_handlers()
    try:
        status = cli.main(args=argv, prog_name="summarizer", standalone_mode=False)
    except click.exceptions.Exit as exc:
        status = exc.exit_code
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C into Abort; an Abort of its own (a prompt) is not an interrupt
        if isinstance(exc.__context__, KeyboardInterrupt):
            _error("interrupted; finished summaries are kept, run again to resume")
        else:
            _error("aborted")
        status = 130
    except Interrupted as exc:
        _error(f"interrupted: {exc}" if exc.detail else f"interrupted: {exc}; run again")
        status = exc.exit_code
    except click.UsageError as exc:
        _error(exc.format_message())
        status = 2
    except SummarizerError as exc:
        _error(str(exc))
        status = exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted; finished summaries are kept, run again to resume")
        status = 130
    except OSError as exc:  # a file or directory we could not use, where no stage named it
        where = f" {exc.filename}" if exc.filename else ""
        _error(f"cannot use{where}: {exc.strerror or exc}; check the path and its disk")
        status = 3
    except sqlite3.Error as exc:
        _error(f"the store failed: {exc}; check SUMMARIZER_CACHE and its disk")
        status = 3
    sys.exit(status if isinstance(status, int) else 0)


def _error(message: str) -> None:
    from ..core.redaction import error_line

    print(error_line(message), file=sys.stderr)
