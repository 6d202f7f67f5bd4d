"""Settings and messages at their edges (issue #10): blank means unset for every setting, .env that
is not UTF-8, infinities, dates arXiv never had, absurd ids, and secrets in URLs and short keys."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from summarizer.core import redaction
from summarizer.run.settings import every_setting, load_settings
from tests.support.cli import Stage, assert_one_line_exit_2
from tests.support.files import GOLDEN

DAY = "2026-01-07"
ALIASES = sorted(info.env for info in every_setting())


def test_every_setting_left_blank_in_dotenv_means_unset(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A copied .env.example with every line left empty (and some with spaces) runs like no .env
    at all; the stage's own environment still points at the stand-ins."""
    kept = {"OPENAI_API_KEY", "OPENAI_BASE_URL", "ARXIV_API_URL", "SUMMARIZER_OUTPUT_DIR"}
    lines = [
        f"{name}={'   ' if i % 2 else ''}" for i, name in enumerate(ALIASES) if name not in kept
    ]
    assert len(lines) > 40, "every setting, the reader settings' mixins too"
    (isolated / ".env").write_text("\n".join(lines) + "\n")
    for name in ALIASES:
        if name not in kept:
            monkeypatch.delenv(name, raising=False)
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert (stage.out / f"{DAY}.md").read_bytes() == (GOLDEN / f"toc-{DAY}.md").read_bytes()


@pytest.mark.parametrize(
    "name",
    [
        "SUMMARIZER_CONCURRENCY",
        "SUMMARIZER_REQUEST_TIMEOUT",
        "SUMMARIZER_MODEL",
        "SUMMARIZER_TOP",
        "SUMMARIZER_BATCH_POLL",
        "SUMMARIZER_SMTP_PORT",
    ],
)
def test_a_blank_value_takes_the_default(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, " ")
    blank = load_settings()
    monkeypatch.delenv(name)
    assert blank == load_settings()


def test_a_dotenv_that_is_not_utf8_is_one_line(stage: Stage, cli, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    (isolated / ".env").write_bytes(b"SUMMARIZER_CATEGORIES=cs.SD\nSUMMARIZER_MODEL=gpt\xff\xfe\n")
    assert_one_line_exit_2(cli("digest", "--date", DAY), ".env", "UTF-8")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0001-01-01", ["before arXiv existed", "1991-08-14"]),
        ("1990-01-01", ["before arXiv existed"]),
        ("1991-08-13", ["before arXiv existed"]),
        ("9999-12-31", ["too far in the future"]),
    ],
)
def test_dates_arxiv_never_had_are_refused(stage: Stage, cli, text: str, words: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert_one_line_exit_2(cli("digest", "--date", text), *words)
    assert_one_line_exit_2(
        cli("backfill", "--from", text, "--to", "2026-01-07", "--dry-run"), *words
    )
    assert not stage.out.exists() and stage.arxiv.requests == 0


@pytest.mark.parametrize(
    "args",
    [
        ("paper", "9" * 100_000),
        ("digest", "--date", "2" * 100_000),
        ("digest", "--date", DAY, "--categories", "cs.S" + "D" * 99_996),
    ],
    ids=["id", "date", "category"],
)
def test_a_huge_value_is_shortened_in_its_error_line(
    stage: Stage, cli, args: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    run = cli(*args)
    assert_one_line_exit_2(run, "100,0")
    assert len(run.err) < 400


def test_backfill_dry_run_over_decades_is_fast_and_short(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    run = cli("backfill", "--from", "1991-08-14", "--to", "2099-12-31", "--dry-run")
    elapsed = time.monotonic() - started
    assert run.code == 0, run.err
    assert elapsed < 60, elapsed
    lines = run.out.splitlines() + run.err.splitlines()
    assert len(lines) < 400, len(lines)  # one row per year, not one line per weekend
    assert stage.model.requests == 0
    assert stage.arxiv.requests < 400, "a query per month of days, not per day"


# --- secrets ------------------------------------------------------------------------------------


def test_url_userinfo_is_redacted_in_the_settings_error(
    stage: Stage, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_BASE_URL", "http://proxyuser:hunter2pass@proxy example/v1")
    run = cli("digest", "--date", DAY)
    assert_one_line_exit_2(run, "OPENAI_BASE_URL")
    assert "hunter2pass" not in run.err and "proxyuser" not in run.err


def test_url_userinfo_is_redacted_everywhere() -> None:
    text = "failed: http://user:pa55w0rd@proxy.local:3128/v1 and https://tok3n@h.example/x"
    out = redaction.redact(text)
    assert "pa55w0rd" not in out and "tok3n" not in out and "user" not in out
    assert "proxy.local:3128/v1" in out and "h.example/x" in out


@pytest.mark.parametrize("key", ["ollama", "token", "EMPTY", "none", "password"])
def test_a_placeholder_key_does_not_garble_messages(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redaction, "_secrets", [])
    redaction.protect_secret(SecretStr(key))
    message = f"the {key} endpoint at http://localhost:11434 said: token limit; ollama serve"
    assert redaction.redact(message) == message


def test_a_real_key_is_masked_also_where_it_is_glued_to_other_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redaction, "_secrets", [])
    redaction.protect_secret(SecretStr("k3y-9f8e7d6c"))
    out = redaction.redact("key=k3y-9f8e7d6c; Authorization: k3y-9f8e7d6c, /botk3y-9f8e7d6c/send")
    assert out == "key=***; Authorization: ***, /bot***/send"
