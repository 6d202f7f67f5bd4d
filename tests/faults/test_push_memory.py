"""Peak memory whatever a server sends (issue #24): the real command in a child process against a
server whose answer never ends, its peak resident size read from the kernel (`os.wait4`'s
rusage of that one child). Before the size caps, such an answer grew the process by gigabytes
in seconds; the child runs under an address-space limit so that a regression fails the test with
a MemoryError instead of taking the machine down."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from summarizer_standins.hostile import EndlessBody, HostileSmtp

from tests.support.build import synthetic_entries, write_day
from tests.support.cli import clean_environ

pytestmark = pytest.mark.faults
DAY = "2026-03-10"
PEAK_LIMIT = 500 * 1024 * 1024  # bytes
ADDRESS_SPACE = 3 << 30  # the child's safety net: a runaway body ends in MemoryError
CHILD_TIMEOUT = 120.0  # only a regression comes near it


def run_child(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, int]:
    """`summarizer ARGS` in a child: its exit status, stderr and peak resident bytes."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    err_path = cwd / "child-stderr.txt"
    with err_path.open("wb") as err:
        child = subprocess.Popen(
            [sys.executable, "-m", "summarizer", *args],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=limit,  # noqa: PLW1509 - no threads are started between fork and exec
        )
        killer = threading.Timer(CHILD_TIMEOUT, os.kill, (child.pid, signal.SIGKILL))
        killer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            killer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return child.returncode, err_path.read_text("utf-8", "replace"), usage.ru_maxrss * 1024


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
        code, err, peak = run_child(
            ["push", "--date", DAY], child_env(isolated / "out", hook), isolated
        )
    assert code == 4, err
    assert "the answer is larger than" in err and "MemoryError" not in err
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.0f} MiB"


def test_an_endless_smtp_greeting_stays_under_500_mb(isolated: Path) -> None:
    day = date.fromisoformat(DAY)
    write_day(isolated / "out", day, synthetic_entries(day, 3))
    with HostileSmtp("endless") as smtp:
        env = child_env(isolated / "out", smtp.env("alice@example.org"))
        code, err, peak = run_child(["push", "--date", DAY], env, isolated)
    assert code == 4 and "Line too long" in err, err
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.0f} MiB"


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
        code, err, peak = run_child(["digest", "--date", "2026-01-07"], env, isolated)
    assert code == 3, err
    assert "an answer larger than" in err and "nothing was written" in err
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.0f} MiB"
