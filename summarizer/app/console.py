"""What a person reads: one rich console on stderr for progress, messages, logs and the run table;
stdout only for what a command was asked to print (a paper as a panel, Markdown or JSON). The
progress bars are in app.progress, the tables in app.tables, the paper panel in app.panel.

Outside text (ids, titles, a provider's error body) reaches the terminal inside our messages, so
every message and log line is printed through `visible`: a control character, escape sequence,
bidi control or line separator in it is shown as an escape, never acted on. A message is one
line; `say(..., lines=True)` keeps the line breaks of a message of our own making."""

from __future__ import annotations

import logging
import sys

from rich.console import Console
from rich.text import Text

from ..core.redaction import RedactingFilter, error_line, redact
from ..core.text_safety import visible

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)
if not out.is_terminal:
    out.width = max(out.width, 120)


class _ConsoleHandler(logging.Handler):
    """Log records through the console, so that they print above live progress bars, never into
    them (a plain stream handler writes past rich and tears the bars)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            err.print(Text(self.format(record)), soft_wrap=True)
        except Exception:  # logging must never take the run down
            self.handleError(record)


class _VisibleFormatter(logging.Formatter):
    """The message on one line, its traceback (at -vv) line by line, nothing acted on."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = visible(record.message)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        return visible(super().format(record), lines=True)


def configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = _ConsoleHandler()
    handler.setFormatter(_VisibleFormatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "openai", "urllib3", "arxiv"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def error(message: str) -> None:
    print(error_line(message), file=sys.stderr)


def warn(message: str) -> None:
    err.print(Text(f"summarizer: warning: {visible(redact(message))}"), soft_wrap=True)


def say(message: str, *, lines: bool = False) -> None:
    """`message` on stderr: one line, unless `lines` (a message of ours laid out in lines)."""
    err.print(Text(visible(message, lines=lines)), soft_wrap=True)
