"""What a push counts as delivered, and days that hold any text (issue #24), end to end: the real
CLI against the chat platform receivers (summarizer_standins.chat_hooks).

- A message is delivered only when the platform says so: a 200 with `{}` (a proxy, a captive
  portal, a wrong URL) is not Feishu's `code: 0`, nor Slack's `ok`. A generic webhook is the
  reader's own receiver: any 2xx whose body does not say otherwise (see deliver/webhook.py).
- A U+2028 in an abstract or a model answer is one more character: the day is pushed whole and
  the site shows the paper.
- A day whose JSON lines cannot be read whole still alerts every channel, naming the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from summarizer_standins.chat_hooks import ChatHooks, telegram_text
from summarizer_standins.fixtures import Fixture

from tests.support.build import synthetic_entries, write_day
from tests.support.cli import Stage, add_fixture

DAY = "2026-03-10"
CHATS = ("feishu", "dingtalk", "wecom", "slack", "telegram", "webhook")


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatHooks]:
    with ChatHooks() as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        yield server


@pytest.fixture
def written(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = isolated / "out"
    day = date.fromisoformat(DAY)
    write_day(out, day, synthetic_entries(day, 3))
    monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(out))
    return out


def errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("summarizer: error")]


EMPTY_JSON = (200, b"{}", "application/json")
PORTAL = (200, b"<!DOCTYPE html><html><body><form>Sign in to the Wi-Fi</form></body></html>",
          "text/html")  # fmt: skip


@pytest.mark.usefixtures("written")
@pytest.mark.parametrize(
    ("impostor", "webhook_delivered"),
    [
        (EMPTY_JSON, True),  # JSON that reports no failure: the reader's receiver took it
        (PORTAL, False),
        ((200, b'{"ok": false, "error": "quota"}', "application/json"), False),
        ((204, b"", "text/plain"), True),
    ],
)
def test_only_the_platforms_own_yes_counts_as_delivered(
    hooks: ChatHooks,
    impostor: tuple[int, bytes, str],
    webhook_delivered: bool,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    for platform in CHATS:
        hooks.impostor[platform] = impostor
    run = cli("push", "--date", DAY)
    assert run.code == 4, run.err
    (line,) = errors(run.err)
    for platform in CHATS[:-1]:  # the platforms each have their own yes, and this is not it
        assert f"{platform} (" in line, platform
    assert (" webhook (" not in line) is webhook_delivered, line
    assert ("pushed 2026-03-10 to webhook" in run.err) is webhook_delivered
    assert {p: len(hooks.received[p]) for p in CHATS} == dict.fromkeys(CHATS, 1)  # no retry
    hooks.impostor.clear()
    again = cli("push", "--date", DAY)
    assert again.code == 0, again.err
    for platform in CHATS:
        assert hooks.accepted(platform) or (platform == "webhook" and webhook_delivered)


def test_a_line_separator_in_an_abstract_and_an_answer_pushes_the_day_whole(
    stage: Stage,
    second_day: Fixture,
    hooks: ChatHooks,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    add_fixture(stage, second_day)
    base = second_day.records[0]
    paper = base.paper.model_copy(
        update={
            "id": "2603.09998",
            "title": "A title\u2028across lines",
            "abstract": "First part.\u2028Second part.\u2029Third part.",
        }
    )
    brief = {**(base.brief or {}), "tldr": "本文提出\u2028一种方法\u2029效果显著。"}
    stage.arxiv.add(paper)
    stage.model.add_answer(paper.title, brief, None)
    args = ("--date", DAY, "--categories", "cs.SD,eess.AS,eess.SP")
    run = cli("digest", *args, "--push", "--site")
    assert run.code == 0, run.err
    text = (stage.out / "data" / f"{DAY}.jsonl").read_text("utf-8")
    records = [json.loads(line) for line in text.splitlines()]  # any reader's way of splitting
    assert len(records) == text.count("\n") and "\u2028" not in text  # escaped: `\\u2028`
    (ours,) = [r for r in records if r["id"] == "2603.09998"]
    assert ours["abstract"] == paper.abstract and ours["brief"]["tldr"] == brief["tldr"]
    for platform in CHATS:
        assert hooks.accepted(platform) and all(r.accepted for r in hooks.received[platform])
    pushed = "".join(telegram_text(r.body["text"])[0] for r in hooks.accepted("telegram"))
    assert "arXiv:2603.09998" in pushed and "一种方法" in pushed
    page = (stage.out / "site" / "days" / f"{DAY}.html").read_text("utf-8")
    assert "2603.09998" in page and "Third part." in page


@pytest.mark.usefixtures("hooks")
def test_a_day_that_cannot_be_read_whole_alerts_every_channel_naming_the_line(
    written: Path,
    hooks: ChatHooks,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    path = written / "data" / f"{DAY}.jsonl"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    path.write_text(lines[0] + lines[1][: len(lines[1]) // 2] + "\n" + lines[2], "utf-8")
    run = cli("push", "--date", DAY)
    assert run.code == 4, run.err
    (line,) = errors(run.err)
    assert f"data/{DAY}.jsonl line 2 cannot be read: not JSON" in line
    assert "the channels were alerted" in line and f"summarizer digest --date {DAY} --push" in line
    for platform in CHATS:
        (alert,) = hooks.accepted(platform)
    said = telegram_text(hooks.accepted("telegram")[0].body["text"])[0]
    assert "第 2 行" in said and f"summarizer digest --date {DAY} --push" in said
    assert hooks.accepted("webhook")[0].body["kind"] == "alert"
