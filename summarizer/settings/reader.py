"""Settings of the stages that reach the reader: ranking, the site, pushes and the batch engine.

Mixed into `config.Settings`, which resolves everything in one place (flag > environment > .env >
default); each group is a mixin so that its fields and checks sit together.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode

PushChannel = Literal["email", "feishu", "dingtalk", "wecom", "slack", "telegram", "webhook"]
PUSH_CHANNELS: tuple[str, ...] = PushChannel.__args__  # type: ignore[attr-defined]


def _setting(default: Any, *names: str, **constraints: Any) -> Any:
    return Field(default, validation_alias=AliasChoices(*names), **constraints)


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class BlankIsUnset(BaseSettings):
    """`SUMMARIZER_X=` (or only spaces), as left in a copied .env.example, means "not set" for
    every setting: the default applies, as it does for the openai SDK's own variables."""

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data


class RankSettings(BlankIsUnset):
    """What the reader cares about: ranking, exclusions and a per-day budget."""

    keywords: Annotated[list[str], NoDecode] = _setting([], "keywords", "SUMMARIZER_KEYWORDS")
    exclude: Annotated[list[str], NoDecode] = _setting([], "exclude", "SUMMARIZER_EXCLUDE")
    authors: Annotated[list[str], NoDecode] = _setting([], "authors", "SUMMARIZER_AUTHORS")
    profile: Path | None = _setting(None, "profile", "SUMMARIZER_PROFILE")
    embedding_model: str | None = _setting(None, "embedding_model", "SUMMARIZER_EMBEDDING_MODEL")
    embedding_base_url: str | None = _setting(
        None, "embedding_base_url", "SUMMARIZER_EMBEDDING_BASE_URL"
    )
    # A second provider for embeddings (DeepSeek, say, serves no /v1/embeddings) needs its own key.
    embedding_api_key: SecretStr | None = _setting(
        None, "embedding_api_key", "SUMMARIZER_EMBEDDING_API_KEY"
    )
    top: int | None = _setting(None, "top", "SUMMARIZER_TOP", gt=0)
    # Seconds one embeddings request may take in all (headers and body), apart from the chat
    # timeout: a hanging endpoint costs this once, then the run ranks by words.
    embedding_timeout: float = _setting(
        60.0, "embedding_timeout", "SUMMARIZER_EMBEDDING_TIMEOUT", gt=0, le=900
    )
    # A profile read from a Zotero library (Web API v3, or the desktop's local API at
    # http://localhost:23119/api with user 0 and no key).
    zotero_user: str | None = _setting(None, "zotero_user", "SUMMARIZER_ZOTERO_USER")
    zotero_group: str | None = _setting(None, "zotero_group", "SUMMARIZER_ZOTERO_GROUP")
    zotero_key: SecretStr | None = _setting(None, "zotero_key", "SUMMARIZER_ZOTERO_KEY")
    zotero_collection: str | None = _setting(
        None, "zotero_collection", "SUMMARIZER_ZOTERO_COLLECTION"
    )
    zotero_api: str = _setting("https://api.zotero.org", "zotero_api", "SUMMARIZER_ZOTERO_API")

    @field_validator("keywords", "exclude", "authors", mode="before")
    @classmethod
    def _rank_lists(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator(
        "profile",
        "embedding_model",
        "embedding_base_url",
        "embedding_api_key",
        "top",
        "zotero_user",
        "zotero_group",
        "zotero_key",
        "zotero_collection",
        mode="before",
    )
    @classmethod
    def _blank_rank_setting(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("profile")
    @classmethod
    def _profile_file(cls, value: Path | None) -> Path | None:
        value = value.expanduser() if value is not None else None  # `~/papers.bib` in a .env
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file (arXiv ids one a line, BibTeX or Zotero CSV)")
        return value

    @field_validator("embedding_base_url", "zotero_api")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip().startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL such as https://host/v1, got {value!r}")
        return value.strip().rstrip("/") if value else value

    @field_validator("zotero_user", "zotero_group")
    @classmethod
    def _zotero_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if not value.strip().isdigit():
            raise ValueError(
                f"must be the library's number (zotero.org/settings/keys), got {value!r}"
            )
        if info.field_name == "zotero_group" and info.data.get("zotero_user"):
            raise ValueError("set SUMMARIZER_ZOTERO_USER or SUMMARIZER_ZOTERO_GROUP, not both")
        return value.strip()

    @field_validator("zotero_key", "zotero_collection")
    @classmethod
    def _zotero_library_named(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and not (
            info.data.get("zotero_user") or info.data.get("zotero_group")
        ):
            raise ValueError("needs SUMMARIZER_ZOTERO_USER or SUMMARIZER_ZOTERO_GROUP")
        if info.field_name == "zotero_collection" and value is not None:
            if not re.fullmatch(r"[A-Z0-9]{8}", value.strip()):
                raise ValueError(f"must be a collection key of 8 letters and digits, got {value!r}")
            return value.strip()
        return value

    @property
    def zotero_library(self) -> str | None:
        """`users/<id>` or `groups/<id>`, when a Zotero library is set."""
        if self.zotero_user:
            return f"users/{self.zotero_user}"
        return f"groups/{self.zotero_group}" if self.zotero_group else None

    @property
    def relevance_set(self) -> bool:
        """Whether any relevance setting is given (without one, digests stay as they were)."""
        return bool(
            self.keywords
            or self.authors
            or self.profile
            or self.zotero_library
            or self.embedding_model
            or self.top
        )


class SiteSettings(BlankIsUnset):
    site_dir: Path | None = _setting(None, "site_dir", "SUMMARIZER_SITE_DIR")
    site_url: str | None = _setting(None, "site_url", "SUMMARIZER_SITE_URL")

    @field_validator("site_url", mode="before")
    @classmethod
    def _site_url(cls, value: Any) -> Any:
        """An absolute http(s) base such as https://user.github.io/repo (used only in feeds)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip()
        parsed = urlparse(text)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc or " " in text:
            raise ValueError(
                f"SUMMARIZER_SITE_URL must be an http(s) URL such as https://user.github.io/repo, "
                f"got {text!r}"
            )
        return text.rstrip("/")


class PushSettings(BlankIsUnset):
    push: Annotated[list[PushChannel] | None, NoDecode] = _setting(None, "push", "SUMMARIZER_PUSH")
    push_empty: bool = _setting(False, "push_empty", "SUMMARIZER_PUSH_EMPTY")
    smtp_host: str | None = _setting(None, "smtp_host", "SUMMARIZER_SMTP_HOST")
    smtp_port: int = _setting(587, "smtp_port", "SUMMARIZER_SMTP_PORT", gt=0, lt=65536)
    smtp_user: str | None = _setting(None, "smtp_user", "SUMMARIZER_SMTP_USER")
    smtp_password: SecretStr | None = _setting(None, "smtp_password", "SUMMARIZER_SMTP_PASSWORD")
    smtp_security: Literal["starttls", "ssl", "none"] = _setting(
        "starttls", "smtp_security", "SUMMARIZER_SMTP_SECURITY"
    )
    mail_from: str | None = _setting(None, "mail_from", "SUMMARIZER_MAIL_FROM")
    mail_to: Annotated[list[str], NoDecode] = _setting([], "mail_to", "SUMMARIZER_MAIL_TO")
    feishu_webhook: SecretStr | None = _setting(None, "feishu_webhook", "SUMMARIZER_FEISHU_WEBHOOK")
    feishu_secret: SecretStr | None = _setting(None, "feishu_secret", "SUMMARIZER_FEISHU_SECRET")
    dingtalk_webhook: SecretStr | None = _setting(
        None, "dingtalk_webhook", "SUMMARIZER_DINGTALK_WEBHOOK"
    )
    dingtalk_secret: SecretStr | None = _setting(
        None, "dingtalk_secret", "SUMMARIZER_DINGTALK_SECRET"
    )
    wecom_webhook: SecretStr | None = _setting(None, "wecom_webhook", "SUMMARIZER_WECOM_WEBHOOK")
    slack_webhook: SecretStr | None = _setting(None, "slack_webhook", "SUMMARIZER_SLACK_WEBHOOK")
    telegram_token: SecretStr | None = _setting(None, "telegram_token", "SUMMARIZER_TELEGRAM_TOKEN")
    telegram_chat: str | None = _setting(None, "telegram_chat", "SUMMARIZER_TELEGRAM_CHAT")
    telegram_api: str = _setting(
        "https://api.telegram.org", "telegram_api", "SUMMARIZER_TELEGRAM_API"
    )
    webhook_url: SecretStr | None = _setting(None, "webhook_url", "SUMMARIZER_WEBHOOK_URL")

    @field_validator("push", "mail_to", mode="before")
    @classmethod
    def _push_lists(cls, value: Any) -> Any:
        return _split_list(value)


class BatchSettings(BlankIsUnset):
    batch: bool = _setting(False, "batch", "SUMMARIZER_BATCH")
    batch_poll: float = _setting(60.0, "batch_poll", "SUMMARIZER_BATCH_POLL", gt=0, le=3600)

    @field_validator("batch", mode="before")
    @classmethod
    def _on_off(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in {"on", "off"}:
            return value.strip().lower() == "on"
        return value
