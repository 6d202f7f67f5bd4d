"""WeCom (企业微信) group bot: Markdown messages of at most 4,096 bytes, 20 a minute."""

from __future__ import annotations

from typing import Any

from ..settings.group import Group, setting
from ..settings.kinds import SecretURL
from .base import hook_channel
from .chat import ChatChannel, Line, Pacer
from .http import expect_code_zero, post_json
from .markdown import markdown_line

# FACTS.md, Delivery platforms (work.weixin.qq.com/api/doc/90000/90136/91770): markdown content
# at most 4,096 bytes (errcode 40058 past it, dromara/domain-admin#82), 20 messages a minute
# (errcode 45009 "api freq out of limit").
CONTENT_LIMIT = 4096
PER_MINUTE = 20
RATE_LIMIT_CODE = 45009


class WeComChannel(ChatChannel):
    name = "wecom"

    def __init__(self, *, webhook: str, recipient: str) -> None:
        self.webhook, self.recipient = webhook, recipient
        self.pacer = Pacer(PER_MINUTE)

    def recipients(self) -> list[str]:
        return [self.recipient]

    def payload(self, lines: list[Line]) -> dict[str, Any]:
        content = "\n\n".join(markdown_line(line) for line in lines if line)
        return {"msgtype": "markdown", "markdown": {"content": content}}

    def fits(self, lines: list[Line]) -> bool:
        return len(self.payload(lines)["markdown"]["content"].encode("utf-8")) <= CONTENT_LIMIT

    def post(self, payload: dict[str, Any]) -> None:
        answer = post_json(self.webhook, payload)
        expect_code_zero(answer, platform="WeCom", rate_limit_code=RATE_LIMIT_CODE, wait=60.0)


class WeComSettings(Group):
    """The group bot's webhook URL (with its key)."""

    wecom_webhook: SecretURL | None = setting(None)


CHANNEL = hook_channel(
    "wecom",
    WeComSettings,
    "wecom_webhook",
    lambda _, url, recipient: WeComChannel(webhook=url, recipient=recipient),
)
