"""Pushes against hostile servers (issue #24), the real CLI in-process against local servers that
behave as described: a proxy quoting the request (with its token) back in its errors, a body that
never ends, an answer that trickles in a byte at a time, an SMTP server that never finishes a
reply. No secret, in any encoding, reaches an output, a file or the store; every push gives up
within its deadline (`deliver.http.DEADLINE`, `deliver.mail.DEADLINE`, shortened here)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from summarizer_standins.hostile import (
    QUOTING_MODES,
    EndlessBody,
    HostileSmtp,
    QuotingProxy,
    Trickle,
    http_answer,
)

from summarizer.deliver import http, mail
from tests.support.build import synthetic_entries, write_day
from tests.support.cli import Run, Stage, add_fixture
from tests.support.redaction import every_form

pytestmark = pytest.mark.faults
DAY = "2026-03-10"
TOKEN = "123456:telegram-bot-token-AAE4x"  # glued to `bot` in every Bot API path
HOOK_PART = "generic%20token-%C3%A9t%41-7f3c9"  # a webhook path part written URL-encoded
SLACK_PART = "sécret-tökén-4242"  # non-ASCII as pasted: sent percent-encoded
FEISHU_TOKEN = "feishu-hook-token-0b7e9c"
DINGTALK_TOKEN = "dingtalk-access-token-51d2a8"
WECOM_KEY = "wecom-key-9f3e21c7"
FEISHU_SECRET = "feishu-sign-SENTINEL-5a1f"
SECRETS = [TOKEN, HOOK_PART, SLACK_PART, FEISHU_TOKEN, DINGTALK_TOKEN, WECOM_KEY, FEISHU_SECRET]
CHATS = ("feishu", "dingtalk", "wecom", "slack", "telegram", "webhook")


def chat_env(base: str) -> dict[str, str]:
    """Every chat channel configured, every one reaching `base`."""
    return {
        "SUMMARIZER_FEISHU_WEBHOOK": f"{base}/open-apis/bot/v2/hook/{FEISHU_TOKEN}",
        "SUMMARIZER_FEISHU_SECRET": FEISHU_SECRET,
        "SUMMARIZER_DINGTALK_WEBHOOK": f"{base}/robot/send?access_token={DINGTALK_TOKEN}",
        "SUMMARIZER_WECOM_WEBHOOK": f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}",
        "SUMMARIZER_SLACK_WEBHOOK": f"{base}/services/T0STANDIN/B0STANDIN/{SLACK_PART}",
        "SUMMARIZER_TELEGRAM_TOKEN": TOKEN,
        "SUMMARIZER_TELEGRAM_CHAT": "-1001234567890",
        "SUMMARIZER_TELEGRAM_API": base,
        "SUMMARIZER_WEBHOOK_URL": f"{base}/hooks/{HOOK_PART}",
    }


def set_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("summarizer: error")]


def store_texts(path: Path) -> list[str]:
    """Every value of every column of every table of the store, as text."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [
            str(cell) for t in tables for row in conn.execute(f"SELECT * FROM {t}") for cell in row
        ]


@pytest.fixture
def proxy() -> Iterator[QuotingProxy]:
    with QuotingProxy() as server:
        yield server


