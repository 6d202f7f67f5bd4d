"""A generic JSON webhook: the day's JSONL records as they are, for the reader's own automation."""

from __future__ import annotations

from typing import Any

from ..core.redaction import redact
from ..settings.group import Group, setting
from ..settings.kinds import SecretURL
from .base import DayDigest, Delivery, DeliveryError, RateLimited, hook_channel
from .chat import ChatChannel
from .http import post_json, refused


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
        response, _ = post_json(self.url, payload)
        if response.status_code == 429:
            raise RateLimited("HTTP 429")
        if not 200 <= response.status_code < 300:
            raise refused(response, response.text)


class WebhookSettings(Group):
    """A URL receiving the day's JSONL records as one JSON POST."""

    webhook_url: SecretURL | None = setting(None)


CHANNEL = hook_channel(
    "webhook",
    WebhookSettings,
    "webhook_url",
    lambda _, url, recipient: WebhookChannel(url=url, recipient=recipient),
)
