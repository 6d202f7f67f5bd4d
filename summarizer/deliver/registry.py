"""The push channels, listed once. Each channel module declares its settings group, which of them
are secrets (its SecretStr fields), what makes it configured and how it is built (`CHANNEL`); a new
channel is one module and one line here. Every list of channel names (SUMMARIZER_PUSH, --to, the
messages that suggest names, the secrets kept out of messages, the settings a run knows) is read
from this tuple."""

from __future__ import annotations

from typing import Any

from . import dingtalk, feishu, mail, slack, telegram, webhook, wecom
from .base import ChannelSpec

CHANNELS: tuple[ChannelSpec[Any], ...] = (
    mail.CHANNEL,
    feishu.CHANNEL,
    dingtalk.CHANNEL,
    wecom.CHANNEL,
    slack.CHANNEL,
    telegram.CHANNEL,
    webhook.CHANNEL,
)


def channel_names() -> list[str]:
    return [channel.name for channel in CHANNELS]
