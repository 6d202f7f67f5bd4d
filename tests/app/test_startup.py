"""A fast start: `--help` and input errors are answered before any heavy module loads.

Measured by what is imported (`python -X importtime`), not by a wall clock a loaded machine
would break: `summarizer --help` may load click and our light modules, never openai, rich,
pydantic, tiktoken or the pipeline. `tools/startup_time.py` prints the times themselves.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from summarizer.app.cli import cli
from tests.support.cli import clean_environ

HEAVY = (
    "openai",
    "httpx",
    "rich",
    "pydantic",
    "pydantic_settings",
    "dotenv",
    "tiktoken",
    "pypdf",
    "arxiv",
    "requests",
    "summarizer.run.pipeline",
    "summarizer.run.settings",
    "summarizer.settings.resolve",
    "summarizer.app.console",
    "summarizer.store.database",
)


def imported_by(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `python -m summarizer ARGS` and return it with every module it imported."""
    env = clean_environ()
    env["COLUMNS"] = "80"
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "summarizer", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    modules = {
        line.split("|")[-1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return proc, modules


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY)


@pytest.mark.parametrize("args", [["--help"], *([name, "--help"] for name in sorted(cli.commands))])
def test_help_loads_no_heavy_module(args: list[str], isolated: Path) -> None:
    proc, modules = imported_by(*args, cwd=isolated)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "click" in modules and "summarizer.app.cli" in modules, "the measure itself works"
    assert heavy(modules) == []


@pytest.mark.parametrize(
    "args",
    [
        ["digest", "--date", "2026-13-45"],
        ["digest", "--bogus"],
        ["backfill", "--from", "2026-01-09", "--to", "2026-01-05"],
        ["paper", "not-an-id"],
        ["dgest"],
    ],
)
def test_input_errors_are_answered_before_heavy_modules_load(
    args: list[str], isolated: Path
) -> None:
    proc, modules = imported_by(*args, cwd=isolated)
    assert proc.returncode == 2
    assert heavy(modules) == []
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("import time:")]
    assert len(lines) == 1 and lines[0].startswith("summarizer: error:"), lines


def test_top_level_help_fits_80_columns_without_cut_lines(isolated: Path) -> None:
    proc, _ = imported_by("--help", cwd=isolated)
    commands = proc.stdout.split("Commands:")[1].splitlines()
    assert {"digest", "paper", "backfill", "demo"} <= {line.split()[0] for line in commands if line}
    for line in proc.stdout.splitlines():
        assert len(line) <= 80, line
    for line in commands:
        assert not line.rstrip().endswith("..."), line


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_command_help_fits_80_columns(command: str, isolated: Path) -> None:
    proc, _ = imported_by(command, "--help", cwd=isolated)
    assert proc.returncode == 0
    assert all(len(line) <= 80 for line in proc.stdout.splitlines()), proc.stdout


def test_every_option_has_help_text() -> None:
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help and param.help.strip(), f"{name} {param.opts[0]} has no help"
