"""Fixtures every test folder shares, and the markers that follow the folders.

Where a new test goes: beside what it tests, in the folder of that layer or stage
(tests/core/, settings/, store/, sources/, rank/, llm/, publish/, deliver/, batch/, run/, app/;
marked `unit`); tests/e2e/ for the real CLI against the stand-ins (`e2e`); tests/faults/ for
faults injected into a run, a kill or a signal (`faults`); tests/golden/ for output compared
byte for byte with a golden file there (`golden`); tests/browser/ for the site in Chromium
(`browser`); tests/standins/ for the stand-ins themselves (`standins`). `pytest -m NAME` runs
one kind (`make unit`, `make faults`). Fixtures shared by one folder only go in that folder's
conftest.py; helpers that are not fixtures go in tests/support/ (its docstring lists what it
offers: runs and stages, golden files and outputs, record builders, backfill mailings, the
attempt loop); a test module never imports another test module or a conftest.

Every test runs in its own temporary directory with no summarizer/OpenAI/arXiv settings from the
environment; end-to-end tests drive the real CLI against loopback stand-ins.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from summarizer_standins.arxiv_api import ArxivStandin
from summarizer_standins.fixtures import Fixture, load_fixture
from summarizer_standins.openai_api import ModelStandin

from tests.support.cli import Run, Stage, clear_settings, point_env_at, run_main
from tests.support.files import FIXTURES, TESTS

# The marker of each test folder; the folders of layers and stages (and the tests beside them)
# are `unit`.
FOLDER_MARKERS = {
    "e2e": "e2e",
    "faults": "faults",
    "golden": "golden",
    "browser": "browser",
    "standins": "standins",
}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(item.path)
        if not path.is_relative_to(TESTS):
            continue
        folder = path.relative_to(TESTS).parts[0]
        item.add_marker(FOLDER_MARKERS.get(folder, "unit"))


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    clear_settings(monkeypatch)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run `summarizer ARGS...` in-process; returns exit status, stdout and stderr."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = run_main(*args)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def sample() -> Fixture:
    return load_fixture("sample-toc")


@pytest.fixture(scope="session")
def jekyll_sample() -> Fixture:
    return load_fixture("sample-jekyll")


@pytest.fixture(scope="session")
def second_day() -> Fixture:
    return load_fixture(FIXTURES / "second-day.json")


@pytest.fixture
def stage(isolated: Path, sample: Fixture, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stage]:
    """The sample mailing on a local arXiv API, its recorded summaries on a local model, and the
    environment pointing at both."""
    with ArxivStandin(sample.papers) as arxiv_api, ModelStandin.from_fixture(sample) as model:
        staged = point_env_at(monkeypatch, arxiv_api, model, isolated / "out")
        monkeypatch.setenv("SUMMARIZER_REQUEST_TIMEOUT", "5")
        yield staged


@pytest.fixture
def batch_env(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> Stage:
    """The stage, with batches polled every 50 ms and run by the stand-in in about 0.14 s."""
    monkeypatch.setenv("SUMMARIZER_BATCH_POLL", "0.05")
    stage.model.batch_api.timing = (0.02, 0.1, 0.02)
    return stage


@pytest.fixture
def model(sample: Fixture) -> Iterator[ModelStandin]:
    """The sample mailing's recorded answers on a local model alone, a hang lasting 1 s."""
    with ModelStandin.from_fixture(sample) as standin:
        standin.hang_seconds = 1.0
        yield standin
