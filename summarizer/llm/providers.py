"""Provider profiles, read from the one table in data/providers.toml: defaults, request extras and
what each provider's error bodies mean. A leaf module: settings and the client both read it."""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal
from urllib.parse import urlparse

from ..core.redaction import redact

PROVIDERS = ("openai", "deepseek", "dashscope", "ollama", "vllm", "generic")
Meaning = Literal["no_balance", "bad_key", "unknown_model", "shape"]
MEANINGS: tuple[Meaning, ...] = ("no_balance", "bad_key", "unknown_model", "shape")
REASON_CHARS = 200


@dataclass(frozen=True)
class Profile:
    name: str
    model: str
    mode: str  # json_schema, json_object, tools, or auto (json_schema with fallback)
    timeout: float
    price: str
    batch: bool
    extra: dict[str, Any] = field(default_factory=dict)
    hosts: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()
    patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def means(self, body: str) -> Meaning | None:
        """What an error body means, by this provider's patterns and the common ones."""
        low = body.casefold()
        for meaning in MEANINGS:
            if any(p in low for p in self.patterns.get(meaning, ())):
                return meaning
        return None


@cache
def profiles() -> dict[str, Profile]:
    """The profiles of data/providers.toml, by provider name (a table there is a provider)."""
    text = resources.files("summarizer").joinpath("data/providers.toml").read_text("utf-8")
    return parse_profiles(text)


def parse_profiles(text: str) -> dict[str, Profile]:
    table = tomllib.loads(text)
    common = table.pop("common")
    found = {}
    for name, row in table.items():
        patterns: dict[str, tuple[str, ...]] = {
            m: tuple(p.casefold() for p in [*row.get(m, []), *common.get(m, [])]) for m in MEANINGS
        }
        found[name] = Profile(
            name=name,
            model=row["model"],
            mode=row["mode"],
            timeout=float(row["timeout"]),
            price=row["price"],
            batch=bool(row["batch"]),
            extra=dict(row.get("extra", {})),
            hosts=tuple(row.get("hosts", ())),
            ports=tuple(row.get("ports", ())),
            patterns=patterns,
        )
    missing = set(PROVIDERS) - set(found)
    if missing:  # pragma: no cover - the table ships with the package
        raise RuntimeError(f"providers.toml lacks {sorted(missing)}")
    return found


def detect(base_url: str | None) -> str:
    """The provider an endpoint belongs to, from its host and port; `generic` when unknown."""
    if not base_url:
        return "openai"  # the SDK's own default endpoint
    parsed = urlparse(base_url)
    host = (parsed.hostname or "").casefold()
    try:
        port = parsed.port
    except ValueError:
        port = None
    for name, profile in profiles().items():
        if any(fnmatch.fnmatchcase(host, pattern) for pattern in profile.hosts):
            return name
        if port is not None and port in profile.ports:
            return name
    return "generic"


def profile_for(provider: str, base_url: str | None) -> Profile:
    """The profile of a `SUMMARIZER_PROVIDER` value (`auto`: detected from the base URL)."""
    return profiles()[detect(base_url) if provider == "auto" else provider]


def reason_of(body: Any) -> str:
    """The provider's own words from an error body, redacted and cut to one short line."""
    text = ""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            message = inner.get("message") or inner.get("msg") or ""
            code = inner.get("code") or body.get("code") or ""
            text = str(message)
            generic = {"invalid_request_error", "unknown_error", "invalid_parameter_error"}
            if code and str(code) not in generic and str(code).casefold() not in text.casefold():
                text = f"{code}: {text}" if text else str(code)
        elif isinstance(inner, str):
            text = inner
    elif body is not None:
        text = str(body)
    text = " ".join(redact(text).split())
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "…"


__all__ = [
    "PROVIDERS",
    "Profile",
    "detect",
    "parse_profiles",
    "profile_for",
    "profiles",
    "reason_of",
]
