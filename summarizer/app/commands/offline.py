"""`summarizer demo`: the whole pipeline offline (app.demo, loaded only inside the command),
running the commands it shows through the function the command line gives it, so that the demo
never imports the command line."""

from __future__ import annotations

from collections.abc import Callable

import click


def demo_command(run_command: Callable[[list[str]], int]) -> click.Command:
    """The demo command, running each of its commands with `run_command(args) -> status`."""

    @click.command(short_help="The whole pipeline offline, on bundled sample mailings.")
    @click.option(
        "--serve",
        is_flag=True,
        help="Keep the local stand-ins running and print the settings that point every command "
        "at them, to try paper and backfill offline (Ctrl-C stops).",
    )
    @click.option(
        "--batch", is_flag=True, help="Make the digests through the stand-in's Batch API."
    )
    def demo(serve: bool, batch: bool) -> int:
        """The whole pipeline offline on a bundled sample mailing (what `make demo` runs)."""
        from ..demo import run_demo

        return run_demo(run_command, serve=serve, batch_api=batch)

    return demo
