"""Slack incoming webhook: `mrkdwn` text, Slack's own escaping, 429 with Retry-After."""

from __future__ import annotations

import re
from typing import Any

from ..settings.group import Group, setting
from ..settings.kinds import SecretURL
from .base import hook_channel
from .chat import ChatChannel, Line, Span
from .http import post_json, refused

# FACTS.md, Delivery platforms (api.slack.com/messaging/webhooks): JSON `{text, blocks}`. Slack
# advises at most 4,000 characters of `text` per message (it truncates past 40,000).
TEXT_LIMIT = 4000


def escape_slack(text: str) -> str:
    """Slack's three control characters as entities: no `<!channel>`, `<@U…>` or `<url|x>`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _span(span: Span) -> str:
    text = escape_slack(re.sub(r"\s+", " ", span.text))
    if span.url:
        return f"<{span.url}|{text}>"
    return f"*{text}*" if span.bold and text else text


class SlackChannel(ChatChannel):
    name = "slack"

    def __init__(self, *, webhook: str, recipient: str) -> None:
        self.webhook, self.recipient = webhook, recipient

    def recipients(self) -> list[str]:
        return [self.recipient]

    def payload(self, lines: list[Line]) -> dict[str, Any]:
        return {"text": "\n".join("".join(_span(s) for s in line) for line in lines)}

    def fits(self, lines: list[Line]) -> bool:
        return len(self.payload(lines)["text"]) <= TEXT_LIMIT

    def post(self, payload: dict[str, Any]) -> None:
        """Delivered when Slack answers 200 with the body `ok`; its errors are one word in the
        body (invalid_payload, channel_not_found, ... api.slack.com/changelog/2016-05-17-changes-
        to-errors-for-incoming-webhooks). A 200 with anything else (a proxy's page, a captive
        portal's login form) is not Slack saying so."""
        answer = post_json(self.webhook, payload)
        if answer.status == 200 and answer.text.strip() == "ok":
            return
        raise refused(answer, answer.text or "(no answer body)")


class SlackSettings(Group):
    """The incoming webhook's URL (its path is the token)."""

    slack_webhook: SecretURL | None = setting(None)


CHANNEL = hook_channel(
    "slack",
    SlackSettings,
    "slack_webhook",
    lambda _, url, recipient: SlackChannel(webhook=url, recipient=recipient),
)
