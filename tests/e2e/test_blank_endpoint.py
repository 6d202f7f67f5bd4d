"""A blank `OPENAI_BASE_URL` (GitHub Actions exports an unset variable as '') means the SDK's
default endpoint, never `base_url=''`; an endpoint that cannot be reached, for whatever reason,
stops the run with exit 3 and one line, and no digest is written."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from summarizer.llm.client import OpenAIChat
from summarizer.llm.sdk import DEFAULT_BASE_URL, sdk_client
from tests.support.cli import Stage, closed_port

DAY = "2026-01-07"


@pytest.fixture
def blank(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.setenv(name, "")


@pytest.mark.usefixtures("blank")
def test_the_sdk_never_reads_a_blank_variable() -> None:
    chat = OpenAIChat(api_key="sk-x", base_url=None, model="m", timeout=5.0)
    sdk = chat._client
    assert str(sdk.base_url).rstrip("/") == DEFAULT_BASE_URL
    assert sdk.organization is None and sdk.project is None
    sync = sdk_client(openai.OpenAI, api_key="sk-x", base_url=None, timeout=5.0, max_retries=0)
    assert str(sync.base_url).rstrip("/") == DEFAULT_BASE_URL


def test_organization_and_project_are_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-from-the-environment")
    sync = sdk_client(
        openai.OpenAI, api_key="sk-x", base_url=None, timeout=5.0, max_retries=0, project="p1"
    )
    assert sync.organization is None and sync.project == "p1"


@pytest.fixture
def unreachable_default(stage: Stage, monkeypatch: pytest.MonkeyPatch, blank: None) -> Stage:
    """The blank variable, and the default host made unreachable without leaving the machine:
    every request goes through a proxy on a closed loopback port."""
    proxy = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # the arXiv stand-in stays reachable
    return stage


def test_blank_base_url_digest_stops_with_exit_3_and_writes_nothing(
    unreachable_default: Stage,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    run = cli("digest", "--date", DAY)
    assert run.code == 3, run.err
    last = run.err.strip().splitlines()[-1]
    assert "api.openai.com" in last and "OPENAI_BASE_URL" in last
    assert "Traceback" not in run.err and "missing summary" not in run.err
    assert not (unreachable_default.out / f"{DAY}.md").exists()
    assert not (unreachable_default.out / "data" / f"{DAY}.jsonl").exists()
    assert unreachable_default.model.requests == 0


def test_blank_base_url_doctor_names_the_endpoint_setting(
    unreachable_default: Stage,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    run = cli("doctor")
    assert run.code == 3, run.err
    last = run.err.strip().splitlines()[-1]
    assert "OPENAI_BASE_URL" in last and "SUMMARIZER_MODEL" not in last


@pytest.mark.parametrize("where", ["refused", "dns"])
def test_an_endpoint_that_cannot_be_reached_is_exit_3(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    tmp_path: Path,
) -> None:
    host = f"127.0.0.1:{closed_port()}" if where == "refused" else "no-such-host.invalid"
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://{host}/v1")
    run = cli("digest", "--date", DAY)
    assert run.code == 3, run.err
    assert "cannot reach the model endpoint" in run.err.strip().splitlines()[-1]
    assert not (stage.out / f"{DAY}.md").exists()
