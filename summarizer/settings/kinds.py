"""The kinds of value a setting holds, each checked by one validator: URL, secret URL, comma list,
secret, path, on/off, text. Stages annotate their fields with these instead of writing checks.

Blank values and control characters never reach these validators: the resolver treats a blank
value as unset and refuses a control character, for every setting, in one place.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import AfterValidator, BeforeValidator, SecretStr

from ..core.text_safety import shorten

URL_EXAMPLE = "https://host/path"


def control_character(value: str) -> str | None:
    """The first control character (C0, DEL, C1) in `value`, as U+XXXX; None when there is none.

    A newline or DEL pasted into a token or webhook URL would otherwise surface much later as an
    `InvalidURL` traceback from the HTTP client.
    """
    for char in value:
        if unicodedata.category(char) == "Cc":
            return f"U+{ord(char):04X}"
    return None


def _is_http_url(text: str) -> bool:
    try:
        parsed = urlparse(text)
        return (
            parsed.scheme in {"http", "https"}
            and bool(parsed.hostname)
            and not any(ch.isspace() for ch in text)
            and (parsed.port is None or parsed.port > 0)  # .port raises on a malformed port
        )
    except ValueError:
        return False


def _url(value: Any) -> Any:
    """An http(s) URL with a host, no whitespace inside and a valid port; the trailing slash
    stripped (these are bases that paths are appended to)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not _is_http_url(text):
        raise ValueError(f"must be an http(s) URL such as {URL_EXAMPLE}, got {shorten(text)!r}")
    return text.rstrip("/")


def _secret_url(value: Any) -> Any:
    """A URL that holds a token (a chat webhook): checked like a URL, but never quoted back, and
    kept exactly as given (a webhook's path is the platform's, trailing slash included)."""
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not isinstance(text, str):
        return value
    if not _is_http_url(text.strip()):
        raise ValueError(f"must be an http(s) URL such as {URL_EXAMPLE} (the value is not shown)")
    return SecretStr(text.strip())


def split_list(value: Any) -> Any:
    """ "a, b" or a TOML/JSON list of strings: the items stripped, the empty ones dropped."""
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list | tuple):
        return [item.strip() if isinstance(item, str) else item for item in value]
    return value


def _no_empty_items(value: list[str]) -> list[str]:
    return [item for item in value if item]


def _on_off(value: Any) -> Any:
    """on/off besides pydantic's true/false, yes/no, 1/0, in any case."""
    if isinstance(value, str):
        text = value.strip().lower()
        return {"on": True, "off": False}.get(text, text)
    return value


def _text(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _user_path(value: Any) -> Any:
    """`~/papers.bib` as written in a .env or summarizer.toml."""
    if isinstance(value, str | Path):
        return Path(value).expanduser()
    return value


URL = Annotated[str, BeforeValidator(_url)]
SecretURL = Annotated[SecretStr, BeforeValidator(_secret_url)]
CommaList = Annotated[list[str], BeforeValidator(split_list), AfterValidator(_no_empty_items)]
Secret = SecretStr
OnOff = Annotated[bool, BeforeValidator(_on_off)]
Text = Annotated[str, AfterValidator(_text)]
UserPath = Annotated[Path, BeforeValidator(_user_path)]
