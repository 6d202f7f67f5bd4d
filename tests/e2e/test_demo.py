"""`summarizer demo` (what `make demo` runs) and `summarizer demo --serve`: after the demo a new
user can try every command offline, and is told the next step toward a real digest."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import clean_environ


def summarizer(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_demo_ends_with_the_next_step(isolated: Path) -> None:
    run = summarizer("demo", cwd=isolated, env=clean_environ())
    assert run.returncode == 0, run.stderr
    tail = run.stderr[run.stderr.index("Next, a real digest") :]
    for step in ("cp .env.example .env", "OPENAI_API_KEY", "make doctor", "make digest"):
        assert step in tail
    assert "summarizer demo --serve" in run.stderr
    assert "cost n/a: no price is known for model 'demo-model'" in run.stderr
    assert (isolated / "outputs" / "demo" / "2026-01-07.md").is_file()


def exported(lines: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in lines:
        words = shlex.split(line)
        assert words[0] == "export"
        env.update(word.split("=", 1) for word in words[1:])  # type: ignore[misc]
    return env


@pytest.mark.skipif(sys.platform == "win32", reason="stops the server with SIGINT")
def test_demo_serve_lets_paper_and_backfill_run_offline(isolated: Path) -> None:
    serve = subprocess.Popen(
        [sys.executable, "-m", "summarizer", "demo", "--serve"],
        cwd=isolated,
        env=clean_environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert serve.stdout is not None
        lines = [serve.stdout.readline().strip() for _ in range(2)]
        settings = exported(lines)
        assert set(settings) == {
            "ARXIV_API_URL",
            "OPENAI_BASE_URL",
            "OPENAI_API_KEY",
            "SUMMARIZER_MODEL",
            "SUMMARIZER_OUTPUT_DIR",
        }
        env = {**clean_environ(), **settings}
        paper = summarizer(
            "paper",
            "arxiv.org/abs/2601.02394v1",
            "--detailed",
            "--format",
            "md",
            cwd=isolated,
            env=env,
        )
        assert paper.returncode == 0, paper.stderr
        assert "详细解读" in paper.stdout
        backfill = summarizer(
            "backfill", "--from", "2026-01-05", "--to", "2026-01-09", cwd=isolated, env=env
        )
        assert backfill.returncode == 0, backfill.stderr
        rows = (isolated / "outputs" / "demo" / "data" / "2026-01-07.jsonl").read_text("utf-8")
        assert len(rows.splitlines()) == 27
        assert all(json.loads(row)["brief"] for row in rows.splitlines())
        empty = (isolated / "outputs" / "demo" / "2026-01-05.md").read_text("utf-8")
        assert "No new papers" in empty
    finally:
        serve.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
            raise
    assert code == 0
