"""Feishu (Lark) custom bot: signed `post` (rich text) messages under the 20 KB body limit.

Outside text goes into `text` nodes, which Feishu shows as written and never parses (no `<at>`,
no Markdown), and links into `a` nodes whose href is arXiv's or the site's: no escaping can be
got wrong because there is no markup to escape into.
"""

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
from .chat import ChatChannel, Line
from .http import expect_code_zero, post_json

# FACTS.md, Delivery platforms (open.feishu.cn custom bot docs; go-gitea/gitea#34802): the request
# body may be at most 20 KB. We stay a little under, counting the body exactly as sent.
BODY_LIMIT = 20_000
RATE_LIMIT_CODE = 11232  # "frequency limited" (openclaw/openclaw#70879)


def feishu_sign(timestamp: int, secret: str) -> str:
    """base64(hmac_sha256(key=f"{timestamp}\\n{secret}", msg=b"")), per FACTS.md."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


class FeishuChannel(ChatChannel):
    name = "feishu"

    def __init__(self, *, webhook: str, secret: str | None, recipient: str) -> None:
        self.webhook, self.secret, self.recipient = webhook, secret, recipient

    def recipients(self) -> list[str]:
        return [self.recipient]

    def payload(self, lines: list[Line]) -> dict[str, Any]:
        title = "".join(span.text for span in lines[0]) if lines else ""
        content = []
        for line in lines[1:]:
            nodes: list[dict[str, Any]] = []
            for span in line:
                if span.url:
                    nodes.append({"tag": "a", "text": span.text, "href": span.url})
                else:
                    nodes.append({"tag": "text", "text": span.text})
            content.append(nodes or [{"tag": "text", "text": ""}])
        return {
            "msg_type": "post",
            "content": {"post": {"zh_cn": {"title": title, "content": content}}},
        }

    def _signed(self, payload: dict[str, Any]) -> dict[str, Any]:
        if not self.secret:
            return payload
        timestamp = int(time.time())
        return {"timestamp": str(timestamp), "sign": feishu_sign(timestamp, self.secret), **payload}

    def fits(self, lines: list[Line]) -> bool:
        body = self._signed(self.payload(lines))
        return len(json.dumps(body, ensure_ascii=False).encode("utf-8")) <= BODY_LIMIT

    def post(self, payload: dict[str, Any]) -> None:
        """Delivered when Feishu says code 0 (`{"code": 0, "msg": "success"}`; older bots answer
        `{"StatusCode": 0, "StatusMessage": "success"}`); `{}`, a page or any other code is not."""
        answer = post_json(self.webhook, self._signed(payload))
        expect_code_zero(
            answer,
            platform="Feishu",
            rate_limit_code=RATE_LIMIT_CODE,
            code_keys=("code", "StatusCode"),
            message_keys=("msg", "StatusMessage"),
        )


class FeishuSettings(Group):
    """The custom bot's webhook URL; its secret when "signature verification" is on."""

    feishu_webhook: SecretURL | None = setting(None)
    feishu_secret: Secret | None = setting(None)


CHANNEL = hook_channel(
    "feishu",
    FeishuSettings,
    "feishu_webhook",
    lambda group, url, recipient: FeishuChannel(
        webhook=url, secret=secret_text(group.feishu_secret), recipient=recipient
    ),
)
