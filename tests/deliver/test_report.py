"""What a push says: the delivery stage returns its report's lines, the application prints them
(deliver/ never imports the console)."""

from __future__ import annotations

from datetime import date

import pytest

from summarizer.app import push
from summarizer.deliver.base import Delivery
from summarizer.deliver.run import PushReport

DAY = date(2026, 3, 10)


def test_a_report_reads_note_already_then_what_went_out() -> None:
    busy = Delivery("wecom", "group", error="being sent by another run (pid 42); run again later")
    report = PushReport(
        day=DAY,
        deliveries=[
            Delivery("email", "a@example.org", sent=2, total=2),
            Delivery("slack", "#news", sent=0, total=3, error="HTTP 500"),
            busy,
            Delivery("telegram", "42", sent=1, total=1),
        ],
        already=[("email", "b@example.org"), ("feishu", "hook")],
        note="nothing new",
    )
    assert report.lines() == [
        "nothing new",
        "2026-03-10 already pushed to email (b@example.org), feishu (hook); --force sends again",
        "pushed 2026-03-10 to email (a@example.org): 2 message(s)",
        "pushed 2026-03-10 to telegram (42): 1 message(s)",
    ]
    assert [d.channel for d in report.failed] == ["slack", "wecom"]  # a busy one is not out
    assert PushReport(day=DAY).lines() == []


def test_the_app_says_each_line_on_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(push.console, "say", said.append)
    report = PushReport(day=DAY, deliveries=[Delivery("email", "a@example.org", 1, 1)])
    push.say(report)
    assert said == ["pushed 2026-03-10 to email (a@example.org): 1 message(s)"]
