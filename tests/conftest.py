"""Every test runs in its own temporary directory with no summarizer/OpenAI/arXiv settings from the
environment; end-to-end tests drive the real CLI against loopback stand-ins."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from summarizer_standins.arxiv_api import ArxivStandin
from summarizer_standins.fixtures import Fixture, load_fixture
from summarizer_standins.openai_api import ModelStandin

from summarizer.app.cli import main

TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden"
SENTINEL_KEY = "sk-test-SENTINEL-7f3a9c2e5b1d4e8f"
# What the model is told on the retry after each kind of content fault.
FEEDBACK = {
    "malformed": "not valid JSON",
    "length": "cut off",
    "empty": "the answer was empty",
    "refusal": "the model refused",
    "wrong_keys": "does not match the schema",
    "english": "must be written in zh",
}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("SUMMARIZER_", "OPENAI_", "ARXIV_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run `summarizer ARGS...` in-process; returns exit status, stdout and stderr."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def assert_one_line_exit_2(run: Run, *words: str) -> None:
    """Exit status 2 with one line on stderr, no traceback, naming each of `words`."""
    assert run.code == 2, (run.out, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert "Traceback" not in run.err
    for word in words:
        assert word in lines[0]


@pytest.fixture(scope="session")
def sample() -> Fixture:
    return load_fixture("sample-toc")


@pytest.fixture(scope="session")
def jekyll_sample() -> Fixture:
    return load_fixture("sample-jekyll")


@pytest.fixture(scope="session")
def second_day() -> Fixture:
    return load_fixture(TESTS / "fixtures" / "second-day.json")


@dataclass
class Stage:
    arxiv: ArxivStandin
    model: ModelStandin
    out: Path


def point_env_at(
    monkeypatch: pytest.MonkeyPatch, arxiv_api: ArxivStandin, model: ModelStandin, out: Path
) -> Stage:
    """Point the environment at these stand-ins, with the output under `out`."""
    monkeypatch.setenv("ARXIV_API_URL", arxiv_api.url)
    monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(out))
    return Stage(arxiv_api, model, out)


@pytest.fixture
def stage(isolated: Path, sample: Fixture, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stage]:
    """The sample mailing on a local arXiv API, its recorded summaries on a local model, and the
    environment pointing at both."""
    with ArxivStandin(sample.papers) as arxiv_api, ModelStandin.from_fixture(sample) as model:
        staged = point_env_at(monkeypatch, arxiv_api, model, isolated / "out")
        monkeypatch.setenv("SUMMARIZER_REQUEST_TIMEOUT", "5")
        yield staged


def add_fixture(stage: Stage, fixture: Fixture) -> None:
    for record in fixture.records:
        stage.arxiv.add(record.paper)
        stage.model.add_answer(record.paper.title, record.brief, record.detailed)


def files_under(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith("summarizer.sqlite3")
    }


@pytest.fixture
def batch_env(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> Stage:
    """The stage, with batches polled every 50 ms and run by the stand-in in about 0.14 s."""
    monkeypatch.setenv("SUMMARIZER_BATCH_POLL", "0.05")
    stage.model.batch_api.timing = (0.02, 0.1, 0.02)
    return stage
