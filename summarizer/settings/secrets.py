"""Every secret a setting holds, registered with the redaction registry: the whole value, and for
a URL (a chat webhook) each path segment, query value and password that could be a token."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlparse

from pydantic import BaseModel, SecretStr

from ..core.redaction import protect_secret
from .group import settings_of

_MIN_SECRET = 8  # shorter parts of a URL ("v2", "hook") are no secret and would blank out text


def _token_like(part: str) -> bool:
    """A URL part that can be a token (a key, a UUID, Slack's path parts), not a word of the
    path such as "services" or "open-apis", which would blank out ordinary text."""
    return len(part) >= _MIN_SECRET and (any(c.isdigit() for c in part) or len(part) >= 20)


def protect_value(value: str) -> None:
    """Keep `value` (a key, password, token or webhook URL) out of every message and log line."""
    text = value.strip()
    protect_secret(SecretStr(text))
    try:
        parsed = urlparse(text)
        password = parsed.password
    except ValueError:
        return
    if parsed.scheme not in {"http", "https"}:
        return
    parts = [p for p in parsed.path.split("/") if p]
    parts += [v for _, v in parse_qsl(parsed.query)]
    if password:
        parts.append(password)
    for part in parts:
        if _token_like(part):
            protect_secret(SecretStr(part))


def protect_secrets(group: BaseModel) -> None:
    """Register every secret field of `group` (those typed SecretStr) that holds a value."""
    for info in settings_of(type(group)):
        value = getattr(group, info.field)
        if info.secret and isinstance(value, SecretStr):
            protect_value(value.get_secret_value())
