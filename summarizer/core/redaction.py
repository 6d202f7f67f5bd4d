"""Secrets stay out of everything we print, log or store: one registry, one `redact`.

A registered secret is masked wherever it stands, also glued to other text (`bot<token>` in a
path a proxy quotes back), and in every form a message can carry it: URL-encoded (any character
as `%XX`, upper- or lower-case hex, `+` for a space, `%25XX` encoded twice), JSON-escaped
(`\\u00e9`, `\\/`) or HTML-escaped (`&amp;`), or any mix of these within one value.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import re
import sys
import traceback
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .text_safety import visible

if TYPE_CHECKING:  # the CLI's error path imports this module; pydantic is not needed to run it
    from pydantic import SecretStr

_secrets: list[str] = []
KEY_LIKE = re.compile(r"\b(sk-[A-Za-z0-9_\-]{3})[A-Za-z0-9_\-]{6,}")
BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s'\",;]+")
# user:password@ (or a lone user@, often a token) in any scheme://host URL
URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/@'\"<>]+@")
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
    """The text with every registered secret (in any of its forms), `sk-...` key, bearer token
    and URL userinfo blanked out."""
    if _secrets:
        text = _any_form(tuple(_secrets)).sub("***", text)
    text = URL_USERINFO.sub(r"\1***@", text)
    text = BEARER.sub(r"\1***", text)
    return KEY_LIKE.sub(r"\1***", text)


def redact_data(value: Any) -> Any:
    """`value` (parsed JSON: dicts, lists, strings) with `redact` applied to every string in it,
    keys included, for a record about to be stored."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value


def _is_secret(value: str) -> bool:
    """Worth masking: long enough, and not a plain word (a real key mixes letters with digits
    or symbols, or is long)."""
    value = value.strip()
    if len(value) < MIN_SECRET_CHARS:
        return False
    return len(value) >= 16 or not value.isalpha()


def _char_forms(char: str) -> str:
    """A pattern matching `char` as itself or as any escape a message may hold it in."""
    forms = [re.escape(char)]
    percent = "".join(f"%(?:25)?{byte:02X}" for byte in char.encode("utf-8"))
    forms.append(f"(?i:{percent})")
    if char == " ":  # `+` in a query, and that `+` encoded again
        forms += [r"\+", "(?i:%(?:25)?2B)"]
    escaped = json.dumps(char)[1:-1]
    if escaped != char:
        forms.append(f"(?i:{re.escape(escaped)})")
    if char == "/":
        forms.append(r"\\/")
    entity = html.escape(char, quote=True)
    if entity != char:
        forms.append(re.escape(entity))
    if entity != char or not char.isascii():
        forms.append(f"(?i:&#(?:0*{ord(char)}|x0*{ord(char):x});)")
    return f"(?:{'|'.join(forms)})"


_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")


def _secret_forms(secret: str) -> str:
    """A pattern matching `secret` in any of its forms. A `%XX` escape the value itself holds (a
    URL part as written) matches in either hex case, and encoded again (`%25XX`)."""
    units = _ESCAPE.split(secret)  # text, escape, text, escape, ...
    return "".join(
        f"(?:(?i:%(?:25)?{unit[1:]})|{''.join(map(_char_forms, unit))})"
        if n % 2
        else "".join(map(_char_forms, unit))
        for n, unit in enumerate(units)
    )


@functools.lru_cache(maxsize=4)
def _any_form(secrets: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(map(_secret_forms, secrets)))  # longest first


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
    """Keep `secret` out of everything this module prints, and out of a crash's traceback.

    A value holding `%XX` escapes is registered decoded too, so the character it stands for (a
    server may print the path decoded) is masked as well as the escape."""
    if secret is not None:
        value = secret.get_secret_value().strip()
        for form in (value, _decoded(value)):
            if form and _is_secret(form) and form not in _secrets:
                _secrets.append(form)
        _secrets.sort(key=len, reverse=True)
    if sys.excepthook is not _redacting_excepthook:
        sys.excepthook = _redacting_excepthook


def _decoded(value: str) -> str | None:
    """`value` with its `%XX` escapes decoded; None when it has none, or they are not UTF-8."""
    try:
        decoded = unquote(value, errors="strict")
    except UnicodeDecodeError:
        return None
    return decoded if decoded != value else None


def _redacting_excepthook(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    text = "".join(traceback.format_exception(kind, value, tb))
    sys.stderr.write(visible(redact(text), lines=True))