def test_a_quoting_proxy_never_gets_a_secret_into_any_output_file_or_store_row(
    stage: Stage,
    second_day,  # type: ignore[no-untyped-def]
    proxy: QuotingProxy,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    add_fixture(stage, second_day)
    set_env(monkeypatch, chat_env(proxy.base))
    runs: list[Run] = []
    for mode in QUOTING_MODES:
        proxy.mode = mode
        if not runs:  # the first: a whole digest run, so the store holds its run record too
            runs.append(cli("digest", "--date", DAY, "--categories", "cs.SD,eess.AS,eess.SP",
                            "--push", "-vv"))  # fmt: skip
        else:
            runs.append(cli("push", "--date", DAY, "--force", "-vv"))
    assert [r.code for r in runs] == [4] * len(QUOTING_MODES), [r.err for r in runs]
    quoted = "".join(path + body.decode() for path, body in proxy.seen)
    assert TOKEN in quoted and HOOK_PART in quoted, "the proxy did see the secrets"
    express, decoded, as_json, echo = (r.err for r in runs)
    assert "Cannot POST /bot***/sendMessage" in express  # what the proxy said, secret masked
    assert "no route for POST /hooks/***" in decoded
    assert "Bad Request: POST /bot***/sendMessage" in as_json
    assert "telegram" in echo and "HTTP 500" in echo
    texts = [r.out + r.err for r in runs]
    texts += [
        p.read_bytes().decode("utf-8", "replace") for p in stage.out.rglob("*") if p.is_file()
    ]
    texts += store_texts(stage.out / "summarizer.sqlite3")
    leaks = [
        (form, text[max(0, text.find(form) - 40) : text.find(form) + 40])
        for secret in SECRETS
        for form in every_form(secret)
        for text in texts
        if form in text
    ]
    assert not leaks, leaks[:5]


def day_with_papers(stage_out: Path) -> None:
    day = date.fromisoformat(DAY)
    write_day(stage_out, day, synthetic_entries(day, 3))


@pytest.fixture
def written(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A written day (no arXiv, no model: a push reads only `{out}/data/{D}.jsonl`)."""
    out = isolated / "out"
    day_with_papers(out)
    monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(out))
    return out


@pytest.mark.usefixtures("written")
def test_an_endless_answer_is_read_up_to_the_cap_and_not_counted_as_delivered(
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    with EndlessBody() as endless:
        set_env(monkeypatch, chat_env(endless.base))
        run = cli("push", "--date", DAY)
    assert run.code == 4, run.err
    (line,) = errors(run.err)
    for channel in CHATS:
        assert f"{channel} (" in line
    assert line.count(f"the answer is larger than {http.MAX_ANSWER:,} bytes") == len(CHATS)
    assert endless.requests == len(CHATS), "a runaway answer is not asked for again"


@pytest.mark.usefixtures("written")
def test_a_trickling_answer_is_given_up_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """Each byte comes well within the read timeout (30 s); the whole answer would take ~20 s
    and say delivered. The deadline (0.5 s here) ends each request: the server sees the client
    hang up before it is done, for every channel."""
    monkeypatch.setattr(http, "DEADLINE", 0.5)
    answer = http_answer("200 OK", b'{"ok": true, "code": 0, "errcode": 0}')
    with Trickle(answer, interval=0.2) as trickle:
        set_env(monkeypatch, chat_env(trickle.base))
        run = cli("push", "--date", DAY)
        assert run.code == 4, run.err
        (line,) = errors(run.err)
        assert line.count("no complete answer within 0.5 s") == len(CHATS), line
        assert trickle.requests == len(CHATS)
        assert wait_for(lambda: trickle.hang_ups == len(CHATS))
        assert not trickle.finished.is_set()


def wait_for(condition, seconds: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    """Poll `condition` until it holds or `seconds` pass (a bound, not a timing claim)."""
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.usefixtures("written")
@pytest.mark.parametrize("mode", ["greeting", "data", "cut", "endless"])
def test_an_smtp_server_that_never_finishes_is_given_up(
    mode: str,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """A byte every 0.2 s keeps every read within its timeout; the session's deadline (1 s
    here) ends it, before the greeting is over or while the reply to DATA trickles; a reply cut
    after "250" (which smtplib alone would read as a whole 250) is no reply. A greeting with no
    end is cut by smtplib's own line limit."""
    monkeypatch.setattr(mail, "DEADLINE", 1.0)
    with HostileSmtp(mode, interval=0.2) as smtp:
        set_env(monkeypatch, smtp.env("alice@example.org"))
        run = cli("push", "--date", DAY)
        assert run.code == 4, run.err
        (line,) = errors(run.err)
        assert "email (alice@example.org)" in line
        if mode == "endless":
            assert "SMTP 500 Line too long" in line
        else:
            assert "no complete session within 1 s; not counted as delivered" in line
            assert wait_for(smtp.hung_up.is_set)
        assert smtp.got_data.is_set() is (mode in ("data", "cut"))
