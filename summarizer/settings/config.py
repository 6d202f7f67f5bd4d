"""Every setting, resolved in one place: flag > environment > .env > default."""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

from dotenv import dotenv_values
from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import NoDecode, SettingsConfigDict

from ..core.errors import InputError
from ..core.redaction import protect_secret, redact
from ..core.text_safety import shorten
from ..llm.providers import Profile, profile_for
from .reader import BatchSettings, PushSettings, RankSettings, SiteSettings
from .sources import missing_key_message, source_of, unknown_settings

ResponseMode = Literal["auto", "json_schema", "json_object", "tools"]
ProviderName = Literal["auto", "openai", "deepseek", "dashscope", "ollama", "vllm", "generic"]
REAL_ARXIV_DELAY = 3.0


def _suggest(category: str) -> str:
    known = sorted(known_categories())
    by_case = [c for c in known if c.casefold() == category.casefold()]
    close = by_case or difflib.get_close_matches(category, known, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else " (see https://arxiv.org/category_taxonomy)"


@cache
def known_categories() -> frozenset[str]:
    text = resources.files("summarizer").joinpath("data/categories.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip()[:1].isalpha())


def _env(*names: str) -> Any:
    return Field(None, validation_alias=AliasChoices(*names))


def _check_url(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    try:
        parsed = urlparse(value)
        good = (
            parsed.scheme in {"http", "https"}
            and bool(parsed.hostname)
            and not any(ch.isspace() for ch in value)
            and (parsed.port is None or parsed.port > 0)  # .port raises on a malformed port
        )
    except ValueError:
        good = False
    if not good:
        raise ValueError(f"{name} must be an http(s) URL such as https://host/path, got {value!r}")
    return value.rstrip("/")


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(RankSettings, SiteSettings, PushSettings, BatchSettings):
    """Settings of a run. Field names are what flags pass; aliases are the environment names."""

    model_config = SettingsConfigDict(
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
        validate_default=True,
        allow_inf_nan=False,  # ARXIV_TIMEOUT=inf is a typo, not "wait forever"
    )

    openai_api_key: SecretStr | None = _env("openai_api_key", "OPENAI_API_KEY")
    openai_base_url: str | None = _env("openai_base_url", "OPENAI_BASE_URL")
    # Read here, not by the SDK, so that a blank one (as CI systems export) counts as unset.
    openai_org_id: str | None = _env("openai_org_id", "OPENAI_ORG_ID")
    openai_project_id: str | None = _env("openai_project_id", "OPENAI_PROJECT_ID")
    provider: ProviderName = Field(
        "auto", validation_alias=AliasChoices("provider", "SUMMARIZER_PROVIDER")
    )
    # When not given: the provider's usual cheap model (see _provider_defaults).
    model: str = Field("gpt-4o-mini", validation_alias=AliasChoices("model", "SUMMARIZER_MODEL"))
    arxiv_api_url: str = Field(
        "https://export.arxiv.org/api/query",
        validation_alias=AliasChoices("arxiv_api_url", "ARXIV_API_URL"),
    )
    arxiv_web_url: str = Field(
        "https://arxiv.org", validation_alias=AliasChoices("arxiv_web_url", "ARXIV_WEB_URL")
    )
    categories: Annotated[list[str], NoDecode] = Field(
        ["eess.SP", "eess.AS", "cs.SD"],
        validation_alias=AliasChoices("categories", "SUMMARIZER_CATEGORIES"),
    )
    output_dir: Path = Field(
        Path("outputs"), validation_alias=AliasChoices("output_dir", "SUMMARIZER_OUTPUT_DIR")
    )
    cache: Path | None = _env("cache", "SUMMARIZER_CACHE")
    concurrency: int = Field(
        8, validation_alias=AliasChoices("concurrency", "SUMMARIZER_CONCURRENCY"), gt=0, le=256
    )
    rpm: int | None = Field(None, validation_alias=AliasChoices("rpm", "SUMMARIZER_RPM"), gt=0)
    tpm: int | None = Field(None, validation_alias=AliasChoices("tpm", "SUMMARIZER_TPM"), gt=0)
    # None until resolved: the provider's (reasoning models think for minutes).
    request_timeout: float | None = Field(
        None,
        validation_alias=AliasChoices("request_timeout", "SUMMARIZER_REQUEST_TIMEOUT"),
        gt=0,
        le=900,
    )
    language: str = Field("zh", validation_alias=AliasChoices("language", "SUMMARIZER_LANGUAGE"))
    response_mode: ResponseMode = Field(
        "auto",
        validation_alias=AliasChoices("response_mode", "SUMMARIZER_RESPONSE_MODE"),
    )
    max_attempts: int = Field(
        3, validation_alias=AliasChoices("max_attempts", "SUMMARIZER_MAX_ATTEMPTS"), ge=1, le=10
    )
    max_cost: float | None = Field(
        None, validation_alias=AliasChoices("max_cost", "SUMMARIZER_MAX_COST"), ge=0
    )
    prices: Path | None = _env("prices", "SUMMARIZER_PRICES")
    arxiv_delay: float | None = Field(
        None, validation_alias=AliasChoices("arxiv_delay", "ARXIV_DELAY_SECONDS"), ge=0
    )
    arxiv_timeout: float = Field(
        30.0, validation_alias=AliasChoices("arxiv_timeout", "ARXIV_TIMEOUT"), gt=0
    )
    arxiv_page_size: int = Field(
        500, validation_alias=AliasChoices("arxiv_page_size", "ARXIV_PAGE_SIZE"), gt=0, le=2000
    )
    late_days: int = Field(
        3, validation_alias=AliasChoices("late_days", "SUMMARIZER_LATE_DAYS"), ge=0, le=20
    )
    full_text: bool = Field(
        False, validation_alias=AliasChoices("full_text", "SUMMARIZER_FULL_TEXT")
    )
    full_text_tokens: int = Field(
        12000,
        validation_alias=AliasChoices("full_text_tokens", "SUMMARIZER_FULL_TEXT_TOKENS"),
        gt=0,
    )

    @field_validator("categories", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("categories")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one category is needed")
        known = known_categories()
        unknown = [c for c in value if c not in known]
        if unknown:
            shown = ", ".join(shorten(c, 40) for c in unknown[:5])
            raise ValueError(f"unknown arXiv category {shown}{_suggest(unknown[0][:40])}")
        return list(dict.fromkeys(value))

    @field_validator("output_dir")
    @classmethod
    def _a_directory(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} exists and is not a directory")
        return value

    @field_validator("cache")
    @classmethod
    def _a_file(cls, value: Path | None) -> Path | None:
        if value is not None and value.is_dir():
            raise ValueError(f"{value} is a directory; name the SQLite file")
        return value

    @field_validator("openai_base_url", "arxiv_api_url", "arxiv_web_url")
    @classmethod
    def _url(cls, value: str | None, info: Any) -> str | None:
        return _check_url(value, info.field_name)

    @field_validator("model", "language")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @model_validator(mode="after")
    def _provider_defaults(self) -> Settings:
        """What was not given comes from the provider's profile."""
        profile = self.provider_profile
        # Set around pydantic's bookkeeping, so model_fields_set still says what was given.
        if "model" not in self.model_fields_set:
            object.__setattr__(self, "model", profile.model)
        if self.request_timeout is None:
            object.__setattr__(self, "request_timeout", profile.timeout)
        return self

    @property
    def provider_profile(self) -> Profile:
        return profile_for(self.provider, self.openai_base_url)

    @property
    def timeout(self) -> float:
        """Seconds one model request may take (set, else the provider's)."""
        return self.request_timeout or self.provider_profile.timeout

    @property
    def cache_path(self) -> Path:
        return self.cache or self.output_dir / "summarizer.sqlite3"

    @property
    def arxiv_delay_seconds(self) -> float:
        """arXiv asks for 3 s between requests; only a loopback stand-in may go faster."""
        if is_loopback(self.arxiv_api_url):
            return self.arxiv_delay or 0.0
        return max(self.arxiv_delay or REAL_ARXIV_DELAY, REAL_ARXIV_DELAY)

    def require_key(self) -> str:
        if self.openai_api_key is None or not self.openai_api_key.get_secret_value().strip():
            raise InputError(missing_key_message())
        return self.openai_api_key.get_secret_value()


_ENV_NAMES = {
    name: next((a for a in field.validation_alias.choices[1:]), name)  # type: ignore[union-attr]
    for name, field in Settings.model_fields.items()
}
_FLAG_NAMES = {"output_dir": "--out"}


def _flag(field: str) -> str:
    return _FLAG_NAMES.get(field, "--" + field.replace("_", "-"))


def _keys_given(flags: dict[str, Any]) -> list[str]:
    """Every API key this run could have been given, to keep them out of error messages."""
    found = [flags.get("openai_api_key"), os.environ.get("OPENAI_API_KEY")]
    with contextlib.suppress(OSError, UnicodeDecodeError):
        found.append(dotenv_values(".env").get("OPENAI_API_KEY"))
    keys = [str(k.get_secret_value() if isinstance(k, SecretStr) else k) for k in found if k]
    return [k for k in keys if k.strip()]


def load_settings(**flags: Any) -> Settings:
    """Build the settings; flags left as None fall through to environment, .env, default."""
    given = {k: v for k, v in flags.items() if v is not None}
    for field, value in given.items():  # blank counts as unset in files, not on a command line
        if isinstance(value, str) and not value.strip():
            raise InputError(f"invalid setting {_flag(field)}: must not be empty")
    try:
        return Settings(**given)
    except UnicodeDecodeError as exc:
        raise InputError(
            f".env in {Path.cwd()} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
            f"offset {exc.start}); save it as UTF-8"
        ) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        if field in given:
            name = _flag(field)
        else:
            env_name = str(_ENV_NAMES.get(field, field))
            name = f"{env_name} (from {source_of(env_name)})"
        for key in _keys_given(given):
            protect_secret(SecretStr(key))
        message = redact(str(first["msg"]).removeprefix("Value error, "))
        raise InputError(f"invalid setting {name}: {message}") from None


def unknown_setting_warnings() -> list[str]:
    """A line per `SUMMARIZER_*` name in the environment or .env that is no setting (a typo?)."""
    names = [
        alias
        for field in Settings.model_fields.values()
        for alias in getattr(field.validation_alias, "choices", ())
        if isinstance(alias, str)
    ]
    return unknown_settings(names)
