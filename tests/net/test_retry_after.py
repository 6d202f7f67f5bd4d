"""`Retry-After` read one way for every client: seconds, or an HTTP date counted from now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from summarizer.net.retry_after import retry_after_seconds


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), (" 2.5 ", 2.5), (7, 7.0), ("-3", 0.0), ("", None), (None, None)],
)
def test_seconds(value: object, seconds: float | None) -> None:
    assert retry_after_seconds(value) == seconds


def test_an_http_date_counts_from_now_and_a_past_one_is_zero() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    found = retry_after_seconds(later)
    assert found is not None and 80 <= found <= 90
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("value", ["soon", "Mon, 99 Foo 2026", "1e400e"])
def test_what_cannot_be_read_is_none(value: str) -> None:
    assert retry_after_seconds(value) is None
