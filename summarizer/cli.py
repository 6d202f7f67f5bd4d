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
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from .errors import InputError, SummarizerError
from .interrupts import Interrupted, install_signal_handlers
from .sources.ids import parse_paper_ref
from .window import parse_day

if TYPE_CHECKING:
    from .batch.run import BatchRun
    from .models import SummaryKind
    from .pipeline import Pipeline
    from .report import DayReport
    from .selection import Plan

FORMAT_HELP = "toc: the table-of-contents digest; jekyll: the Jekyll post with 详细解读; all: both."
_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["toc", "jekyll", "all"]),
    default="toc",
    show_default=True,
    help=FORMAT_HELP,
)


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


def _setup(kwargs: dict[str, Any], *, days: int | None = None) -> Pipeline:
    """Settings first (a bad one is reported before the heavy stages load), then the pipeline."""
    from . import console
    from .config import load_settings, unknown_setting_warnings
    from .redaction import protect_secret

    console.configure_logging(kwargs.pop("verbose", 0))
    settings = load_settings(**kwargs)
    protect_secret(settings.openai_api_key)
    for line in unknown_setting_warnings():
        console.warn(line)
    _push_hooks().protect_push_secrets(settings)
    from .pipeline import Pipeline

    return Pipeline(settings, reporter=console.ProgressReporter())


def _push_hooks() -> Any:
    from .deliver import hooks  # the delivery stage: loaded when a command gets that far

    return hooks


def _day(text: str) -> date:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise InputError(str(exc)) from None


class _Commands(click.Group):
    """Commands kept in their own module (a click group there) load only when named; the top-level
    help lists them from the short help given here, so `--help` stays fast."""

    lazy = {
        "batch": (
            "summarizer.batch.commands",
            "batch_group",
            "Provider batches of this store: status, cancel, export, import.",
        ),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            import importlib

            module, attribute, _ = self.lazy[name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy:
                rows.append((name, self.lazy[name][2]))
            elif (command := self.commands.get(name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="summarizer")
def cli() -> None:
    """Each arXiv mailing as a Chinese digest: TL;DR, translation and analysis by an LLM."""


@cli.command()
@click.option("--date", "date_text", help="Digest day YYYY-MM-DD (UTC). Default: the latest.")
@_format_option
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
    from .window import latest_digest_day

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
    try:
        status = _summary(pipeline, reports, site=site)
    except SummarizerError as exc:
        if push and exc.exit_code == 3:
            _push_hooks().run_stopped(pipeline.settings, day, exc)
        raise
    if push:
        _push_hooks().after_digest(pipeline.settings, plan.day, reports)
    return status


def _summary(pipeline: Pipeline, reports: list[DayReport], *, site: bool = False) -> int:
    """The run table, the files written (once), the site, then what is missing; the status."""
    from . import console

    price_known = pipeline.price is not None
    console.day_table(reports, price_known=price_known, model=pipeline.settings.model)
    console.files_written(reports)
    if site:
        _build_site(pipeline.settings)
    return console.finish(reports)


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
    from . import console
    from .config import load_settings

    console.configure_logging(verbose)
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
    from .batch.requests import require_batch_api
    from .batch.run import BatchRun

    try:
        require_batch_api(pipeline.settings)
    except InputError:
        pipeline.close()
        raise
    return BatchRun(pipeline)


def _close(pipeline: Pipeline, batch: BatchRun | None) -> None:
    from . import console

    if batch is not None:
        batch.close()
        if batch.submitted and batch.ledger.batches(open_only=True):
            console.say(
                f"{batch.submitted} batch(es) submitted; `summarizer batch status` shows them, "
                "and the same command collects them once they are done."
            )
    pipeline.close()


def _plan(pipeline: Pipeline, day: date, *, window: str, anchor: str, tz: str) -> Plan | None:
    from . import console
    from .selection import plan_day
    from .window import NoMailing

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
@_settings_options
def paper(ref: str, detailed: bool, fmt: str, **kw: Any) -> int:
    """Summarize one paper and print it.

    \b
    ID_OR_URL as you paste it: 2511.14600, 2511.14600v2, arXiv:2511.14600,
    arxiv.org/abs/2511.14600v1 (or https://www...), a pdf or html URL,
    hep-th/9901001.
    """
    parse_paper_ref(ref)  # a malformed id is reported before anything loads
    pipeline = _setup(kw)
    from . import console
    from .publish.render import render_entry_md, render_jekyll_entry, render_jsonl

    try:
        found, summaries, report = pipeline.paper(ref, detailed=detailed)
        ranking = pipeline.rank_one(found)
    finally:
        pipeline.close()
    asked: tuple[SummaryKind, ...] = ("brief", "detailed") if detailed else ("brief",)
    entry = console.entry_for(found, summaries, pipeline.settings.categories, asked=asked)
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
@_format_option
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
    from . import console
    from .backfill import run_backfill
    from .window import digest_days, is_digest_day

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
    status = _summary(pipeline, reports, site=site)
    if push:
        _push_hooks().after_backfill(pipeline.settings, reports)
    return status


@cli.command(short_help="Check the settings and the model endpoint.")
@_settings_options
def doctor(**kw: Any) -> int:
    """Check the settings and the model endpoint with one small request per summary kind."""
    from . import console
    from .config import load_settings, unknown_setting_warnings
    from .doctor import run_doctor
    from .redaction import protect_secret

    console.configure_logging(kw.pop("verbose", 0))
    settings = load_settings(**kw)
    protect_secret(settings.openai_api_key)
    for line in unknown_setting_warnings():
        console.warn(line)
    run_doctor(settings, echo=click.echo)
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
    from . import console
    from .config import load_settings

    console.configure_logging(verbose)
    settings = load_settings(**kw)
    _build_site(settings, full=full)
    return 0


def _build_site(settings: Any, *, full: bool = False) -> None:
    from . import console
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
    from .redaction import error_line

    print(error_line(message), file=sys.stderr)
