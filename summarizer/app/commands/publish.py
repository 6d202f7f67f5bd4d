"""`summarizer push` and `summarizer site`: a written day sent to the channels, the static site
(re)built from every digested day."""

from __future__ import annotations

from typing import Any

import click

from ..options import day_argument


@click.command(short_help="Send a written day's digest by e-mail and chat.")
@click.option("--date", "date_text", help="Digest day YYYY-MM-DD. Default: the latest written.")
@click.option("--to", help="Comma-separated channels (default: SUMMARIZER_PUSH, else all set up).")
@click.option("--force", is_flag=True, help="Send again what was already delivered.")
@click.option("--out", "output_dir", help="Output directory (SUMMARIZER_OUTPUT_DIR).")
@click.option("--cache", help="SQLite store path (SUMMARIZER_CACHE).")
@click.option("-v", "--verbose", count=True, help="More diagnostics on stderr.")
def push(date_text: str | None, to: str | None, force: bool, verbose: int, **kw: Any) -> int:
    """Send a written day's digest by e-mail and chat (exit 4 when a delivery fails)."""
    day = day_argument(date_text) if date_text is not None else None
    from ...run.settings import load_settings
    from .. import console, runs

    console.configure_logging(verbose)
    settings = load_settings(**kw)
    runs.push_hooks().protect_push_secrets(settings.deliver)
    runs.push_hooks().push_command(settings, day, to=to, force=force)
    return 0


@click.command(short_help="(Re)build the static site from every digested day.")
@click.option(
    "--out", "output_dir", help="Output directory holding the digests (SUMMARIZER_OUTPUT_DIR)."
)
@click.option(
    "--site-dir", help="Where to build the site (SUMMARIZER_SITE_DIR; default {out}/site)."
)
@click.option("--cache", help="SQLite store path (SUMMARIZER_CACHE).")
@click.option("--full", is_flag=True, help="Rewrite every day page, not only the changed ones.")
@click.option(
    "--force",
    is_flag=True,
    help="Build in a folder that is a symbolic link or holds files summarizer did not make "
    "(files at the site's own paths are replaced); later builds there need no --force.",
)
@click.option("-v", "--verbose", count=True, help="More diagnostics on stderr.")
def site(full: bool, force: bool, verbose: int, **kw: Any) -> int:
    """(Re)build the static site from every digested day: pages, search index and Atom feeds."""
    from ...run.settings import load_settings
    from .. import console, runs

    console.configure_logging(verbose)
    settings = load_settings(**kw)
    runs.build_site(settings, full=full, force=force)
    return 0
