"""Secrets stay out of everything we print, log or store: one registry, one `redact`."""

from __future__ import annotations

import functools
import logging
import re
import sys
import traceback
from types import TracebackType
from typing import TYPE_CHECKING

from .text_safety import visible

if TYPE_CHECKING:  # the CLI's error path imports this module; pydantic is not needed to run it
    from pydantic import SecretStr

_secrets: list[str] = []
KEY_LIKE = re.compile(r"\b(sk-[A-Za-z0-9_\-]{3})[A-Za-z0-9_\-]{6,}")
BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s'\",;]+")
# user:password@ (or a lone user@, often a token) in any scheme://host URL
URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/@'\"<>]+@")
# A registered secret is masked only as a whole token: not inside a longer word or key.
_TOKEN_CHAR = r"A-Za-z0-9_\-"
# Placeholders that local servers accept as a key (`ollama`, `EMPTY`, `token`): not secrets,
# and masking them would garble every message holding the word.
MIN_SECRET_CHARS = 8


MAX_ERROR_CHARS = 1_000


def error_line(message: str) -> str:
    """One redacted line for a person: whatever a message quotes, it stays readable, and a
    control character or escape sequence in it is shown, not acted on."""
    line = visible(" ".join(redact(message).split()))
    if len(line) > MAX_ERROR_CHARS:
        line = f"{line[:MAX_ERROR_CHARS]}… ({len(line):,} characters)"
    return f"summarizer: error: {line}"


def redact(text: str) -> str:
    """The text with every registered secret, `sk-...` key, bearer token and URL userinfo
    blanked out."""
    if _secrets:
        text = _whole_tokens(tuple(_secrets)).sub("***", text)
    text = URL_USERINFO.sub(r"\1***@", text)
    text = BEARER.sub(r"\1***", text)
    return KEY_LIKE.sub(r"\1***", text)


def _is_secret(value: str) -> bool:
    """Worth masking: long enough, and not a plain word (a real key mixes letters with digits
    or symbols, or is long)."""
    value = value.strip()
    if len(value) < MIN_SECRET_CHARS:
        return False
    return len(value) >= 16 or not value.isalpha()


@functools.lru_cache(maxsize=4)
def _whole_tokens(secrets: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(s) for s in secrets)  # longest first
    return re.compile(f"(?<![{_TOKEN_CHAR}])(?:{alternatives})(?![{_TOKEN_CHAR}])")


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
    if secret is not None and _is_secret(secret.get_secret_value()):
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
    sys.stderr.write(visible(redact(text), lines=True))
