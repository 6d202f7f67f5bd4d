"""Where settings are read (issue "Fork and go"): summarizer.toml in the working directory below
flag, environment and .env; secrets refused there; unknown keys and names warned about with the
closest setting; messages naming the setting and the place it was read."""

from __future__ import annotations

import json
import os
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.core import redaction
from summarizer.core.errors import InputError
from summarizer.run.settings import load_settings
from tests.support.cli import Stage, assert_one_line_exit_2

DAY = "2026-01-07"
TOML = "summarizer.toml"


def write_toml(directory: Path, text: str) -> None:
    (directory / TOML).write_text(text, encoding="utf-8")


def test_summarizer_toml_drives_categories_keywords_push_and_format(isolated: Path) -> None:
    write_toml(
        isolated,
        'categories = "cs.SD, eess.AS"\n'
        'keywords = ["speech enhancement", "语音"]\n'
        'push = ["telegram", "email"]\n'
        "push_empty = true\n"
        'format = "all"\n'
        "top = 12\n"
        "telegram_chat = -1001234567890\n",
    )
    run = load_settings()
    assert run.sources.categories == ["cs.SD", "eess.AS"]
    assert run.rank.keywords == ["speech enhancement", "语音"] and run.rank.top == 12
    assert run.deliver.push == ["telegram", "email"] and run.deliver.push_empty is True
    assert run.publish.format == "all"
    assert run.deliver.channels["telegram"].telegram_chat == "-1001234567890"  # type: ignore[attr-defined]
    assert run.warnings == ()


def test_the_format_in_summarizer_toml_is_what_digest_writes(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    isolated: Path,
) -> None:
    write_toml(isolated, 'format = "jekyll"\ncategories = "cs.SD"\n')
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert (stage.out / "_posts" / f"{DAY}-arxiv.md").exists()
    assert not (stage.out / f"{DAY}.md").exists()
    rows = [json.loads(line) for line in (stage.out / "data" / f"{DAY}.jsonl").open()]
    assert 15 <= len(rows) < 27, "the sample day's papers in cs.SD, not all 27"
    assert all("cs.SD" in row["categories"] for row in rows)
    flag = cli("digest", "--date", "2026-01-09", "--format", "toc")  # the flag still wins
    assert flag.code == 0, flag.err
    assert "No new papers in cs.SD on 2026-01-09" in (stage.out / "2026-01-09.md").read_text()


# --- precedence --------------------------------------------------------------------------------

PLACES = ("flag", "env", "dotenv", "toml")
Held = st.sampled_from(["absent", "blank", "value"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(held=st.fixed_dictionaries({place: Held for place in PLACES}))
def test_flag_beats_environment_beats_dotenv_beats_toml_beats_default(
    isolated: Path, held: dict[str, str]
) -> None:
    """Each place holds no value, a blank one or its own; the first place naming the setting
    decides, a blank value there meaning the default (a flag is never blank: see below)."""
    value = {"flag": 1, "env": 2, "dotenv": 3, "toml": 4}
    flags = {"top": value["flag"]} if held["flag"] == "value" else {}
    environ = {}
    if held["env"] != "absent":
        environ["SUMMARIZER_TOP"] = str(value["env"]) if held["env"] == "value" else " "
    dotenv = {"absent": "", "blank": "SUMMARIZER_TOP=\n", "value": "SUMMARIZER_TOP=3\n"}
    (isolated / ".env").write_text(dotenv[held["dotenv"]])
    toml = {"absent": "", "blank": 'top = ""\n', "value": "top = 4\n"}
    write_toml(isolated, toml[held["toml"]])
    deciding = next((p for p in PLACES if held[p] != "absent" and (p != "flag" or flags)), None)
    expected = value[deciding] if deciding and held[deciding] == "value" else None
    with mock.patch.dict(os.environ, environ):
        assert load_settings(**flags).rank.top == expected


def test_a_blank_flag_is_a_mistake_not_unset(isolated: Path) -> None:
    with pytest.raises(InputError, match="invalid setting --model: must not be empty"):
        load_settings(model="  ")


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("toml", "invalid setting SUMMARIZER_TOP (from summarizer.toml): "),
        ("dotenv", "invalid setting SUMMARIZER_TOP (from .env): "),
        ("env", "invalid setting SUMMARIZER_TOP (from the environment): "),
        ("flag", "invalid setting --top: "),
    ],
)
def test_a_bad_value_names_the_setting_and_where_it_was_read(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, where: str, expected: str
) -> None:
    flags = {}
    if where == "toml":
        write_toml(isolated, "top = -3\n")
    elif where == "dotenv":
        (isolated / ".env").write_text("SUMMARIZER_TOP=-3\n")
    elif where == "env":
        monkeypatch.setenv("SUMMARIZER_TOP", "-3")
    else:
        flags["top"] = -3
    with pytest.raises(InputError) as caught:
        load_settings(**flags)
    assert str(caught.value).startswith(expected) and "greater than 0" in str(caught.value)


