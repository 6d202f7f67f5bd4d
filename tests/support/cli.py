"""Running the CLI in tests: the record of a run, the stand-ins a run is pointed at, the
environment of a child `python -m summarizer`, and the one-line checks of every refusal."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
from summarizer_standins.arxiv_api import ArxivStandin
from summarizer_standins.fixtures import Fixture
from summarizer_standins.openai_api import ModelStandin

from summarizer.app.cli import main

SENTINEL_KEY = "sk-test-SENTINEL-7f3a9c2e5b1d4e8f"
# The prefixes of every setting a test must not inherit from the environment it runs in.
SETTING_PREFIXES = ("SUMMARIZER_", "OPENAI_", "ARXIV_")
# What the model is told on the retry after each kind of content fault.
FEEDBACK = {
    "malformed": "not valid JSON",
    "length": "cut off",
    "empty": "the answer was empty",
    "refusal": "the model refused",
    "wrong_keys": "does not match the schema",
    "english": "must be written in zh",
}


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Stage:
    arxiv: ArxivStandin
    model: ModelStandin
    out: Path


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_main(*args: str) -> int:
    """`summarizer ARGS...` in this process; its exit status."""
    try:
        main(list(args))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0  # pragma: no cover - main always exits


def clear_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every summarizer, OpenAI and arXiv setting of the environment."""
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES):
            monkeypatch.delenv(name)


def point_env_at(
    monkeypatch: pytest.MonkeyPatch, arxiv_api: ArxivStandin, model: ModelStandin, out: Path
) -> Stage:
    """Point the environment at these stand-ins, with the output under `out`."""
    monkeypatch.setenv("ARXIV_API_URL", arxiv_api.url)
    monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(out))
    return Stage(arxiv_api, model, out)


def add_fixture(stage: Stage, fixture: Fixture) -> None:
    """Serve the fixture's papers on the stage's arXiv and its recorded answers on its model."""
    for record in fixture.records:
        stage.arxiv.add(record.paper)
        stage.model.add_answer(record.paper.title, record.brief, record.detailed)


def clean_environ() -> dict[str, str]:
    """This process's environment without any summarizer, OpenAI or arXiv setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}


def child_env(stage: Stage, **settings: str) -> dict[str, str]:
    """The environment of a child `python -m summarizer` pointed at the stage, plus `settings`."""
    env = clean_environ()
    env.update(
        ARXIV_API_URL=stage.arxiv.url,
        OPENAI_BASE_URL=stage.model.base_url,
        OPENAI_API_KEY=SENTINEL_KEY,
        SUMMARIZER_OUTPUT_DIR=str(stage.out),
    )
    env.update(settings)
    return env


def assert_one_line(run: Run, code: int, *words: str) -> None:
    """Exit status `code` with one line on stderr, no traceback, naming each of `words`."""
    assert run.code == code, (run.code, run.out, run.err)
    assert "Traceback" not in run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    for word in words:
        assert word in lines[0], lines[0]


def assert_one_line_exit_2(run: Run, *words: str) -> None:
    """Bad input: exit status 2 with one line on stderr, no traceback, naming each of `words`."""
    assert_one_line(run, 2, *words)
