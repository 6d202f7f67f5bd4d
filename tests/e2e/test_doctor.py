"""`summarizer doctor` against the model stand-in: a healthy endpoint, one that needs the
json_object detour, and ones that cannot serve."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from summarizer_standins import ModelStandin

from tests.support.cli import SENTINEL_KEY

pytestmark = pytest.mark.faults


@pytest.fixture
def model(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModelStandin]:
    with ModelStandin() as standin:
        monkeypatch.setenv("OPENAI_BASE_URL", standin.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
        monkeypatch.setenv("SUMMARIZER_REQUEST_TIMEOUT", "5")
        yield standin


def field(out: str, name: str) -> str:
    match = re.search(rf"^{re.escape(name)}:\s*(.*)$", out, re.M)
    assert match, out
    return match.group(1)


def test_healthy_endpoint(model: ModelStandin, cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("doctor")
    assert run.code == 0, run.err
    assert field(run.out, "provider").startswith("generic (detected from OPENAI_BASE_URL)")
    assert field(run.out, "model") == "gpt-4o-mini (default)"
    assert field(run.out, "mode that works") == "json_schema"
    for kind in ("brief", "detailed"):
        line = field(run.out, kind)
        assert re.match(r"ok in \d+\.\d\d s, 1 attempt\(s\); usage reported: yes \(\d+ in", line)
        assert line.endswith("cached-token field: yes")
    assert field(run.out, "price").startswith("known")
    assert model.requests == 2, "one small request per summary kind"
    assert "A digest would work." in run.out and SENTINEL_KEY not in run.out + run.err


def test_names_json_object_when_it_had_to_fall_back(model: ModelStandin, cli) -> None:  # type: ignore[no-untyped-def]
    model.behave("deepseek")
    run = cli("doctor")
    assert run.code == 0, run.err
    works = field(run.out, "mode that works")
    assert works.startswith("json_object") and "SUMMARIZER_RESPONSE_MODE=json_object" in works
    assert model.status_counts[400] == 1 and model.status_counts[200] == 2


def test_deepseek_profile_needs_no_detour(model: ModelStandin, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_PROVIDER", "deepseek")
    model.behave("deepseek")
    run = cli("doctor")
    assert run.code == 0, run.err
    assert field(run.out, "provider") == "deepseek (SUMMARIZER_PROVIDER)"
    assert field(run.out, "model") == "deepseek-chat (default)"
    assert field(run.out, "mode that works") == "json_object"
    assert model.status_counts[400] == 0


@pytest.mark.parametrize(
    ("behaviour", "words"),
    [
        ("deepseek-402", "Insufficient Balance"),
        ("arrearage", "good standing"),
        ("insufficient_quota", "quota"),
        ("unknown-model", "SUMMARIZER_MODEL"),
    ],
)
def test_broken_endpoint_exit_3_with_the_reason(model: ModelStandin, cli, behaviour, words) -> None:  # type: ignore[no-untyped-def]
    model.behave(behaviour)
    run = cli("doctor")
    assert run.code == 3, run.err
    (line,) = run.err.strip().splitlines()
    assert line.startswith("summarizer: error: ") and words in line
    assert len([b for b in model.bodies if b]) == 1, "one chat request (and a look at /models)"


def test_unreachable_endpoint_exit_3(model: ModelStandin, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_BASE_URL", model.base_url.replace("127.0.0.1", "localhost.invalid"))
    run = cli("doctor")
    assert run.code == 3, run.err
    assert "cannot reach the model endpoint" in run.err and "OPENAI_BASE_URL" in run.err


def test_bad_settings_exit_2(model: ModelStandin, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_PROVIDER", "openrouter")
    run = cli("doctor")
    assert run.code == 2 and "SUMMARIZER_PROVIDER" in run.err
    monkeypatch.delenv("SUMMARIZER_PROVIDER")
    monkeypatch.delenv("OPENAI_API_KEY")
    run = cli("doctor")
    assert run.code == 2 and "OPENAI_API_KEY" in run.err
    assert model.requests == 0


def test_an_unknown_model_is_answered_with_the_models_served(model: ModelStandin, cli) -> None:  # type: ignore[no-untyped-def]
    model.behave("unknown-model")
    model.served_models = ["Qwen/Qwen3-8B"]
    run = cli("doctor")
    assert run.code == 3, run.err
    (line,) = run.err.strip().splitlines()
    assert "no model 'gpt-4o-mini'" in line and line.endswith(
        "SUMMARIZER_MODEL to a model it serves: Qwen/Qwen3-8B"
    )


def test_names_the_reviewer_and_the_glossary_and_refuses_a_bad_one(  # type: ignore[no-untyped-def]
    model: ModelStandin, cli, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMMARIZER_CATEGORIES", "cs.CL")
    run = cli("doctor")
    assert run.code == 0, run.err
    assert field(run.out, "reviewer") == "natural language processing and computational linguistics"
    assert re.fullmatch(r"the default one, \d+ terms \(guides only\)", field(run.out, "glossary"))
    mine = isolated / "glossary.csv"
    mine.write_text("term,zh,avoid\nbeamforming,波束成形,波束赋形|波束形成\n", "utf-8")
    monkeypatch.setenv("SUMMARIZER_GLOSSARY", str(mine))
    run = cli("doctor")
    assert run.code == 0, run.err
    assert field(run.out, "glossary").endswith("terms, 2 variants corrected")
    mine.write_text("beamforming,波束成形\n", "utf-8")
    run = cli("doctor")
    assert run.code == 2 and "glossary.csv (SUMMARIZER_GLOSSARY) line 1" in run.err
    assert len(run.err.strip().splitlines()) == 1 and run.out == ""
    assert model.requests == 4  # two runs that worked, one small request per kind each
