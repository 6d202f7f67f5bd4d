"""The HTTP `Retry-After` value read one way everywhere (the model endpoint, arXiv, the chat
platforms): seconds, or an HTTP date counted from now (RFC 9110, section 10.2.3)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_after_seconds(value: object) -> float | None:
    """Seconds to wait, never below 0; None when absent or unreadable."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
