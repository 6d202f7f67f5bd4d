"""The CLI in a real 80-column terminal: a pseudo-terminal whose window size is set to 24x80 (no
COLUMNS variable: rich asks the terminal, as it does for a person), with live progress bars on.
Every day of a backfill is shown in full in the run table, and no line is wider than the screen."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.support.cli import Stage

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]")
DAYS = ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


def run_in_terminal(args: list[str], *, cwd: Path, columns: int = 80) -> tuple[int, str]:
    """Run `summarizer ARGS` with stdin, stdout and stderr on a pty of `columns` columns."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "LINES", "NO_COLOR"}}
    env["TERM"] = "xterm-256color"
    proc = subprocess.Popen(
        [sys.executable, "-m", "summarizer", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", errors="replace")


def screen_lines(raw: str) -> list[str]:
    """The lines as they end up on screen, escape sequences removed, carriage returns applied."""
    lines = []
    for line in ANSI.sub("", raw).replace("\r\n", "\n").split("\n"):
        lines.append(line.rsplit("\r", 1)[-1])
    return lines


def test_backfill_table_shows_every_day_in_full_at_80_columns(stage: Stage, isolated: Path) -> None:
    code, raw = run_in_terminal(["backfill", "--from", DAYS[0], "--to", DAYS[-1]], cwd=isolated)
    assert code == 0, raw[-3000:]
    lines = screen_lines(raw)
    title = next(i for i, line in enumerate(lines) if "summarizer run" in line)
    table = lines[title:]
    for day in DAYS:
        row = [line for line in table if line.lstrip().startswith(day + " ")]
        assert len(row) == 1, (day, table)
    assert any(re.search(r"\b2026-01-07\s+27\s+27\s+0\s+0\s+\d+\.\dk\b", line) for line in table)
    legend = next(i for i, line in enumerate(table) if line.startswith("new: "))
    assert all(len(line) <= 80 for line in table[:legend]), table[:legend]
    # the per-day lines were printed above the bars, each once and whole
    for number, day in enumerate(DAYS, start=1):
        assert sum(f"[{number}/5] {day}:" in line for line in lines) == 1
    wrote = "".join(lines).count("2026-01-07.md")
    assert wrote == 1, "files written are listed once, at the end"


def test_log_lines_print_above_the_live_bars(
    stage: Stage, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMMARIZER_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "2")
    stage.model.latency = (0.05, 0.0)  # the bars are live for a while, around the failure
    stage.model.fail_next("503")
    code, raw = run_in_terminal(["digest", "--date", DAYS[2]], cwd=isolated)
    assert code == 1, raw[-3000:]
    assert "━" in raw, "the progress bar was drawn"
    warnings = [line for line in screen_lines(raw) if "WARNING" in line]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("WARNING summarizer.") and "━" not in warnings[0]
