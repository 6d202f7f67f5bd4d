"""A control character in any setting (issue "Hardening", item 8) is bad input: one line naming
the setting and where it was read, exit 2, never quoting the value, and never the `InvalidURL`
traceback (exit 1) that a newline or DEL in a token or webhook URL used to end in."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Stage, assert_one_line_exit_2

DAY = "2026-01-07"
# (setting, where it is put, its value, the kind of value it is)
CASES = [
    ("SUMMARIZER_TELEGRAM_TOKEN", "env", "123456789:AAHsecret-token-SENTINEL\n", "secret"),
    ("SUMMARIZER_SLACK_WEBHOOK", "dotenv", "https://hooks.slack.com/T0/B0/SENTINEL\x7f", "url"),
    ("OPENAI_API_KEY", "env", "sk-test-SENTINEL-0123456789\r", "key"),
    ("ARXIV_WEB_URL", "toml", "https://arxiv.org\\u0000", "url"),
    ("SUMMARIZER_CATEGORIES", "flag", "cs.SD\x1b", "list"),
    ("SUMMARIZER_KEYWORDS", "toml", "speech\\u0085enhancement", "list"),
    ("SUMMARIZER_PROFILE", "env", "papers\t.bib", "path"),
    ("SUMMARIZER_PUSH_EMPTY", "dotenv", "on\x0b", "on/off"),
    ("SUMMARIZER_MODEL", "env", "gpt-4o\x08", "text"),
    ("SUMMARIZER_TELEGRAM_CHAT", "toml", "-100\\u009b42", "text"),
]
WHERE = {
    "env": "(from the environment)",
    "dotenv": "(from .env)",
    "toml": "(from summarizer.toml)",
    "flag": "--categories",
}


def place(
    name: str, where: str, value: str, directory: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, ...]:
    """Put the setting where the case says; the flags to pass."""
    if where == "env":
        monkeypatch.setenv(name, value)
    elif where == "dotenv":
        (directory / ".env").write_text(f'{name}="{value}"\n', encoding="utf-8")
    elif where == "toml":
        key = name.lower().removeprefix("summarizer_")
        (directory / "summarizer.toml").write_text(f'{key} = "{value}"\n', encoding="utf-8")
    else:
        return ("--categories", value)
    return ()


@pytest.mark.parametrize(("name", "where", "value", "kind"), CASES, ids=[c[3] for c in CASES])
def test_a_control_character_in_any_setting_is_one_line_exit_2(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    where: str,
    value: str,
    kind: str,
) -> None:
    flags = place(name, where, value, isolated, monkeypatch)
    run = cli("digest", "--date", DAY, *flags)
    shown = name if where != "flag" else "--categories"
    assert_one_line_exit_2(run, shown, WHERE[where], "control character")
    assert "SENTINEL" not in run.err and "InvalidURL" not in run.err
    assert stage.model.requests == 0 and stage.arxiv.requests == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SUMMARIZER_TELEGRAM_TOKEN", "123456789:AAHsecret-token-SENTINEL\n"),
        ("SUMMARIZER_WEBHOOK_URL", "https://example.org/hook/SENTINEL-42\x7f"),
        ("SUMMARIZER_FEISHU_WEBHOOK", "https://open.feishu.cn/open-apis/bot/v2/hook/SENTINEL\r"),
    ],
)
def test_a_control_character_in_a_push_setting_stops_push_before_any_request(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
) -> None:
    assert cli("digest", "--date", DAY).code == 0
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("SUMMARIZER_TELEGRAM_CHAT", "42")
    run = cli("push", "--date", DAY)
    assert_one_line_exit_2(run, name, "control character")
    assert "SENTINEL" not in run.err and "Traceback" not in run.err
