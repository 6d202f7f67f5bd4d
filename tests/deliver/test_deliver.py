"""The delivery stage's parts against the platform stand-ins: limits and splitting, signatures,
rate-limit answers, escaping, and what a day's push holds (recommended first, site links)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from summarizer_standins.chat_hooks import FEISHU_BODY_LIMIT, ChatHooks, telegram_text
from summarizer_standins.fixtures import load_fixture

from summarizer.deliver.base import DayDigest, Item
from summarizer.deliver.chat import ChatChannel, Span
from summarizer.deliver.content import load_day
from summarizer.deliver.dingtalk import DingTalkChannel
from summarizer.deliver.feishu import FeishuChannel
from summarizer.deliver.mail import render_mail
from summarizer.deliver.markdown import markdown_line
from summarizer.deliver.slack import SlackChannel
from summarizer.deliver.telegram import TelegramChannel
from summarizer.deliver.telegram import _span as telegram_span
from summarizer.deliver.wecom import WeComChannel
from tests.support.files import write_rows

DAY = date(2026, 1, 7)


@pytest.fixture
def hooks() -> Iterator[ChatHooks]:
    with ChatHooks(feishu_secret="feishu-secret-1", dingtalk_secret="SECding-secret-1") as server:
        yield server


def channels(hooks: ChatHooks) -> dict[str, ChatChannel]:
    env = hooks.env()
    return {
        "feishu": FeishuChannel(
            webhook=env["SUMMARIZER_FEISHU_WEBHOOK"], secret="feishu-secret-1", recipient="g"
        ),
        "dingtalk": DingTalkChannel(
            webhook=env["SUMMARIZER_DINGTALK_WEBHOOK"], secret="SECding-secret-1", recipient="g"
        ),
        "wecom": WeComChannel(webhook=env["SUMMARIZER_WECOM_WEBHOOK"], recipient="g"),
        "slack": SlackChannel(webhook=env["SUMMARIZER_SLACK_WEBHOOK"], recipient="g"),
        "telegram": TelegramChannel(api=hooks.base, token=hooks.TELEGRAM_TOKEN, chat="-100"),
    }


def visible(platform: str, body: dict) -> str:
    """The text a reader sees of one accepted message."""
    if platform == "telegram":
        return telegram_text(body["text"])[0]
    if platform == "feishu":
        post = body["content"]["post"]["zh_cn"]
        return "\n".join(n["text"] for line in post["content"] for n in line)
    text = body.get("text") or body.get("markdown", {}).get("text") or body["markdown"]["content"]
    return re.sub(r"\\(.)", r"\1", text).replace("&lt;", "<").replace("&gt;", ">")


def sample_day() -> DayDigest:
    fixture = load_fixture("sample-toc")
    items = [
        Item(
            id=r.paper.id,
            title=r.paper.title,
            authors=r.paper.authors,
            category=r.paper.primary_category,
            tldr=(r.brief or {})["tldr"],
        )
        for r in fixture.records
    ]
    return DayDigest(day=DAY, items=items)


def test_a_whole_day_is_split_in_order_within_every_platform_limit(hooks: ChatHooks) -> None:
    digest = sample_day()
    counts = {}
    for name, channel in channels(hooks).items():
        delivery = channel.send(digest, recipient="g")
        assert delivery.ok, (name, delivery.error)
        received = hooks.received[name]
        assert received and all(r.accepted for r in received), [r.answer for r in received]
        counts[name] = len(received)
        text = "\n".join(visible(name, r.body) for r in received)
        positions = [text.find(f"arXiv:{item.id}") for item in digest.items]
        assert -1 not in positions and positions == sorted(positions), name
    assert counts["telegram"] >= 2 and counts["wecom"] >= 3  # 27 papers do not fit in one
    assert all(r.size <= FEISHU_BODY_LIMIT for r in hooks.received["feishu"])
    wecom = [r.body["markdown"]["content"].encode() for r in hooks.received["wecom"]]
    assert max(len(c) for c in wecom) <= 4096


def test_a_paper_longer_than_a_message_continues_and_is_never_cut(hooks: ChatHooks) -> None:
    # ~30,000 characters with every kind of mark: more than any platform takes in one message.
    pieces = [f"第{n:04d}段<&>*_[x](y)。" for n in range(1500)]
    item = Item(
        id="2601.00001", title="长" * 50, authors=["A"], category="cs.SD", tldr="".join(pieces)
    )
    digest = DayDigest(day=DAY, items=[item])
    for name, channel in channels(hooks).items():
        if name == "slack":
            continue  # Slack's 4,000 is checked above; its text is the same pieces
        assert channel.send(digest, recipient="g").ok, name
        received = hooks.received[name]
        assert len(received) >= 2 and all(r.accepted for r in received), name
        assert "第0000段" in visible(name, received[0].body), name  # no message of a title alone
        text = "".join(visible(name, r.body) for r in received)
        text = re.sub(r"\s+", "", re.sub(r"\**arXiv 每日速递[^\n]*（续）\**", "", text))
        found = [int(n) for n in re.findall(r"第(\d{4})段", text)]
        assert found == list(range(1500)), name  # each piece once, in order


def test_rate_limit_answers_are_waited_out(hooks: ChatHooks) -> None:
    hooks.per_minute["telegram"] = 1
    hooks.window = 1.0
    telegram = channels(hooks)["telegram"]
    started = time.monotonic()
    delivery = telegram.send(sample_day(), recipient="-100")
    assert delivery.ok, delivery.error
    refused = [r for r in hooks.received["telegram"] if r.status == 429]
    assert refused and refused[0].answer["parameters"]["retry_after"] >= 1
    assert len(hooks.accepted("telegram")) == delivery.total >= 2
    assert time.monotonic() - started >= 0.9  # it waited, as asked


def test_wrong_signing_secrets_get_the_platforms_own_codes(hooks: ChatHooks) -> None:
    env = hooks.env()
    feishu = FeishuChannel(webhook=env["SUMMARIZER_FEISHU_WEBHOOK"], secret="wrong", recipient="g")
    delivery = feishu.send(sample_day(), recipient="g")
    assert delivery.error and "19021" in delivery.error and delivery.sent == 0
    dingtalk = DingTalkChannel(
        webhook=env["SUMMARIZER_DINGTALK_WEBHOOK"], secret="SECwrong", recipient="g"
    )
    delivery = dingtalk.send(sample_day(), recipient="g")
    assert delivery.error and "310000" in delivery.error


def test_a_failed_day_resumes_after_the_messages_that_got_through(hooks: ChatHooks) -> None:
    telegram = channels(hooks)["telegram"]
    first = telegram.send(sample_day(), recipient="-100")
    hooks.received.clear()
    again = telegram.send(sample_day(), recipient="-100", skip=1)
    assert again.ok and len(hooks.received["telegram"]) == first.total - 1


outside_text = st.lists(
    st.sampled_from(list("<>&\"'*_[]()`~|#!\\/:ab 中文\n") + ["javascript:", "</b>", "&amp;"]),
    max_size=30,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(outside_text, outside_text)
def test_telegram_markup_always_parses_back_to_the_text(title: str, tldr: str) -> None:
    line = (
        Span("[1] "),
        Span(title, bold=True),
        Span(tldr),
        Span("arXiv:1", url="https://arxiv.org/abs/1"),
    )
    text, links = telegram_text("".join(telegram_span(s) for s in line))
    assert text == f"[1] {title}{tldr}arXiv:1"
    assert links == ["https://arxiv.org/abs/1"]


@settings(max_examples=200, deadline=None)
@given(outside_text)
def test_markdown_lines_open_no_link_tag_or_emphasis(text: str) -> None:
    line = markdown_line((Span(text), Span("arXiv:1", url="https://arxiv.org/abs/1")))
    assert "<" not in line and ">" not in line
    body = line.removesuffix("[arXiv:1](https://arxiv.org/abs/1)")
    assert not re.search(r"(?<!\\)[\[\]*_`~|]", re.sub(r"\\\\", "", body))


def row(paper_id: str, **extra: object) -> dict:
    brief = {
        "tldr": f"{paper_id} 的要点",
        "motivation": "",
        "method": "",
        "result": "",
        "conclusion": "",
    }
    return {"id": paper_id, "title": f"T {paper_id}", "authors": ["A"], "primary_category": "cs.SD",
            "brief": brief, **extra}  # fmt: skip


def test_recommended_papers_come_first_and_site_links_only_for_http(tmp_path: Path) -> None:
    write_rows(
        tmp_path,
        DAY,
        [
            row("2601.00001", score=0.2, why="关键词 beamforming", summarized=True),
            row("2601.00002", score=0.9, why="作者 Alice", summarized=True),
            row("2601.00003", score=None, why=None, summarized=False),
        ],
    )
    digest = load_day(tmp_path, DAY, site_url="https://me.example.org/arxiv/")
    assert [i.id for i in digest.items] == ["2601.00002", "2601.00001", "2601.00003"]
    assert digest.site_url == "https://me.example.org/arxiv/days/2026-01-07.html"
    assert "推荐 2 篇" in digest.subject and "3 篇" in digest.subject
    text, html = render_mail(digest)
    assert text.index("2601.00002") < text.index("2601.00001") < text.index("2601.00003")
    assert "作者 Alice" in text and "今日推荐" in html and "其余论文" in html
    assert 'href="https://me.example.org/arxiv/days/2026-01-07.html"' in html
    assert load_day(tmp_path, DAY, site_url="javascript:alert(1)//").site_url is None


def test_without_ranking_the_day_keeps_its_id_order(tmp_path: Path) -> None:
    write_rows(tmp_path, DAY, [row("2601.00002"), row("2601.00001")])
    digest = load_day(tmp_path, DAY)
    assert [i.id for i in digest.items] == ["2601.00001", "2601.00002"]
    assert not digest.recommended and digest.site_url is None
    _, html = render_mail(digest)
    assert "今日推荐" not in html and "<script" not in html


def test_two_runs_never_send_the_same_delivery(tmp_path: Path) -> None:
    from summarizer.store.database import Store
    from summarizer.store.holders import new_holder

    first, second = Store(tmp_path / "s.sqlite3"), Store(tmp_path / "s.sqlite3")
    one, two = new_holder(), new_holder()  # two runs of this (live) process
    key = {"day": DAY, "channel": "email", "recipient": "a@example.org", "kind": "digest"}

    def claim(store: Store, holder: str, **options: object) -> tuple:
        return tuple(store.deliveries.claim(**key, holder=holder, **options))  # type: ignore[arg-type]

    assert claim(first, one, force=False, lease=600) == (True, "new", 0, one)
    assert claim(second, two, force=False, lease=600) == (False, "sending", 0, one)
    assert claim(second, two, force=False, lease=0) == (True, "sending", 0, two)  # lease lapsed
    second.deliveries.record(**key, status="sent", sent=1, total=1, error=None)
    assert claim(first, one, force=False, lease=600) == (False, "sent", 1, None)
    assert claim(first, one, force=True, lease=600) == (True, "sent", 1, one)
    assert claim(second, two, force=True, lease=600) == (False, "sending", 1, one)
    first.close()
    second.close()


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.parametrize(
    ("holder", "taken"),
    [
        ("{host}:{dead}:{start}:0123456789ab", True),  # its process is gone: taken at once
        ("{host}:{dead}::0123456789ab", True),  # gone, start unknown
        ("{host}:{me}:1:0123456789ab", True),  # the pid now belongs to a later process
        ("{host}:{me}:{start}:0123456789ab", False),  # alive here
        ("elsewhere.example:{dead}:{start}:0123456789ab", False),  # another machine: its lease
    ],
)
def test_a_delivery_left_sending_by_a_dead_run_is_taken_over_at_once(
    tmp_path: Path, holder: str, taken: bool
) -> None:
    import os
    import socket

    from summarizer.store.database import Store
    from summarizer.store.holders import new_holder, process_start

    store = Store(tmp_path / "s.sqlite3")
    key = {"day": DAY, "channel": "email", "recipient": "a@example.org", "kind": "digest"}
    me = os.getpid()
    left = holder.format(
        host=socket.gethostname(), dead=_dead_pid(), me=me, start=process_start(me)
    )
    assert store.deliveries.claim(**key, force=False, lease=600, holder=left).taken
    claim = store.deliveries.claim(**key, force=False, lease=600, holder=new_holder())
    assert claim.taken is taken and claim.status == "sending"
    assert claim.holder != left if taken else claim.holder == left
    store.close()


def test_pacer_keeps_to_n_messages_a_period() -> None:
    from summarizer.deliver.chat import Pacer

    pacer = Pacer(2, period=0.4)  # DingTalk and WeCom: Pacer(20, period=60)
    started = time.monotonic()
    for _ in range(5):
        pacer.wait()
    # messages 3-4 wait for the first window to pass, message 5 for the second
    assert 0.75 <= time.monotonic() - started < 3


@pytest.mark.parametrize("platform", ["feishu", "wecom", "dingtalk", "slack"])
def test_each_platforms_own_rate_limit_answer_is_waited_out(
    hooks: ChatHooks, platform: str
) -> None:
    # Feishu 11232, WeCom 45009, DingTalk 130101 (all HTTP 200), Slack 429 + Retry-After.
    hooks.per_minute[platform] = 1
    hooks.window = 0.5
    channel = channels(hooks)[platform]
    channel.max_wait = 0.6  # the platforms name no wait (DingTalk's is a minute): cap it here
    size = {"feishu": 8000, "wecom": 2000, "dingtalk": 8000, "slack": 5000}[platform]  # 2 messages
    item = Item(id="2601.00001", title="T", authors=["A"], category="cs.SD", tldr="要" * size)
    delivery = channel.send(DayDigest(day=DAY, items=[item]), recipient="g")
    assert delivery.ok and delivery.total >= 2, delivery.error
    answers = [r for r in hooks.received[platform] if not r.accepted]
    assert answers, "the stand-in never said too many"
    assert len(hooks.accepted(platform)) == delivery.total


def test_webhook_tokens_are_redacted_but_path_words_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from summarizer.core.redaction import redact
    from summarizer.deliver.channels import protect_push_secrets
    from summarizer.run.settings import load_settings

    monkeypatch.setenv(
        "SUMMARIZER_SLACK_WEBHOOK",
        "https://hooks.slack.com/services/T01AB2CD3/B04EF5GH6/q7Rs8tUv9WxYz0aBcDeFgHiJ",
    )
    monkeypatch.setenv(
        "SUMMARIZER_DINGTALK_WEBHOOK",
        "https://oapi.dingtalk.com/robot/send?access_token=9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    )
    protect_push_secrets(load_settings().deliver)
    text = redact(
        "services open-apis T01AB2CD3 q7Rs8tUv9WxYz0aBcDeFgHiJ 9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    )
    assert text == "services open-apis *** *** ***"


def _plain(lines: list) -> str:
    return "\n".join("".join(span.text for span in line) for line in lines)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text(alphabet="ab中文<&*[] ", min_size=0, max_size=900), min_size=1, max_size=8),
    st.integers(min_value=120, max_value=1500),
)
def test_packing_keeps_every_character_in_order_within_the_limit(
    tldrs: list[str], limit: int
) -> None:
    from summarizer.deliver.chat import digest_lines, pack

    items = [
        Item(
            id=f"2601.{n:05d}", title=f"title {n}", authors=["A"], category="cs.SD", tldr=t or None
        )
        for n, t in enumerate(tldrs)
    ]
    digest = DayDigest(day=DAY, items=items)
    head, blocks = digest_lines(digest)
    more = (Span("（续）", own=True),)

    def fits(lines: list) -> bool:
        return len(_plain(lines)) <= limit

    messages = pack(head, blocks, fits=fits, more=more)
    assert all(fits(m) for m in messages)
    spans = [
        s.text
        for m in messages
        for i, line in enumerate(m)
        for s in line
        if not (i == 0 and line == more)
    ]
    expected = [s.text for line in head for s in line] + [
        s.text for b in blocks for line in b for s in line
    ]
    assert "".join(spans) == "".join(expected)
