"""The groups the stages declare, as the run composes them: one name per setting, each listed once
in .env.example and summarizer.toml.example, provider names read from data/providers.toml, and the
kinds of value checked the same way whatever group a field is in."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
from pydantic import SecretStr

from summarizer.core.errors import InputError
from summarizer.llm import providers
from summarizer.run.settings import GROUPS, every_setting, load_settings
from summarizer.settings.group import Group, setting
from summarizer.settings.kinds import URL, CommaList, OnOff, SecretURL
from summarizer.settings.resolve import resolve
from summarizer.settings.sources import Sources

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_has_its_own_name_key_and_flag() -> None:
    known = every_setting()
    for attribute in ("env", "key", "flag"):
        counts = Counter(getattr(info, attribute) for info in known)
        assert [name for name, n in counts.items() if n > 1] == [], attribute
    assert len(known) > 55
    assert {"output", "sources", "llm", "rank", "publish", "batch", "deliver"} == set(GROUPS)


def test_dotenv_example_lists_every_setting_once() -> None:
    text = (ROOT / ".env.example").read_text("utf-8")
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M)
    assert sorted(names) == sorted(info.env for info in every_setting())


def test_toml_example_lists_every_setting_once_and_names_the_secrets_it_refuses() -> None:
    text = (ROOT / "summarizer.toml.example").read_text("utf-8")
    keys = re.findall(r"^# ([a-z][a-z0-9_]*) = ", text, re.M)
    plain = [info.key for info in every_setting() if not info.secret]
    assert sorted(keys) == sorted(plain)
    refused = text.split("Secrets never go here")[1].split("\n\n")[0]
    for info in every_setting():
        assert (info.key in refused) == info.secret, info.key


def test_the_example_toml_is_valid_and_every_line_of_it_a_known_setting(isolated: Path) -> None:
    text = (ROOT / "summarizer.toml.example").read_text("utf-8")
    uncommented = "\n".join(
        re.sub(r"^# ", "", line) for line in text.splitlines() if re.match(r"^# [a-z_]+ = ", line)
    )
    # the example values point at files and hosts of the example: keep to what loads anywhere
    kept = [
        line
        for line in uncommented.splitlines()
        if not line.startswith(("profile", "prices", "output_dir", "cache", "site_dir"))
    ]
    (isolated / "summarizer.toml").write_text("\n".join(kept) + "\n", encoding="utf-8")
    run = load_settings()
    assert run.warnings == ()
    assert run.publish.format == "all" and run.deliver.push == ["email", "feishu"]


# --- provider names come from data/providers.toml ----------------------------------------------


def test_an_unknown_provider_lists_the_names_of_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    text = resources.files("summarizer").joinpath("data/providers.toml").read_text("utf-8")
    tables = re.findall(r"^\[([a-z0-9_]+)\]$", text, re.M)
    monkeypatch.setenv("SUMMARIZER_PROVIDER", "nope")
    with pytest.raises(InputError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("invalid setting SUMMARIZER_PROVIDER (from the environment)")
    for name in [t for t in tables if t != "common"]:
        assert name in message


def test_a_provider_table_added_to_the_data_is_a_valid_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = resources.files("summarizer").joinpath("data/providers.toml").read_text("utf-8")
    text += '\n[zoo]\nmodel = "zoo-1"\nmode = "json_object"\ntimeout = 77\nprice = ""\n'
    text += 'batch = false\nhosts = ["api.zoo.example"]\n'
    monkeypatch.setattr(providers, "profiles", lambda: providers.parse_profiles(text))
    llm = load_settings(provider="zoo").llm
    assert llm.provider_profile.name == "zoo" and llm.model == "zoo-1" and llm.timeout == 77
    auto = load_settings(openai_base_url="https://api.zoo.example/v1").llm
    assert auto.provider_profile.name == "zoo"


# --- one validator per kind of value -----------------------------------------------------------


class Kinds(Group):
    """A made-up group: what a new stage declares gets the same checks as every other."""

    base: URL | None = setting(None, env="KINDS_BASE")
    hook: SecretURL | None = setting(None, env="KINDS_HOOK")
    items: CommaList = setting([], env="KINDS_ITEMS")
    switch: OnOff = setting(False, env="KINDS_SWITCH")


def kinds(**environ: str) -> Kinds:
    return resolve(Kinds, Sources(environ=environ))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://host/v1/", "https://host/v1"),
        ("  http://127.0.0.1:8000  ", "http://127.0.0.1:8000"),
    ],
)
def test_a_url_is_stripped_of_spaces_and_its_trailing_slash(value: str, expected: str) -> None:
    assert kinds(KINDS_BASE=value).base == expected


@pytest.mark.parametrize(
    "value", ["host/v1", "ftp://host", "http://", "http://h:0/", "http://h:port/", "http://a b/"]
)
def test_a_url_that_is_not_http_with_a_host_and_port_is_refused(value: str) -> None:
    with pytest.raises(InputError, match=r"KINDS_BASE \(from the environment\).*http\(s\) URL"):
        kinds(KINDS_BASE=value)


def test_a_secret_url_is_never_quoted_back_and_keeps_its_path() -> None:
    with pytest.raises(InputError) as caught:
        kinds(KINDS_HOOK="hooks.example/T0/SENTINEL99")
    assert "SENTINEL99" not in str(caught.value) and "KINDS_HOOK" in str(caught.value)
    hook = kinds(KINDS_HOOK="https://hooks.example/T0/x/").hook
    assert isinstance(hook, SecretStr) and hook.get_secret_value() == "https://hooks.example/T0/x/"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a, b ,,c", ["a", "b", "c"]), ("", []), (" , ", [])],
)
def test_a_comma_list(value: str, expected: list[str]) -> None:
    assert kinds(KINDS_ITEMS=value).items == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("on", True), (" OFF ", False), ("true", True), ("0", False), ("Yes", True)],
)
def test_on_off(value: str, expected: bool) -> None:
    assert kinds(KINDS_SWITCH=value).switch is expected


def test_blank_means_unset_for_every_kind() -> None:
    assert kinds(KINDS_BASE=" ", KINDS_HOOK="", KINDS_ITEMS="  ", KINDS_SWITCH="") == kinds()
