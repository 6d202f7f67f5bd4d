"""Every push layout against checked files, byte for byte: the e-mail's text and HTML parts and
each chat platform's payloads, for the held-out day with two papers recommended and a site URL.

Regenerate after a deliberate change with `UPDATE_GOLDEN=1 pytest tests/golden/test_push.py`
and read the diff.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from summarizer.deliver.content import load_day
from summarizer.deliver.dingtalk import DingTalkChannel
from summarizer.deliver.feishu import FeishuChannel
from summarizer.deliver.mail import render_mail
from summarizer.deliver.slack import SlackChannel
from summarizer.deliver.telegram import TelegramChannel
from summarizer.deliver.wecom import WeComChannel
from tests.support.files import FIXTURES, assert_golden, write_rows

FIXTURE = FIXTURES / "second-day.json"
DAY = date(2026, 3, 10)
RANKED = {"2603.05418": (0.82, "关键词：tokenization"), "2603.05577": (0.61, "作者：Chen")}


@pytest.fixture
def day_dir(tmp_path: Path) -> Path:
    records = json.loads(FIXTURE.read_text("utf-8"))["records"]
    rows = []
    for record in records:
        paper = record["paper"]
        score, why = RANKED.get(paper["id"], (0.0, None))
        rows.append({**paper, "brief": record["brief"], "score": score, "why": why})
    write_rows(tmp_path, DAY, rows)
    return tmp_path


def test_mail_parts_match_the_golden_files(day_dir: Path) -> None:
    digest = load_day(day_dir, DAY, site_url="https://reader.example.org/arxiv")
    text, html = render_mail(digest)
    assert_golden(text, f"push/mail-{DAY}.txt")
    assert_golden(html, f"push/mail-{DAY}.html")


def test_chat_payloads_match_the_golden_file(day_dir: Path) -> None:
    digest = load_day(day_dir, DAY, site_url="https://reader.example.org/arxiv")
    hook = "https://hooks.invalid/x"
    channels = {
        "feishu": FeishuChannel(webhook=hook, secret=None, recipient="g"),
        "dingtalk": DingTalkChannel(webhook=hook, secret=None, recipient="g"),
        "wecom": WeComChannel(webhook=hook, recipient="g"),
        "slack": SlackChannel(webhook=hook, recipient="g"),
        "telegram": TelegramChannel(api="https://api.invalid", token="t", chat="-100"),
    }
    payloads = {name: channel.messages(digest) for name, channel in channels.items()}
    assert_golden(
        json.dumps(payloads, ensure_ascii=False, indent=1) + "\n", f"push/chat-{DAY}.json"
    )
