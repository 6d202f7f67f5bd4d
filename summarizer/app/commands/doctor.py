"""`summarizer doctor`: the settings as resolved, and one small request per summary kind."""

from __future__ import annotations

from typing import Any

import click

from ..options import settings_options


@click.command(short_help="Check the settings and the model endpoint.")
@settings_options
def doctor(**kw: Any) -> int:
    """Check the settings and the model endpoint with one small request per summary kind."""
    from .. import runs
    from ..doctor import run_doctor

    run_doctor(runs.load_run_settings(kw), echo=click.echo)
    return 0
