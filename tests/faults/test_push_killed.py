"""A push killed while sending (issue #24): a real `summarizer push` in a child process, caught by
the SMTP stand-in in the middle of its second recipient's DATA. While it lives, another push says
the day is being sent by that run (its pid) and exits 4; once it is killed, the next push takes
the delivery over at once (no 600 s lease to wait out) and the recipient gets the day."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from summarizer_standins.smtp import SmtpStandin

from tests.support.build import synthetic_entries, write_day

pytestmark = pytest.mark.faults
DAY = "2026-03-10"
ALICE, BOB = "alice@example.org", "bob@example.org"


def errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("summarizer: error")]


def test_a_push_killed_mid_send_is_taken_over_at_once(
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    day = date.fromisoformat(DAY)
    write_day(isolated / "out", day, synthetic_entries(day, 3))
    monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(isolated / "out"))
    with SmtpStandin() as smtp:
        for name, value in smtp.env(ALICE, BOB).items():
            monkeypatch.setenv(name, value)
        smtp.stall = {BOB}
        child = subprocess.Popen(
            [sys.executable, "-m", "summarizer", "push", "--date", DAY],
            cwd=isolated,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert smtp.stalled.wait(60), "the child never reached Bob's DATA"
            assert [m.recipients for m in smtp.mails] == [[ALICE]]
            waiting = cli("push", "--date", DAY)
            assert waiting.code == 4, waiting.err
            (line,) = errors(waiting.err)
            assert f"email ({BOB}): being sent by another run (pid {child.pid})" in line
            assert "run again later" in line and f"already pushed to email ({ALICE})" in waiting.err
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        smtp.stall = set()
        smtp.release.set()  # the dead session's DATA ends (451, nothing kept)
        resumed = cli("push", "--date", DAY)
        assert resumed.code == 0, resumed.err
        assert sorted(m.recipients[0] for m in smtp.mails) == [ALICE, BOB]
        assert f"pushed {DAY} to email ({BOB})" in resumed.err
