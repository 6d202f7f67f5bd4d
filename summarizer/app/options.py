"""The command line's shared options and its command group: click only, so `--help` stays fast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import click

from ..core.days import parse_day
from ..core.errors import InputError

FORMAT_HELP = (
    "toc: the table-of-contents digest; jekyll: the Jekyll post with 详细解读; all: both. "
    "Default: SUMMARIZER_FORMAT, else toc."
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["toc", "jekyll", "all"]),
    default=None,
    help=FORMAT_HELP,
)


def day_argument(text: str) -> date:
    """A day given on the command line, YYYY-MM-DD; InputError (exit 2) when it is not one."""
    try:
        return parse_day(text)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def settings_options(func: Callable[..., Any]) -> Callable[..., Any]:
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


class Commands(click.Group):
    """Commands kept in their own module (a click group there) load only when named; the top-level
    help lists them from the short help given here, so `--help` stays fast."""

    lazy = {
        "batch": (
            "summarizer.app.commands.batch",
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
