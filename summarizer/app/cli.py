"""The command line. The only place exceptions become messages and exit statuses.

Fast start: this module and the commands (app.commands) import only click and light modules
(errors, days, sources.ids). Each command first checks its own arguments, then imports its stage
inside the function body, so `--help`, a typo or a malformed date never pays for openai, rich,
pydantic or tiktoken. A new command follows the same pattern: imports inside the function.
tests/app/test_startup.py fails when `summarizer --help` imports a heavy module.
"""

from __future__ import annotations

import sqlite3
import sys

import click

from ..core.errors import SummarizerError
from ..run.interrupts import Interrupted, install_signal_handlers
from .commands.digest import backfill, digest
from .commands.doctor import doctor
from .commands.offline import demo_command
from .commands.paper import paper
from .commands.publish import push, site
from .options import Commands


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="summarizer")
def cli() -> None:
    """Each arXiv mailing as a Chinese digest: TL;DR, translation and analysis by an LLM."""


def run(argv: list[str] | None = None) -> int:
    """Run one command; its exit status, with one line on stderr for every failure, never a
    traceback."""
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
    return status if isinstance(status, int) else 0


def main(argv: list[str] | None = None) -> None:
    """Console entry point: exits with the command's status."""
    sys.exit(run(argv))


def _error(message: str) -> None:
    from ..core.redaction import error_line

    print(error_line(message), file=sys.stderr)


for command in (digest, push, paper, backfill, doctor, site, demo_command(run)):
    cli.add_command(command)
