"""Telegram bot: `sendMessage` in HTML parse mode, at most 4,096 characters a message."""

from __future__ import annotations

import html
from typing import Any

from ..settings.group import Group, setting
from ..settings.kinds import URL, Secret
from .base import ChannelSpec, RateLimited
from .chat import ChatChannel, Line, Span
from .http import post_json, quoted, refused

# FACTS.md, Delivery platforms (core.telegram.org/bots/api#sendmessage, #formatting-options):
# 1-4,096 characters after entity parsing; HTML mode knows b, i, a href, code, ... and the
# entities &lt; &gt; &amp; &quot;. We count the markup itself, in UTF-16 code units, which is
# never less than what Telegram counts.
TEXT_LIMIT = 4096


def _span(span: Span) -> str:
    text = html.escape(span.text, quote=False)
    if span.url:
        return f'<a href="{html.escape(span.url, quote=True)}">{text}</a>'
    return f"<b>{text}</b>" if span.bold and text else text


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class TelegramChannel(ChatChannel):
    name = "telegram"

    def __init__(self, *, api: str, token: str, chat: str) -> None:
        self.url = f"{api.rstrip('/')}/bot{token}/sendMessage"
        self.chat = chat

    def recipients(self) -> list[str]:
        return [self.chat]

    def payload(self, lines: list[Line]) -> dict[str, Any]:
        text = "\n".join("".join(_span(s) for s in line) for line in lines)
        return {
            "chat_id": self.chat,
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }

    def fits(self, lines: list[Line]) -> bool:
        return utf16_length(self.payload(lines)["text"]) <= TEXT_LIMIT

    def post(self, payload: dict[str, Any]) -> None:
        """Delivered when the Bot API says `"ok": true` (core.telegram.org/bots/api#making-
        requests); anything else, whatever its HTTP status, is not."""
        answer = post_json(self.url, payload)
        body = answer.json if isinstance(answer.json, dict) else None
        if answer.status == 200 and body is not None and body.get("ok") is True:
            return
        description = body.get("description", "") if body is not None else answer.text
        if body is not None and body.get("error_code") == 429:
            raise RateLimited(f"Telegram: {quoted(str(description))}", wait=_retry_after(body))
        raise refused(answer, f"Telegram: {description}")


def _retry_after(body: dict[str, Any]) -> float | None:
    wait = (body.get("parameters") or {}).get("retry_after")
    return float(wait) if isinstance(wait, int | float) and not isinstance(wait, bool) else None


class TelegramSettings(Group):
    """The bot's token, the chat id, and the Bot API base (a proxy or a local Bot API server)."""

    telegram_token: Secret | None = setting(None)
    telegram_chat: str | None = setting(None)
    telegram_api: URL = setting("https://api.telegram.org")


def build(settings: TelegramSettings) -> TelegramChannel:
    """The Telegram channel; its one recipient is the chat id (no secret)."""
    assert settings.telegram_token is not None and settings.telegram_chat is not None
    return TelegramChannel(
        api=settings.telegram_api,
        token=settings.telegram_token.get_secret_value().strip(),
        chat=settings.telegram_chat.strip(),
    )


CHANNEL = ChannelSpec("telegram", TelegramSettings, ("telegram_token", "telegram_chat"), build)
