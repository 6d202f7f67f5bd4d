"""The channels the settings configure, built once, with every secret they hold kept out of
every message, log line, error and stored record."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlparse

from pydantic import SecretStr

from ..core.errors import InputError
from ..core.redaction import protect_secret
from .base import Channel

if TYPE_CHECKING:
    from ..settings.config import Settings

CHANNELS = ("email", "feishu", "dingtalk", "wecom", "slack", "telegram", "webhook")
_MAILBOX = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")
_MIN_SECRET = 8  # shorter parts of a URL ("v2", "hook") are no secret and would blank out text


def protect_push_secrets(settings: Settings) -> None:
    """Register the SMTP password, signing secrets, bot tokens and webhook URLs (whole, and each
    path segment and query value that could be a token) with the redaction registry."""
    for value in (
        settings.smtp_password,
        settings.feishu_secret,
        settings.dingtalk_secret,
        settings.telegram_token,
    ):
        protect_secret(value)
    for url in (
        settings.feishu_webhook,
        settings.dingtalk_webhook,
        settings.wecom_webhook,
        settings.slack_webhook,
        settings.webhook_url,
    ):
        if url is None:
            continue
        protect_secret(url)
        parsed = urlparse(url.get_secret_value().strip())
        parts = [p for p in parsed.path.split("/") if p]
        parts += [value for _, value in parse_qsl(parsed.query)]
        if parsed.password:
            parts.append(parsed.password)
        for part in parts:
            if _token_like(part):
                protect_secret(SecretStr(part))


def _token_like(part: str) -> bool:
    """A URL part that can be a token (a key, a UUID, Slack's path parts), not a word of the
    path such as "services" or "open-apis", which would blank out ordinary text."""
    return len(part) >= _MIN_SECRET and (any(c.isdigit() for c in part) or len(part) >= 20)


def _hook_id(url: str) -> str:
    """Who a webhook reaches, as stored: a short digest of its URL, never the token."""
    return "hook-" + hashlib.sha256(url.encode()).hexdigest()[:12]


def _url(secret: SecretStr | None, env: str) -> str | None:
    if secret is None or not secret.get_secret_value().strip():
        return None
    url = secret.get_secret_value().strip()
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise InputError(f"invalid setting {env}: must be an http(s) URL")
    return url


def _plain(secret: SecretStr | None) -> str | None:
    value = secret.get_secret_value().strip() if secret is not None else ""
    return value or None


def configured(settings: Settings) -> dict[str, Channel]:
    """Every channel whose settings are given, by name."""
    from .dingtalk import DingTalkChannel
    from .feishu import FeishuChannel
    from .mail import MailChannel
    from .slack import SlackChannel
    from .telegram import TelegramChannel
    from .webhook import WebhookChannel
    from .wecom import WeComChannel

    protect_push_secrets(settings)
    found: dict[str, Channel] = {}
    if settings.smtp_host and settings.mail_to:
        sender = settings.mail_from or settings.smtp_user
        if not sender:
            raise InputError("SUMMARIZER_MAIL_FROM is not set (the sender of the e-mail)")
        for name, address in [("SUMMARIZER_MAIL_FROM", sender)] + [
            ("SUMMARIZER_MAIL_TO", a) for a in settings.mail_to
        ]:
            if not _MAILBOX.fullmatch(address):
                raise InputError(f"invalid setting {name}: {address!r} is not an e-mail address")
        found["email"] = MailChannel(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=_plain(settings.smtp_password),
            sender=sender,
            to=settings.mail_to,
        )
    if url := _url(settings.feishu_webhook, "SUMMARIZER_FEISHU_WEBHOOK"):
        found["feishu"] = FeishuChannel(
            webhook=url, secret=_plain(settings.feishu_secret), recipient=_hook_id(url)
        )
    if url := _url(settings.dingtalk_webhook, "SUMMARIZER_DINGTALK_WEBHOOK"):
        found["dingtalk"] = DingTalkChannel(
            webhook=url, secret=_plain(settings.dingtalk_secret), recipient=_hook_id(url)
        )
    if url := _url(settings.wecom_webhook, "SUMMARIZER_WECOM_WEBHOOK"):
        found["wecom"] = WeComChannel(webhook=url, recipient=_hook_id(url))
    if url := _url(settings.slack_webhook, "SUMMARIZER_SLACK_WEBHOOK"):
        found["slack"] = SlackChannel(webhook=url, recipient=_hook_id(url))
    token = _plain(settings.telegram_token)
    if token and settings.telegram_chat:
        found["telegram"] = TelegramChannel(
            api=settings.telegram_api, token=token, chat=settings.telegram_chat.strip()
        )
    if url := _url(settings.webhook_url, "SUMMARIZER_WEBHOOK_URL"):
        found["webhook"] = WebhookChannel(url=url, recipient=_hook_id(url))
    return found


_NEEDS = {
    "email": "SUMMARIZER_SMTP_HOST and SUMMARIZER_MAIL_TO",
    "feishu": "SUMMARIZER_FEISHU_WEBHOOK",
    "dingtalk": "SUMMARIZER_DINGTALK_WEBHOOK",
    "wecom": "SUMMARIZER_WECOM_WEBHOOK",
    "slack": "SUMMARIZER_SLACK_WEBHOOK",
    "telegram": "SUMMARIZER_TELEGRAM_TOKEN and SUMMARIZER_TELEGRAM_CHAT",
    "webhook": "SUMMARIZER_WEBHOOK_URL",
}


def select(settings: Settings, names: list[str] | None) -> list[Channel]:
    """The channels to use: `names` (from --to), else SUMMARIZER_PUSH, else every configured one.

    None configured, or one named but not configured, is bad settings (exit 2), said before
    anything is sent.
    """
    available = configured(settings)
    wanted = names if names is not None else (settings.push or None)  # blank: unset
    if wanted is None:
        if not available:
            raise InputError(
                "no push channel is configured: set SUMMARIZER_SMTP_HOST and SUMMARIZER_MAIL_TO, "
                "or a chat webhook (see .env.example)"
            )
        return list(available.values())
    unknown = [n for n in wanted if n not in CHANNELS]
    if unknown:
        raise InputError(f"unknown push channel {unknown[0]!r} (known: {', '.join(CHANNELS)})")
    for name in wanted:
        if name not in available:
            raise InputError(f"push channel {name} is not configured: set {_NEEDS[name]}")
    return [available[n] for n in dict.fromkeys(wanted)]
