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


def test_demo_ends_with_the_next_step_and_a_second_demo_pushes_nothing_new(
    isolated: Path,
) -> None:
    run = summarizer("demo", cwd=isolated, env=clean_environ())
    assert run.returncode == 0, run.stderr
    tail = run.stderr[run.stderr.index("Next, a real digest") :]
    for step in ("cp .env.example .env", "OPENAI_API_KEY", "make doctor", "make digest"):
        assert step in tail
    assert "summarizer demo --serve" in run.stderr
    assert "cost n/a: no price is known for model 'demo-model'" in run.stderr
    assert (isolated / "outputs" / "demo" / "2026-01-07.md").is_file()
    assert run.stdout.count("accepted") == 6 and "e-mail to reader@example.org" in run.stdout
    again = summarizer("demo", cwd=isolated, env=clean_environ())
    assert again.returncode == 0, again.stderr
    assert "accepted" not in again.stdout and "e-mail to" not in again.stdout
    assert "nothing new was sent" in again.stdout
    assert "pushed 2026-01-07 to" not in again.stderr


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
        lines = list(iter(lambda: serve.stdout.readline().strip(), ""))  # up to a blank line
        settings = exported(lines)
        assert {
            "ARXIV_API_URL",
            "OPENAI_BASE_URL",
            "OPENAI_API_KEY",
            "SUMMARIZER_MODEL",
            "SUMMARIZER_OUTPUT_DIR",
            "SUMMARIZER_SMTP_HOST",
            "SUMMARIZER_MAIL_TO",
            "SUMMARIZER_FEISHU_WEBHOOK",
            "SUMMARIZER_TELEGRAM_TOKEN",
            "SUMMARIZER_WEBHOOK_URL",
        } <= set(settings)
        env = {**clean_environ(), **settings}
        for paper_id in ("2601.02394", "2511.14600"):  # a day recorded with briefs, one with
            paper = summarizer(  # detailed analyses: each paper's two summaries agree
                "paper", paper_id, "--detailed", "--format", "json", cwd=isolated, env=env
            )
            assert paper.returncode == 0, paper.stderr
            row = json.loads(paper.stdout)
            analysis = json.dumps(row["detailed"], ensure_ascii=False)
            assert row["brief"]["motivation"] in analysis or row["brief"]["tldr"] in analysis
        backfill = summarizer(
            "backfill", "--from", "2026-01-05", "--to", "2026-01-09", cwd=isolated, env=env
        )
        assert backfill.returncode == 0, backfill.stderr
        data = isolated / "outputs" / "demo" / "data"
        rows = (data / "2026-01-07.jsonl").read_text("utf-8")
        assert len(rows.splitlines()) == 27
        assert all(json.loads(row)["brief"] for row in rows.splitlines())
        for day in ("2026-01-05", "2026-01-06", "2026-01-08", "2026-01-09"):
            week = [json.loads(row) for row in (data / f"{day}.jsonl").read_text().splitlines()]
            assert week and all(row["brief"] for row in week), day
        push = summarizer("push", "--date", "2026-01-09", cwd=isolated, env=env)
        assert push.returncode == 0, push.stderr
        for channel in ("email", "feishu", "dingtalk", "wecom", "slack", "telegram", "webhook"):
            assert f"pushed 2026-01-09 to {channel}" in push.stderr
    finally:
        serve.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
            raise
    assert code == 0
