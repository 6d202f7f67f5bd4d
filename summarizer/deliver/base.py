"""The records a push passes around, the small interface every delivery channel implements, and
what a channel module declares to the registry (its settings group and how it is built)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import SecretStr

from ..core.errors import SummarizerError
from ..settings.group import Group, env_name

Kind = Literal["digest", "alert", "empty"]


class DeliveryError(SummarizerError):
    """One message could not be delivered; the text is the platform's own reason (redacted)."""

    exit_code = 4


class RateLimited(DeliveryError):
    """The platform said "too many": wait `wait` seconds (None: the platform did not say)."""

    def __init__(self, message: str, *, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class Unavailable(RateLimited):
    """The platform did not answer, or answered 5xx: worth a couple of quick retries only."""


class PushFailed(SummarizerError):
    """The digest was written but at least one delivery failed; the next push retries it."""

    exit_code = 4


@dataclass(frozen=True)
class Item:
    """One paper as a push shows it, read from the day's JSONL record."""

    id: str
    title: str
    authors: list[str]
    category: str
    tldr: str | None
    label: str = "TL;DR"  # "译文" when the day was made as a Jekyll post (translation, no TL;DR)
    score: float | None = None
    why: str | None = None
    summarized: bool = True
    recommended: bool = False
    updated_from: date | None = None  # a revised paper: the day of its earlier listing

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"

    @property
    def mark(self) -> str:
        """What precedes the title: ★ for a recommended paper, 【更新】 for a revised one."""
        return ("★ " if self.recommended else "") + ("【更新】" if self.updated_from else "")


@dataclass(frozen=True)
class DayDigest:
    """What one push says: a day's papers (recommended first), or a one-line alert or note."""

    day: date
    kind: Kind = "digest"
    items: list[Item] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)  # the JSONL rows, for webhooks
    note: str = ""  # the alert or empty-day line
    site_url: str | None = None  # the day's page on the site, when SUMMARIZER_SITE_URL is set

    @property
    def recommended(self) -> list[Item]:
        return [i for i in self.items if i.recommended]

    @property
    def subject(self) -> str:
        if self.kind == "alert":
            return f"⚠ arXiv 每日速递 {self.day}：运行未完成"
        if self.kind == "empty":
            return f"arXiv 每日速递 {self.day} · 今日无新论文"
        extra = f"（推荐 {len(self.recommended)} 篇）" if self.recommended else ""
        return f"arXiv 每日速递 {self.day} · {len(self.items)} 篇论文{extra}"


@dataclass
class Delivery:
    """What became of one (day, channel, recipient): messages sent of the whole, and why not."""

    channel: str
    recipient: str
    sent: int = 0
    total: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Channel(Protocol):
    """A place a digest goes: an SMTP server's recipients, a chat group, a webhook."""

    name: str

    def recipients(self) -> list[str]:
        """Who receives, as recorded in the store (never a secret: no token, no full URL)."""
        ...

    def send(self, digest: DayDigest, *, recipient: str, skip: int = 0) -> Delivery:
        """Send `digest` to `recipient`, leaving out the first `skip` messages (already sent)."""
        ...


G = TypeVar("G", bound=Group)


def hook_id(url: str) -> str:
    """Who a webhook reaches, as stored: a short digest of its URL, never the token."""
    return "hook-" + hashlib.sha256(url.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class ChannelSpec(Generic[G]):
    """A push channel as its module declares it: its name (in SUMMARIZER_PUSH and --to), its own
    settings group (whose SecretStr fields are its secrets), the settings that, all given, make it
    configured, and how a channel (with its recipients) is built from the group."""

    name: str
    settings: type[G]
    needs: tuple[str, ...]
    build: Callable[[G], Channel]

    def configured(self, group: G) -> bool:
        return all(getattr(group, name) not in (None, "", []) for name in self.needs)

    def needs_text(self) -> str:
        """What to set, e.g. `SUMMARIZER_SMTP_HOST and SUMMARIZER_MAIL_TO`."""
        return " and ".join(env_name(self.settings, name) for name in self.needs)


def hook_channel(
    name: str, settings: type[G], url: str, make: Callable[[G, str, str], Channel]
) -> ChannelSpec[G]:
    """A channel reached through one webhook URL, the setting `url` of its group: configured when
    that is given; its one recipient, as stored, a digest of the URL. `make(group, url,
    recipient)` builds the channel."""

    def build(group: G) -> Channel:
        secret: SecretStr = getattr(group, url)
        value = secret.get_secret_value()
        return make(group, value, hook_id(value))

    return ChannelSpec(name, settings, (url,), build)


def secret_text(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None
