"""DingTalk custom robot: Markdown messages, signed with timestamp + sign query parameters, at most
20 a minute."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from ..settings.group import Group, setting
from ..settings.kinds import Secret, SecretURL
from .base import hook_channel, secret_text
from .chat import ChatChannel, Line, Pacer
from .http import expect_code_zero, post_json
from .markdown import markdown_line

# FACTS.md, Delivery platforms (DingTalk robot docs; `dingding` crate src/signature.rs):
# 20 messages a minute; errcode 130101 "send too fast" (ccfos/nightingale#369), 310000 for a bad
# signature or timestamp (x-cold/dingtalk-robot#7). The docs name no size limit for markdown; we
# keep each request body under the 20 KB that Feishu documents for the same kind of bot.
PER_MINUTE = 20
BODY_LIMIT = 20_000
RATE_LIMIT_CODE = 130101


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """base64(hmac_sha256(key=secret, msg=f"{timestamp}\\n{secret}")); URL-encoded by httpx."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


class DingTalkChannel(ChatChannel):
    name = "dingtalk"

    def __init__(self, *, webhook: str, secret: str | None, recipient: str) -> None:
        self.webhook, self.secret, self.recipient = webhook, secret, recipient
        self.pacer = Pacer(PER_MINUTE)

    def recipients(self) -> list[str]:
        return [self.recipient]

    def payload(self, lines: list[Line]) -> dict[str, Any]:
        title = "".join(span.text for span in lines[0])[:64] if lines else ""
        text = "\n\n".join(markdown_line(line) for line in lines if line)
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}

    def fits(self, lines: list[Line]) -> bool:
        body = json.dumps(self.payload(lines), ensure_ascii=False).encode("utf-8")
        return len(body) <= BODY_LIMIT

    def post(self, payload: dict[str, Any]) -> None:
        params = None
        if self.secret:
            timestamp = int(time.time() * 1000)
            params = {"timestamp": str(timestamp), "sign": dingtalk_sign(timestamp, self.secret)}
        answer = post_json(self.webhook, payload, params=params)
        expect_code_zero(answer, platform="DingTalk", rate_limit_code=RATE_LIMIT_CODE, wait=60.0)


class DingTalkSettings(Group):
    """The custom robot's webhook URL (with its access_token); its 加签 secret (SEC...)."""

    dingtalk_webhook: SecretURL | None = setting(None)
    dingtalk_secret: Secret | None = setting(None)


CHANNEL = hook_channel(
    "dingtalk",
    DingTalkSettings,
    "dingtalk_webhook",
    lambda group, url, recipient: DingTalkChannel(
        webhook=url, secret=secret_text(group.dingtalk_secret), recipient=recipient
    ),
)
