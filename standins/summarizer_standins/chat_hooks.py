"""Local receivers for the chat platforms a push reaches, checking what each platform checks.

One loopback HTTP server answers as Feishu and DingTalk custom bots, a WeCom group bot, a Slack
incoming webhook, the Telegram Bot API and a generic JSON webhook, each on its own path, with the
platform's own signature check, size limit, rate limit and error codes (FACTS.md, "Delivery
platforms"; sources in each checker). Every request is kept in `received[platform]` with the
answer given, so tests can see what was accepted and what was refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .server import BackgroundServer, read_body, send

# Feishu: body at most 20 KB, 19021 on a bad signature or a timestamp more than an hour off
# (FACTS.md; feiyu563/PrometheusAlert#422 has the exact message); 11232 when rate limited
# (openclaw/openclaw#70879); 19036 for a body over the size limit
# (XUJiahua/alertmanager-webhook-feishu#3).
FEISHU_BODY_LIMIT = 20 * 1024
# Telegram's HTML parse mode (core.telegram.org/bots/api#formatting-options).
TELEGRAM_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote",
}  # fmt: skip
_TG_TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-z-]+="[^"<>]*")*)\s*>')
_TG_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_TG_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TG_HREF = re.compile(r'href="([^"]*)"')


@dataclass
class Received:
    path: str
    body: Any
    status: int
    answer: dict[str, Any]
    params: dict[str, str] = field(default_factory=dict)
    size: int = 0

    @property
    def accepted(self) -> bool:
        a = self.answer
        return self.status == 200 and (
            a.get("code") == 0 or a.get("errcode") == 0 or a.get("ok") is True or a == {"ok": 1}
        )


def telegram_text(markup: str) -> tuple[str, list[str]]:
    """The visible text of a Telegram HTML message and its link targets, or ValueError with the
    platform's own description when Telegram would refuse to parse it."""
    text: list[str] = []
    links: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(markup):
        ch = markup[i]
        if ch == "<":
            match = _TG_TAG.match(markup, i)
            if not match or match.group(2).lower() not in TELEGRAM_TAGS:
                raise ValueError(f"Bad Request: can't parse entities: Unsupported start tag at {i}")
            closing, name = match.group(1), match.group(2).lower()
            if closing:
                if not stack or stack.pop() != name:
                    raise ValueError(f"Bad Request: can't parse entities: Unmatched end tag at {i}")
            else:
                stack.append(name)
                if name == "a":
                    href = _TG_HREF.search(match.group(3))
                    links.append(href.group(1) if href else "")
            i = match.end()
        elif ch == "&":
            match = _TG_ENTITY.match(markup, i)
            if not match:
                raise ValueError(
                    f"Bad Request: can't parse entities: Can't find end of the entity at {i}"
                )
            name = match.group(1)
            if name in _TG_ENTITIES:
                text.append(_TG_ENTITIES[name])
            else:
                text.append(chr(int(name[2:], 16) if name.startswith("#x") else int(name[1:])))
            i = match.end()
        else:
            text.append(ch)
            i += 1
    if stack:
        raise ValueError(f"Bad Request: can't parse entities: Can't find end tag for {stack[-1]}")
    return "".join(text), links


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class ChatHooks(BackgroundServer):
    """Feishu, DingTalk, WeCom, Slack, Telegram and a generic webhook on one loopback server.

    `per_minute[platform]` caps accepted messages in any 60 s (DingTalk and WeCom 20 as their
    docs say; None: no cap); `refuse[platform] = n` refuses the next n requests (HTTP
    `refuse_status`, 500 unless changed). `impostor[platform] = (status, body, content type)`
    answers that platform's requests with those bytes instead of the platform's own answer (a
    proxy, a captive portal or a wrong URL answering 200 with `{}` or a page).
    """

    FEISHU_TOKEN = "feishu-hook-token-0b7e9c"
    DINGTALK_TOKEN = "dingtalk-access-token-51d2a8"
    WECOM_KEY = "wecom-key-9f3e21c7"
    SLACK_PATH = "/services/T0STANDIN/B0STANDIN/slack-secret-path-77c1"
    TELEGRAM_TOKEN = "123456:telegram-bot-token-AAE4x"
    WEBHOOK_PATH = "/hooks/generic-token-3c9d"

    def __init__(self, *, feishu_secret: str | None = None, dingtalk_secret: str | None = None):
        super().__init__()
        self.feishu_secret, self.dingtalk_secret = feishu_secret, dingtalk_secret
        self.received: dict[str, list[Received]] = defaultdict(list)
        self.per_minute: dict[str, int | None] = {"dingtalk": 20, "wecom": 20}
        self.window = 60.0  # seconds `per_minute` counts over (tests shorten it)
        self.refuse: dict[str, int] = defaultdict(int)
        self.refuse_status = 500  # 5xx: the client retries; 4xx: it gives up at once
        self.impostor: dict[str, tuple[int, bytes, str]] = {}
        self._sent: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    # the URLs a user would configure --------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {
            "SUMMARIZER_FEISHU_WEBHOOK": f"{self.base}/open-apis/bot/v2/hook/{self.FEISHU_TOKEN}",
            "SUMMARIZER_DINGTALK_WEBHOOK": (
                f"{self.base}/robot/send?access_token={self.DINGTALK_TOKEN}"
            ),
            "SUMMARIZER_WECOM_WEBHOOK": f"{self.base}/cgi-bin/webhook/send?key={self.WECOM_KEY}",
            "SUMMARIZER_SLACK_WEBHOOK": f"{self.base}{self.SLACK_PATH}",
            "SUMMARIZER_TELEGRAM_TOKEN": self.TELEGRAM_TOKEN,
            "SUMMARIZER_TELEGRAM_CHAT": "-1001234567890",
            "SUMMARIZER_TELEGRAM_API": self.base,
            "SUMMARIZER_WEBHOOK_URL": f"{self.base}{self.WEBHOOK_PATH}",
        }
        if self.feishu_secret:
            env["SUMMARIZER_FEISHU_SECRET"] = self.feishu_secret
        if self.dingtalk_secret:
            env["SUMMARIZER_DINGTALK_SECRET"] = self.dingtalk_secret
        return env

    def accepted(self, platform: str) -> list[Received]:
        return [r for r in self.received[platform] if r.accepted]

    # dispatch -------------------------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        raw = read_body(handler)
        routes = {
            f"/open-apis/bot/v2/hook/{self.FEISHU_TOKEN}": ("feishu", self._feishu),
            "/robot/send": ("dingtalk", self._dingtalk),
            "/cgi-bin/webhook/send": ("wecom", self._wecom),
            self.SLACK_PATH: ("slack", self._slack),
            f"/bot{self.TELEGRAM_TOKEN}/sendMessage": ("telegram", self._telegram),
            self.WEBHOOK_PATH: ("webhook", self._webhook),
        }
        platform, check = routes.get(url.path, ("unknown", None))
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = None
        with self._lock:
            headers: dict[str, str]
            if platform in self.impostor:
                status, raw_answer, content_type = self.impostor[platform]
                answer = {"impostor": raw_answer.decode("utf-8", "replace")}
                self.received[platform].append(Received(url.path, body, status, answer, params))
                send(handler, status, raw_answer, content_type)
                return
            if check is None or method != "POST":
                status, answer, headers = 404, {"error": "not found"}, {}
            elif self.refuse[platform] > 0:
                self.refuse[platform] -= 1
                status, answer, headers = self.refuse_status, {"error": "refused"}, {}
            else:
                status, answer, headers = check(body, params, len(raw))
                if status == 200 and answer.get("_accepted"):
                    answer.pop("_accepted")
                    self._sent[platform].append(time.monotonic())
            self.received[platform].append(
                Received(url.path, body, status, answer, params=params, size=len(raw))
            )
        if platform == "slack":  # plain text: `ok`, or the error's one word (`no_text`)
            word = "ok" if status == 200 else str(answer.get("error", ""))
            send(handler, status, word.encode(), "text/html", headers)
            return
        send(handler, status, json.dumps(answer).encode(), "application/json", headers)

    def _over_rate(self, platform: str) -> bool:
        limit = self.per_minute.get(platform)
        sent = self._sent[platform]
        now = time.monotonic()
        while sent and now - sent[0] >= self.window:
            sent.popleft()
        return limit is not None and len(sent) >= limit

    def _retry_after(self, platform: str) -> int:
        sent = self._sent[platform]
        return max(1, math.ceil(self.window - (time.monotonic() - sent[0]))) if sent else 1

    # the platforms --------------------------------------------------------------------------
    def _feishu(self, body: Any, params: dict[str, str], size: int) -> tuple[int, dict, dict]:
        if size > FEISHU_BODY_LIMIT:
            return 200, {"code": 19036, "msg": "The message exceeds the size limit"}, {}
        if not isinstance(body, dict):
            return 400, {"code": 9499, "msg": "Bad Request"}, {}
        if self.feishu_secret is not None:
            timestamp = str(body.get("timestamp", ""))
            key = f"{timestamp}\n{self.feishu_secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= 3600
            if not fresh or body.get("sign") != expected:
                msg = "sign match fail or timestamp is not within one hour from current time"
                return 200, {"code": 19021, "data": {}, "msg": msg}, {}
        if self._over_rate("feishu"):
            return 200, {"code": 11232, "msg": "frequency limited"}, {}
        if body.get("msg_type") not in {"text", "post", "interactive", "share_chat", "image"}:
            return 200, {"code": 19002, "msg": "params error, msg_type need"}, {}
        return 200, {"code": 0, "data": {}, "msg": "success", "_accepted": True}, {}

    def _dingtalk(self, body: Any, params: dict[str, str], size: int) -> tuple[int, dict, dict]:
        if params.get("access_token") != self.DINGTALK_TOKEN:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}, {}
        if self.dingtalk_secret is not None:
            timestamp = params.get("timestamp", "")
            message = f"{timestamp}\n{self.dingtalk_secret}".encode()
            digest = hmac.new(self.dingtalk_secret.encode(), message, hashlib.sha256).digest()
            fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) <= 3_600_000
            if not fresh:
                return 200, {"errcode": 310000, "errmsg": "invalid timestamp"}, {}
            if params.get("sign") != base64.b64encode(digest).decode():
                return 200, {"errcode": 310000, "errmsg": "sign not match"}, {}
        if self._over_rate("dingtalk"):
            msg = "send too fast, exceed 20 times per minute"
            return 200, {"errcode": 130101, "errmsg": msg}, {}
        markdown = body.get("markdown") if isinstance(body, dict) else None
        if not isinstance(markdown, dict) or not markdown.get("title") or not markdown.get("text"):
            return 200, {"errcode": 40035, "errmsg": "缺少参数 json"}, {}
        return 200, {"errcode": 0, "errmsg": "ok", "_accepted": True}, {}

    def _wecom(self, body: Any, params: dict[str, str], size: int) -> tuple[int, dict, dict]:
        if params.get("key") != self.WECOM_KEY:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, {}
        markdown = body.get("markdown") if isinstance(body, dict) else None
        content = markdown.get("content") if isinstance(markdown, dict) else None
        if not isinstance(content, str) or not content:
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}, {}
        if len(content.encode("utf-8")) > 4096:
            msg = "markdown.content exceed max length 4096. invalid Request Parameter"
            return 200, {"errcode": 40058, "errmsg": msg}, {}
        if self._over_rate("wecom"):
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}, {}
        return 200, {"errcode": 0, "errmsg": "ok", "_accepted": True}, {}

    def _slack(self, body: Any, params: dict[str, str], size: int) -> tuple[int, dict, dict]:
        # Success is 200 with the body `ok`; errors are one word in a plain-text body, HTTP 400
        # `invalid_payload`/`no_text`, 403, 404, 410 (api.slack.com/messaging/webhooks;
        # api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks).
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            return 400, {"error": "no_text"}, {}
        if self._over_rate("slack"):
            return 429, {"error": "rate_limited"}, {"Retry-After": str(self._retry_after("slack"))}
        return 200, {"ok": 1, "_accepted": True}, {}

    def _telegram(self, body: Any, params: dict[str, str], size: int) -> tuple[int, dict, dict]:
        def bad(description: str, code: int = 400) -> tuple[int, dict, dict]:
            return code, {"ok": False, "error_code": code, "description": description}, {}

        if not isinstance(body, dict) or not body.get("chat_id"):
            return bad("Bad Request: chat not found")
        if self._over_rate("telegram"):
            wait = self._retry_after("telegram")
            status, answer, _ = bad(f"Too Many Requests: retry after {wait}", 429)
            answer["parameters"] = {"retry_after": wait}
            return status, answer, {}
        markup = str(body.get("text") or "")
        if body.get("parse_mode") == "HTML":
            try:
                visible, _links = telegram_text(markup)
            except ValueError as exc:
                return bad(str(exc))
        else:
            visible = markup
        if not visible.strip():
            return bad("Bad Request: message text is empty")
        if _utf16(visible) > 4096:
            return bad("Bad Request: message is too long")
        result = {"message_id": len(self.received["telegram"]) + 1, "text": visible}
        return 200, {"ok": True, "result": result, "_accepted": True}, {}

    def _webhook(self, body: Any, params: dict[str, str], size: int) -> tuple[int, dict, dict]:
        if not isinstance(body, dict):
            return 400, {"error": "expected a JSON object"}, {}
        return 200, {"ok": True, "_accepted": True}, {}
