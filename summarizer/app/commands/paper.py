"""`summarizer paper`: one paper, summarized (or read from the store) and printed."""

from __future__ import annotations

from typing import Any

import click

from ...sources.ids import parse_paper_ref
from ..options import settings_options


@click.command(short_help="Summarize one paper and print it.")
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
    from .. import runs, tables

    pipeline = runs.setup(kw)
    from ..panel import entry_for, print_paper

    try:
        found, summaries, report = pipeline.paper(ref, detailed=detailed)
        ranking = pipeline.rank_one(found)
    finally:
        pipeline.close()
    entry = entry_for(
        found,
        summaries,
        pipeline.context.categories,
        asked=("brief", "detailed") if detailed else ("brief",),
    )
    print_paper(ranking.annotate(entry) if ranking else entry, fmt=fmt, detailed=detailed)
    return tables.finish([report])
