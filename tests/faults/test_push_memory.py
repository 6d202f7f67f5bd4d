"""Peak memory whatever a server sends (issue #24): the real command in a child process against a
server whose answer never ends, its own peak resident size read from the kernel
(tests/support/memory). Before the size caps, such an answer grew the process by gigabytes in
seconds; the child runs under an address-space limit so that a regression fails the test with a
MemoryError instead of taking the machine down."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from summarizer_standins.hostile import EndlessBody, HostileSmtp

from tests.support.build import synthetic_entries, write_day
from tests.support.cli import clean_environ
from tests.support.memory import run_measured

pytestmark = pytest.mark.faults
DAY = "2026-03-10"


def child_env(out: Path, extra: dict[str, str]) -> dict[str, str]:
    return {**clean_environ(), "SUMMARIZER_OUTPUT_DIR": str(out), **extra}


@pytest.mark.parametrize("channel", ["webhook", "telegram"])
def test_an_endless_push_answer_stays_under_500_mb(isolated: Path, channel: str) -> None:
    day = date.fromisoformat(DAY)
    write_day(isolated / "out", day, synthetic_entries(day, 3))
    with EndlessBody() as endless:
        hook = {
            "webhook": {"SUMMARIZER_WEBHOOK_URL": f"{endless.base}/hooks/h-0123456789"},
            "telegram": {
                "SUMMARIZER_TELEGRAM_TOKEN": "123456:token-0123456789",
                "SUMMARIZER_TELEGRAM_CHAT": "-100123",
                "SUMMARIZER_TELEGRAM_API": endless.base,
            },
        }[channel]
        child = run_measured(
            ["push", "--date", DAY], env=child_env(isolated / "out", hook), cwd=isolated
        )
    assert child.code == 4, child.err
    assert "the answer is larger than" in child.err and "MemoryError" not in child.err
    assert child.within_limit, child.peak_mib


def test_an_endless_smtp_greeting_stays_under_500_mb(isolated: Path) -> None:
    day = date.fromisoformat(DAY)
    write_day(isolated / "out", day, synthetic_entries(day, 3))
    with HostileSmtp("endless") as smtp:
        env = child_env(isolated / "out", smtp.env("alice@example.org"))
        child = run_measured(["push", "--date", DAY], env=env, cwd=isolated)
    assert child.code == 4 and "Line too long" in child.err, child.err
    assert child.within_limit, child.peak_mib


def test_an_endless_arxiv_answer_stays_under_500_mb(isolated: Path) -> None:
    atom = b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
    with EndlessBody(
        head=atom, filler=b"<!-- " + b"x" * 65536 + b" -->", content_type="application/atom+xml"
    ) as endless:
        env = child_env(
            isolated / "out",
            {
                "ARXIV_API_URL": f"{endless.base}/api/query",
                "OPENAI_API_KEY": "sk-test-0123456789abcdef",
                "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",  # never reached
            },
        )
        child = run_measured(["digest", "--date", "2026-01-07"], env=env, cwd=isolated)
    assert child.code == 3, child.err
    assert "an answer larger than" in child.err and "nothing was written" in child.err
    assert child.within_limit, child.peak_mib