# --- summarizer.toml: secrets, unknown keys, malformed ---------------------------------------


@pytest.mark.parametrize(
    "key",
    ["openai_api_key", "smtp_password", "feishu_webhook", "telegram_token", "embedding_api_key"],
)
def test_a_secret_in_summarizer_toml_is_refused(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    isolated: Path,
    key: str,
) -> None:
    secret = "https://open.feishu.cn/open-apis/bot/v2/hook/SENTINEL-c0ffee-4242"
    write_toml(isolated, f'{key} = "{secret}"\n')
    run = cli("digest", "--date", DAY)
    assert_one_line_exit_2(run, TOML, key, "environment")
    assert secret not in run.err and "SENTINEL" not in run.err
    assert stage.model.requests == 0 and stage.arxiv.requests == 0


def test_an_unknown_key_in_summarizer_toml_is_warned_about_and_the_run_works(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    isolated: Path,
) -> None:
    write_toml(isolated, 'categorie = "cs.SD"\ntelegram_chats = "1"\n')
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    lines = [line for line in run.err.splitlines() if TOML in line]
    assert len(lines) == 2
    assert "categorie in summarizer.toml is not a setting and is ignored" in lines[0]
    assert "did you mean categories?" in lines[0]
    assert "did you mean telegram_chat?" in lines[1]


@pytest.mark.parametrize(
    "text",
    ["categories = \n", "[push\n", "top = 1\ntop = 2\n", b"top = 1\n\xff\xfe".decode("latin-1")],
    ids=["no-value", "bad-table", "duplicate", "not-utf8"],
)
def test_a_malformed_summarizer_toml_is_one_line_exit_2(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    isolated: Path,
    text: str,
) -> None:
    (isolated / TOML).write_bytes(text.encode("latin-1"))
    run = cli("digest", "--date", DAY)
    assert_one_line_exit_2(run, TOML)
    assert stage.arxiv.requests == 0


def test_a_list_where_one_value_is_meant_names_the_setting(isolated: Path) -> None:
    write_toml(isolated, 'model = ["a", "b"]\n')
    with pytest.raises(InputError, match=r"SUMMARIZER_MODEL \(from summarizer.toml\)"):
        load_settings()


# --- unknown names know every group ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("SUMMARIZER_CATEGORIE", "SUMMARIZER_CATEGORIES"),
        ("SUMMARIZER_TELEGRAM_TOKN", "SUMMARIZER_TELEGRAM_TOKEN"),
        ("SUMMARIZER_SMTP_HOSTS", "SUMMARIZER_SMTP_HOST"),
        ("SUMMARIZER_BATCH_POL", "SUMMARIZER_BATCH_POLL"),
        ("SUMMARIZER_FORMATS", "SUMMARIZER_FORMAT"),
    ],
)
def test_a_misspelt_name_of_any_group_gets_the_closest_setting(
    monkeypatch: pytest.MonkeyPatch, typo: str, meant: str
) -> None:
    monkeypatch.setenv(typo, "1")
    (line,) = load_settings().warnings
    assert line == (
        f"{typo} in the environment is not a setting and is ignored; did you mean {meant}?"
    )


def test_a_secret_is_masked_in_the_message_of_any_other_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A key pasted into the wrong setting is not quoted back, whichever group reads it first."""
    monkeypatch.setattr(redaction, "_secrets", [])
    monkeypatch.setenv("OPENAI_API_KEY", "key-SENTINEL-0123456789")
    monkeypatch.setenv("ARXIV_WEB_URL", "key-SENTINEL-0123456789")
    with pytest.raises(InputError) as caught:
        load_settings()
    assert "ARXIV_WEB_URL" in str(caught.value) and "SENTINEL" not in str(caught.value)
