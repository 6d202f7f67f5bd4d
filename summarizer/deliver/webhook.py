"""A generic JSON webhook: the day's JSONL records as they are, for the reader's own automation."""

from __future__ import annotations

from typing import Any

from ..core.redaction import redact
from ..settings.group import Group, setting
from ..settings.kinds import SecretURL
from .base import DayDigest, Delivery, DeliveryError, hook_channel
from .chat import ChatChannel
from .http import Answer, post_json, refused


class WebhookChannel(ChatChannel):
    """One POST per day: `{"day", "kind", "subject", "count", "site_url", "note", "papers"}`,
    `papers` holding every JSONL record of the day (raw text: JSON is not markup)."""

    name = "webhook"

    def __init__(self, *, url: str, recipient: str) -> None:
        self.url, self.recipient = url, recipient

    def recipients(self) -> list[str]:
        return [self.recipient]

    def body(self, digest: DayDigest) -> dict[str, Any]:
        return {
            "day": digest.day.isoformat(),
            "kind": digest.kind,
            "subject": digest.subject,
            "count": len(digest.items),
            "site_url": digest.site_url,
            "note": digest.note or None,
            "papers": digest.records,
        }

    def send(self, digest: DayDigest, *, recipient: str, skip: int = 0) -> Delivery:
        delivery = Delivery(channel=self.name, recipient=recipient, total=1, sent=min(skip, 1))
        if delivery.sent:
            return delivery
        try:
            self._post_with_retries(self.body(digest))
            delivery.sent = 1
        except DeliveryError as exc:
            delivery.error = redact(str(exc))
        return delivery

    def post(self, payload: dict[str, Any]) -> None:
        answer = post_json(self.url, payload)
        reason = not_accepted(answer)
        if reason is not None:
            raise refused(answer, reason)


# A generic webhook is the reader's own receiver (n8n, a Worker, a small server), so there is no
# platform to ask what "delivered" looks like. It counts when the receiver answers 2xx and the
# body does not say otherwise: empty (204), JSON that does not report a failure, or a line of
# text ("ok", "Accepted"). An HTML page is never a receiver's answer: it is what a captive
# portal, a login wall or a proxy's error page sends, with a 200, for a message that went nowhere.
FAILURE_KEYS = ("error", "errors", "err")


def not_accepted(answer: Answer) -> str | None:
    """Why the receiver's answer does not say the day was received; None when it does."""
    if not 200 <= answer.status < 300:
        return answer.text or "(no answer body)"
    text = answer.text.strip()
    if not text:
        return None
    body = answer.json
    if body is None:
        return "an HTML page, not a webhook's answer" if text.startswith("<") else None
    if not isinstance(body, dict):
        return None
    said_no = (
        body.get("ok") is False
        or body.get("success") is False
        or any(body.get(key) for key in FAILURE_KEYS)
        or (isinstance(body.get("errcode"), int) and body["errcode"] != 0)
        or str(body.get("status", "")).lower() in {"error", "fail", "failed", "failure"}
    )
    return f"the receiver answered {text}" if said_no else None


class WebhookSettings(Group):
    """A URL receiving the day's JSONL records as one JSON POST."""

    webhook_url: SecretURL | None = setting(None)


CHANNEL = hook_channel(
    "webhook",
    WebhookSettings,
    "webhook_url",
    lambda _, url, recipient: WebhookChannel(url=url, recipient=recipient),
)
