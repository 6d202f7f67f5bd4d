"""Secrets stay out of everything we print, log or store: one registry, one `redact`."""

from __future__ import annotations

import logging
import re
import sys
import traceback
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI's error path imports this module; pydantic is not needed to run it
    from pydantic import SecretStr

_secrets: list[str] = []
KEY_LIKE = re.compile(r"\b(sk-[A-Za-z0-9_\-]{3})[A-Za-z0-9_\-]{6,}")
BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s'\",;]+")


def redact(text: str) -> str:
    """The text with every registered secret, `sk-...` key and bearer token blanked out."""
    for secret in _secrets:
        text = text.replace(secret, "***")
    text = BEARER.sub(r"\1***", text)
    return KEY_LIKE.sub(r"\1***", text)


class RedactingFilter(logging.Filter):
    """Redacts the message, and a traceback attached to it, of every record the handler emits."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def protect_secret(secret: SecretStr | None) -> None:
    """Keep `secret` out of everything this module prints, and out of a crash's traceback."""
    if secret is not None and secret.get_secret_value().strip():
        value = secret.get_secret_value()
        if value not in _secrets:
            _secrets.append(value)
            _secrets.sort(key=len, reverse=True)
    if sys.excepthook is not _redacting_excepthook:
        sys.excepthook = _redacting_excepthook


def _redacting_excepthook(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    text = "".join(traceback.format_exception(kind, value, tb))
    sys.stderr.write(redact(text))
