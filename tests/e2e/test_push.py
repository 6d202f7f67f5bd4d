"""`digest --push` and `push` end to end: the real CLI, a real SMTP server (aiosmtpd) and HTTP
receivers that check each chat platform's signature, limits and markup as the platform does
(summarizer/standins/chat_hooks.py; FACTS.md "Delivery platforms")."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from summarizer_standins.chat_hooks import FEISHU_BODY_LIMIT, ChatHooks, telegram_text
from summarizer_standins.fixtures import Fixture
from summarizer_standins.smtp import Mail, SmtpStandin

from tests.support.cli import Run, Stage, add_fixture
from tests.support.files import day_rows

DAY = "2026-03-10"
DAY_ARGS = ("--date", DAY, "--categories", "cs.SD,eess.AS,eess.SP")
FEISHU_SECRET = "feishu-sign-SENTINEL-5a1f"
DINGTALK_SECRET = "SECdingtalk-SENTINEL-8c2e"
SMTP_PASSWORD = "smtp-pass-SENTINEL-93d7"
READERS = ("alice@example.org", "bob@example.org")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def html_text(markup: str) -> _Text:
    parser = _Text()
    parser.feed(markup)
    return parser


@pytest.fixture
def hooks() -> Iterator[ChatHooks]:
    with ChatHooks(feishu_secret=FEISHU_SECRET, dingtalk_secret=DINGTALK_SECRET) as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpStandin]:
    with SmtpStandin(user="digest-bot", password=SMTP_PASSWORD) as server:
        yield server


@pytest.fixture
def pushing(
    stage: Stage,
    second_day: Fixture,
    hooks: ChatHooks,
    smtp: SmtpStandin,
    monkeypatch: pytest.MonkeyPatch,
) -> Stage:
    """The held-out day 2026-03-10 on the stand-ins; e-mail to two readers, Feishu, Telegram."""
    add_fixture(stage, second_day)
    env = {**smtp.env(*READERS), **hooks.env()}
    for name in ("SUMMARIZER_FEISHU_WEBHOOK", "SUMMARIZER_FEISHU_SECRET"):
        monkeypatch.setenv(name, env[name])
    for name in env:
        if name.startswith(("SUMMARIZER_SMTP", "SUMMARIZER_MAIL", "SUMMARIZER_TELEGRAM")):
            monkeypatch.setenv(name, env[name])
    return stage


def feishu_text(body: dict) -> str:
    post = body["content"]["post"]["zh_cn"]
    return post["title"] + "\n" + "\n".join(n["text"] for line in post["content"] for n in line)


def test_digest_push_delivers_the_held_out_day_everywhere(
    pushing: Stage,
    hooks: ChatHooks,
    smtp: SmtpStandin,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    run = cli("digest", *DAY_ARGS, "--push")
    assert run.code == 0, run.err
    records = day_rows(pushing.out, DAY)
    assert len(records) == 5
    # E-mail: one per reader, text and HTML, date and count in the subject, every paper in both.
    assert sorted(m.recipients[0] for m in smtp.mails) == sorted(READERS)
    assert all(len(m.recipients) == 1 for m in smtp.mails) and smtp.logins
    for mail in smtp.mails:
        assert mail.message.get_content_type() == "multipart/alternative"
        assert DAY in mail.message["Subject"] and "5 篇" in mail.message["Subject"]
        text, page = mail.part("plain"), html_text(mail.part("html"))
        visible = "".join(page.parts)
        for record in records:
            assert record["id"] in text and record["brief"]["tldr"] in text
            assert record["id"] in visible and record["brief"]["tldr"] in visible
        assert not [t for t, _ in page.tags if t in {"script", "img", "link", "iframe"}]
    # Feishu: signed (the receiver checks), all accepted, none over the 20 KB body limit.
    feishu = hooks.received["feishu"]
    assert feishu and all(r.accepted for r in feishu), [r.answer for r in feishu]
    assert all(r.size <= FEISHU_BODY_LIMIT for r in feishu)
    feishu_all = "\n".join(feishu_text(r.body) for r in feishu)
    telegram = hooks.received["telegram"]
    assert telegram and all(r.accepted for r in telegram), [r.answer for r in telegram]
    telegram_all = "\n".join(telegram_text(r.body["text"])[0] for r in telegram)
    for record in records:
        for seen in (feishu_all, telegram_all):
            assert record["id"] in seen and record["brief"]["tldr"] in seen
    assert "pushed 2026-03-10 to email (alice@example.org)" in (run.out + run.err)
    rows = stored_deliveries(pushing.out)
    assert {(r[1], r[4]) for r in rows} == {
        ("email", "sent"),
        ("feishu", "sent"),
        ("telegram", "sent"),
    }
    assert len(rows) == 4


def stored_deliveries(out: Path) -> list[tuple]:
    with sqlite3.connect(out / "summarizer.sqlite3") as conn:
        return conn.execute("SELECT * FROM deliveries ORDER BY channel, recipient").fetchall()


def test_second_push_sends_nothing_and_force_sends_again(
    pushing: Stage,
    hooks: ChatHooks,
    smtp: SmtpStandin,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    assert cli("digest", *DAY_ARGS, "--push").code == 0
    counts = (len(smtp.mails), len(hooks.received["feishu"]), len(hooks.received["telegram"]))
    again = cli("digest", *DAY_ARGS, "--push")
    assert again.code == 0, again.err
    assert (
        len(smtp.mails),
        len(hooks.received["feishu"]),
        len(hooks.received["telegram"]),
    ) == counts
    assert "already pushed" in (again.out + again.err)
    plain = cli("push")  # the latest day written
    assert plain.code == 0 and len(smtp.mails) == counts[0] and DAY in (plain.out + plain.err)
    forced = cli("push", "--date", DAY, "--force", "--to", "email,telegram")
    assert forced.code == 0, forced.err
    assert len(smtp.mails) == 2 * counts[0]
    assert len(hooks.received["telegram"]) == 2 * counts[2]
    assert len(hooks.received["feishu"]) == counts[1]  # not named in --to


def test_smtp_refusing_exits_4_with_one_line_and_the_next_push_delivers(
    pushing: Stage,
    hooks: ChatHooks,
    smtp: SmtpStandin,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    smtp.refuse = "554 5.7.1 Message rejected by policy"
    run = cli("digest", *DAY_ARGS, "--push")
    assert run.code == 4, (run.out, run.err)
    assert (pushing.out / f"{DAY}.md").exists() and (pushing.out / "data" / f"{DAY}.jsonl").exists()
    lines = errors(run.err)  # the run table is on stderr too; one error line
    assert len(lines) == 1, run.err
    assert "email" in lines[0] and "554" in lines[0] and "Traceback" not in run.err
    assert smtp.mails == [] and hooks.accepted("feishu")  # the other channels got it
    smtp.refuse = None
    retry = cli("push", "--date", DAY)
    assert retry.code == 0, retry.err
    assert sorted(m.recipients[0] for m in smtp.mails) == sorted(READERS)
    assert len(hooks.received["feishu"]) == 1  # delivered already: not sent twice
    assert {r[4] for r in stored_deliveries(pushing.out)} == {"sent"}


def test_a_chat_platform_down_is_exit_4_and_retried(
    pushing: Stage,
    hooks: ChatHooks,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    hooks.refuse["telegram"] = 50  # every attempt of this run gets HTTP 500
    run = cli("digest", *DAY_ARGS, "--push")
    assert run.code == 4 and "telegram" in run.err and len(errors(run.err)) == 1
    hooks.refuse["telegram"] = 0
    assert cli("push", "--date", DAY).code == 0
    assert hooks.accepted("telegram")


def test_no_secret_in_any_output_file_message_or_stored_record(
    pushing: Stage,
    hooks: ChatHooks,
    smtp: SmtpStandin,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    for name, value in hooks.env().items():
        monkeypatch.setenv(name, value)
    smtp.refuse = "554 refused"
    hooks.refuse["slack"], hooks.refuse_status = 50, 403
    runs: list[Run] = [cli("digest", *DAY_ARGS, "--push", "-vv")]
    smtp.refuse, hooks.refuse["slack"] = None, 0
    runs.append(cli("push", "--date", DAY, "-vv"))
    assert [r.code for r in runs] == [4, 0]
    secrets = [
        FEISHU_SECRET,
        DINGTALK_SECRET,
        SMTP_PASSWORD,
        ChatHooks.FEISHU_TOKEN,
        ChatHooks.DINGTALK_TOKEN,
        ChatHooks.WECOM_KEY,
        ChatHooks.TELEGRAM_TOKEN,
        "slack-secret-path-77c1",
        "generic-token-3c9d",
    ]
    texts = [r.out + r.err for r in runs]
    texts += [
        p.read_bytes().decode("utf-8", "replace") for p in pushing.out.rglob("*") if p.is_file()
    ]
    with sqlite3.connect(pushing.out / "summarizer.sqlite3") as conn:
        texts += [repr(conn.execute("SELECT * FROM deliveries").fetchall())]
        texts += [repr(conn.execute("SELECT * FROM runs").fetchall())]
    texts += [json.dumps(r.body) for rs in hooks.received.values() for r in rs]
    texts += [m.message.as_string() for m in smtp.mails]
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert "554 refused" in runs[0].err and "slack" in runs[0].err
    assert all(hooks.accepted(p) for p in ("feishu", "dingtalk", "wecom", "slack", "telegram"))
    webhook = hooks.accepted("webhook")[0].body
    assert webhook["day"] == DAY and len(webhook["papers"]) == 5


HOSTILE_TITLE = (
    '<script>alert(1)</script> [click](javascript:alert(1)) <a href="javascript:alert(2)">x</a> '
    '*bold* _it_ `code` & &amp; <b>unclosed ~~s~~ | a | {{x}} <at user_id="all">所有人</at>'
)
HOSTILE_TLDR = (
    "本文提出一种方法 <script>alert(3)</script> 以及 [点我](javascript:alert(4)) "
    '<a href="javascript:alert(5)">链接</a> </b> & *强调* <!channel> @all 结果显著。'
)


def test_hostile_titles_and_summaries_arrive_as_text(
    pushing: Stage,
    second_day: Fixture,
    hooks: ChatHooks,
    smtp: SmtpStandin,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    for name, value in hooks.env().items():
        monkeypatch.setenv(name, value)
    base = second_day.records[0]
    hostile = base.paper.model_copy(update={"id": "2603.09999", "title": HOSTILE_TITLE})
    brief = {**(base.brief or {}), "tldr": HOSTILE_TLDR}
    pushing.arxiv.add(hostile)
    pushing.model.add_answer(HOSTILE_TITLE, brief, None)
    run = cli("digest", *DAY_ARGS, "--push")
    assert run.code == 0, run.err
    title = " ".join(HOSTILE_TITLE.split())
    for platform in ("feishu", "dingtalk", "wecom", "slack", "telegram", "webhook"):
        assert hooks.received[platform], platform
        assert all(r.accepted for r in hooks.received[platform]), hooks.received[platform]
    # Telegram: the title and TL;DR are the visible text; every link goes to arXiv.
    parsed = [telegram_text(r.body["text"]) for r in hooks.received["telegram"]]
    visible, links = [p[0] for p in parsed], [p[1] for p in parsed]
    assert title in "".join(visible) and HOSTILE_TLDR in "".join(visible)
    assert all(link.startswith("https://arxiv.org/") for group in links for link in group)
    # Feishu: text nodes hold the raw text; the only links are arXiv's.
    nodes = [
        n
        for r in hooks.received["feishu"]
        for line in r.body["content"]["post"]["zh_cn"]["content"]
        for n in line
    ]
    assert {n["tag"] for n in nodes} <= {"text", "a"}
    assert all(n["href"].startswith("https://arxiv.org/") for n in nodes if n["tag"] == "a")
    assert any(title in n["text"] for n in nodes)
    # Markdown platforms: no link, tag or mention can open from outside text.
    for platform, read in (
        ("dingtalk", lambda b: b["markdown"]["text"]),
        ("wecom", lambda b: b["markdown"]["content"]),
    ):
        for r in hooks.received[platform]:
            text = read(r.body)
            assert "<" not in text  # no HTML tag (WeCom's <font>, <a>, <script>) at all
            assert not re.search(r"(?<!\\)\]\((?!https://arxiv\.org/)", text), text
    # Slack: mrkdwn links and mentions are `<...>`; the only ones are ours, to arXiv.
    for r in hooks.received["slack"]:
        opened = re.findall(r"<([^>]*)>", r.body["text"])
        assert opened and all(o.startswith("https://arxiv.org/") for o in opened), opened
    # E-mail: escaped by the template engine; no script, no javascript: link.
    for mail in smtp.mails:
        html = mail.part("html")
        page = html_text(html)
        assert not [t for t, _ in page.tags if t == "script"]
        assert all(
            (attrs.get("href") or "").startswith("https://arxiv.org/")
            for tag, attrs in page.tags
            if tag == "a"
        )
        assert title in " ".join("".join(page.parts).split())
        assert HOSTILE_TLDR in mail.part("plain")


def test_a_stopped_run_alerts_every_channel_with_the_resume_command(
    pushing: Stage,
    hooks: ChatHooks,
    smtp: SmtpStandin,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    pushing.model.always("401")
    run = cli("digest", *DAY_ARGS, "--push")
    assert run.code == 3, run.err
    assert not (pushing.out / f"{DAY}.md").exists()
    resume = f"summarizer digest --date {DAY} --push"
    assert len(smtp.mails) == 2 and all(resume in m.part("plain") for m in smtp.mails)
    assert "401" in smtp.mails[0].part("plain") or "key" in smtp.mails[0].part("plain").lower()
    alerts = hooks.accepted("telegram")
    assert len(alerts) == 1 and resume in telegram_text(alerts[0].body["text"])[0]
    assert resume in feishu_text(hooks.accepted("feishu")[0].body)
    pushing.model.always(None)
    fixed = cli("digest", *DAY_ARGS, "--push")
    assert fixed.code == 0, fixed.err
    assert len(smtp.mails) == 4 and "5 篇" in smtp.mails[-1].message["Subject"]


def test_missing_papers_send_the_day_and_an_alert(
    pushing: Stage,
    hooks: ChatHooks,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    pushing.model.fail_first(["malformed"] * 3)  # every paper's three attempts fail
    run = cli("digest", *DAY_ARGS, "--push")
    assert run.code == 1, run.err
    texts = [telegram_text(r.body["text"])[0] for r in hooks.accepted("telegram")]
    assert len(texts) == 2 and "总结暂缺" in texts[0]
    assert "未能生成" in texts[1] and f"summarizer digest --date {DAY} --push" in texts[1]


def test_an_empty_day_sends_nothing_unless_asked(
    pushing: Stage,
    hooks: ChatHooks,
    smtp: SmtpStandin,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    empty_day = ("--date", "2026-03-05", "--categories", "cs.SD")  # a Thursday with no paper here
    run = cli("digest", *empty_day, "--push")
    assert run.code == 0, run.err
    assert smtp.mails == [] and not hooks.received["telegram"]
    weekend = cli("digest", "--date", "2026-03-07", "--push")
    assert weekend.code == 0 and smtp.mails == []
    monkeypatch.setenv("SUMMARIZER_PUSH_EMPTY", "true")
    noted = cli("digest", *empty_day, "--push")
    assert noted.code == 0, noted.err
    assert len(smtp.mails) == 2 and "无新论文" in smtp.mails[0].message["Subject"]
    (note,) = hooks.accepted("telegram")
    assert len(telegram_text(note.body["text"])[0].splitlines()) <= 2


def test_a_channel_named_but_not_configured_is_exit_2_before_any_work(
    pushing: Stage,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SUMMARIZER_PUSH", "email,slack")
    run = cli("digest", *DAY_ARGS, "--push")
    assert run.code == 2 and "SUMMARIZER_SLACK_WEBHOOK" in run.err
    assert pushing.model.requests == 0 and not (pushing.out / f"{DAY}.md").exists()
    assert cli("push", "--date", DAY, "--to", "pigeon").code == 2
    monkeypatch.delenv("SUMMARIZER_PUSH")
    missing = cli("push", "--date", "2026-03-11")
    assert missing.code == 2 and "summarizer digest --date 2026-03-11" in missing.err


def test_mail_refused_at_login_names_the_reason_not_the_password(
    pushing: Stage,
    smtp: SmtpStandin,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SUMMARIZER_SMTP_PASSWORD", "wrong-" + SMTP_PASSWORD)
    run = cli("digest", *DAY_ARGS, "--push")
    assert run.code == 4 and "535" in run.err and SMTP_PASSWORD not in run.err
    assert len(errors(run.err)) == 1


def mails_for(smtp: SmtpStandin, reader: str) -> list[Mail]:
    return [m for m in smtp.mails if m.recipients == [reader]]


def test_backfill_push_sends_each_day_with_papers_once(
    stage: Stage,
    hooks: ChatHooks,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    for name in (
        "SUMMARIZER_TELEGRAM_TOKEN",
        "SUMMARIZER_TELEGRAM_CHAT",
        "SUMMARIZER_TELEGRAM_API",
    ):
        monkeypatch.setenv(name, hooks.env()[name])
    run = cli("backfill", "--from", "2026-01-06", "--to", "2026-01-08", "--push")
    assert run.code == 0, run.err
    texts = [telegram_text(r.body["text"])[0] for r in hooks.accepted("telegram")]
    assert texts and all("2026-01-07" in t for t in texts)  # the other days hold no paper here
    assert "27 篇" in texts[0]
    sent = len(texts)
    again = cli("backfill", "--from", "2026-01-06", "--to", "2026-01-08", "--push")
    assert again.code == 0 and len(hooks.received["telegram"]) == sent


def test_push_with_no_channel_configured_says_what_to_set(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("digest", "--date", "2026-01-07").code == 0
    run = cli("push", "--date", "2026-01-07")
    assert run.code == 2 and "SUMMARIZER_SMTP_HOST" in run.err
    assert len(run.err.strip().splitlines()) == 1


def test_a_malformed_mail_address_is_exit_2(
    pushing: Stage,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SUMMARIZER_MAIL_TO", "alice@example.org,bob at example")
    run = cli("digest", *DAY_ARGS, "--push")
    assert run.code == 2 and "SUMMARIZER_MAIL_TO" in run.err and "bob at example" in run.err
    assert pushing.model.requests == 0


CERTIFICATE = (
    Path(__file__).parents[1] / "fixtures" / "smtp-test-cert.pem",  # self-signed for 127.0.0.1,
    Path(__file__).parents[1] / "fixtures" / "smtp-test-key.pem",  # test only, valid until 2126
)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_over_starttls_and_ssl_with_login(
    stage: Stage,
    second_day: Fixture,
    security: str,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    add_fixture(stage, second_day)
    monkeypatch.setenv("SSL_CERT_FILE", str(CERTIFICATE[0]))  # trust the stand-in's certificate
    smtp = SmtpStandin(
        user="bot", password=SMTP_PASSWORD, security=security, certificate=CERTIFICATE
    )
    with smtp:
        for name, value in smtp.env("alice@example.org").items():
            monkeypatch.setenv(name, value)
        run = cli("digest", *DAY_ARGS, "--push")
    assert run.code == 0, run.err
    assert smtp.logins == ["bot"] and len(smtp.mails) == 1


def test_a_jekyll_day_pushes_the_translation(
    stage: Stage,
    jekyll_sample: Fixture,
    hooks: ChatHooks,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    add_fixture(stage, jekyll_sample)
    for name in (
        "SUMMARIZER_TELEGRAM_TOKEN",
        "SUMMARIZER_TELEGRAM_CHAT",
        "SUMMARIZER_TELEGRAM_API",
    ):
        monkeypatch.setenv(name, hooks.env()[name])
    args = ("--window", "anchored", "--categories", "cs.SD,eess.AS", "--format", "jekyll")
    run = cli("digest", "--date", "2025-11-19", *args, "--push")
    assert run.code == 0, run.err
    text = "\n".join(telegram_text(r.body["text"])[0] for r in hooks.accepted("telegram"))
    for record in jekyll_sample.records:
        assert (record.detailed or {})["translation"] in text
    assert "总结暂缺" not in text and text.count("译文：") == len(jekyll_sample.records)


def test_with_ranking_the_recommended_papers_lead_every_push(
    stage: Stage,
    hooks: ChatHooks,
    smtp: SmtpStandin,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SUMMARIZER_KEYWORDS", "deepfake,spatial,LoRa")
    monkeypatch.setenv("SUMMARIZER_AUTHORS", "Yuankun Xie")
    for name, value in {**smtp.env("alice@example.org"), **hooks.env()}.items():
        if name.startswith(("SUMMARIZER_SMTP", "SUMMARIZER_MAIL", "SUMMARIZER_TELEGRAM")):
            monkeypatch.setenv(name, value)
    run = cli("digest", "--date", "2026-01-07", "--push")
    assert run.code == 0, run.err
    toc = (stage.out / "2026-01-07.md").read_text("utf-8")
    section = toc.split("# Table of Contents")[0]
    picks = re.findall(r"\]\(#([0-9.]+)\) \(score", section)  # the digest's recommended section
    assert picks and f"[Total: {len(picks)}]" in section
    (mail,) = smtp.mails
    assert f"推荐 {len(picks)} 篇" in mail.message["Subject"] and "27 篇" in mail.message["Subject"]
    text = mail.part("plain")
    order = [text.index(f"arXiv:{pid}") for pid in picks]
    assert order == sorted(order)  # best first, as in the digest
    rest = [r["id"] for r in day_rows(stage.out, "2026-01-07") if r["id"] not in picks]
    assert max(order) < min(text.index(f"arXiv:{pid}") for pid in rest)
    assert "关键词：deepfake" in text and "今日推荐" in mail.part("html")  # reasons in Chinese
    first = telegram_text(hooks.accepted("telegram")[0].body["text"])[0]
    assert first.index(f"arXiv:{picks[0]}") < first.index("[2]") and "★" in first


def test_batch_runs_push_once_written_and_say_so_when_not_yet(
    pushing: Stage,
    smtp: SmtpStandin,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SUMMARIZER_BATCH_POLL", "0.1")
    pending = cli("digest", *DAY_ARGS, "--batch", "--no-wait", "--push")
    assert pending.code == 0, pending.err
    assert smtp.mails == [] and "not written yet" in (pending.out + pending.err)
    done = cli("digest", *DAY_ARGS, "--batch", "--push")
    assert done.code == 0, done.err
    assert sorted(m.recipients[0] for m in smtp.mails) == sorted(READERS)


def errors(err: str) -> list[str]:
    """The error lines of stderr (which also holds the run table and progress messages)."""
    return [line for line in err.splitlines() if line.startswith("summarizer: error")]
