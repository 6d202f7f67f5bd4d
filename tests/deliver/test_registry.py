"""The registry of push channels is the one list of their names: a new channel is one module and
one line in deliver/registry.py, and validation, messages, secrets and the settings a run knows
all follow it."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from summarizer.core import redaction
from summarizer.core.errors import InputError
from summarizer.deliver import registry
from summarizer.deliver.base import ChannelSpec, DayDigest, Delivery, hook_id
from summarizer.deliver.channels import protect_push_secrets, select
from summarizer.run.settings import load_settings
from summarizer.settings.group import Group, setting
from summarizer.settings.kinds import SecretURL

PACKAGE = Path(__file__).resolve().parents[2] / "summarizer"
NAMES = {"email", "feishu", "dingtalk", "wecom", "slack", "telegram", "webhook"}


def test_the_registry_lists_the_channels_in_their_order() -> None:
    assert registry.channel_names() == [
        "email",
        "feishu",
        "dingtalk",
        "wecom",
        "slack",
        "telegram",
        "webhook",
    ]


def test_no_module_but_the_registry_lists_channel_names() -> None:
    """No tuple, list, set or Literal of channel names anywhere else in the package (the old
    `PushChannel` Literal, `CHANNELS` tuple and `_NEEDS` table are gone)."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Tuple | ast.List | ast.Set):
                items = node.elts
            elif isinstance(node, ast.Dict):
                items = [k for k in node.keys if k is not None]
            else:
                continue
            named = {i.value for i in items if isinstance(i, ast.Constant)} & NAMES
            if len(named) >= 2:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []
    text = "\n".join(p.read_text("utf-8") for p in PACKAGE.rglob("*.py"))
    assert "PushChannel" not in text and "PUSH_CHANNELS" not in text


# --- a channel added in one place ---------------------------------------------------------------


class PigeonSettings(Group):
    pigeon_url: SecretURL | None = setting(None)


@dataclass
class Pigeon:
    url: str
    name: str = "pigeon"

    def recipients(self) -> list[str]:
        return [hook_id(self.url)]

    def send(self, digest: DayDigest, *, recipient: str, skip: int = 0) -> Delivery:
        return Delivery(channel=self.name, recipient=recipient, total=1, sent=1)


def _pigeon(settings: PigeonSettings) -> Pigeon:
    assert settings.pigeon_url is not None
    return Pigeon(settings.pigeon_url.get_secret_value())


@pytest.fixture
def pigeon(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = ChannelSpec("pigeon", PigeonSettings, ("pigeon_url",), _pigeon)
    monkeypatch.setattr(registry, "CHANNELS", (*registry.CHANNELS, spec))
    monkeypatch.setattr(redaction, "_secrets", [])


@pytest.mark.usefixtures("pigeon")
def test_a_registered_channel_is_known_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://loft.example/hook/T0KEN-1234567890"
    monkeypatch.setenv("SUMMARIZER_PIGEON_URL", url)
    monkeypatch.setenv("SUMMARIZER_PUSH", "pigeon")
    run = load_settings()
    assert run.warnings == (), "its setting is a known name"
    assert run.deliver.push == ["pigeon"]
    (channel,) = select(run.deliver, None)
    assert isinstance(channel, Pigeon) and channel.url == url
    assert redaction.redact(f"failed: {url}") == "failed: ***", "its secret is registered"
    with pytest.raises(InputError, match="known: email, .*, webhook, pigeon"):
        select(run.deliver, ["carrier"])
    monkeypatch.delenv("SUMMARIZER_PIGEON_URL")
    with pytest.raises(InputError, match="push channel pigeon is not configured: set SUMMARIZER_"):
        select(load_settings().deliver, None)
    monkeypatch.setenv("SUMMARIZER_PIGEON_UR", "x")
    monkeypatch.delenv("SUMMARIZER_PUSH")
    assert load_settings().warnings == (
        "SUMMARIZER_PIGEON_UR in the environment is not a setting and is ignored; "
        "did you mean SUMMARIZER_PIGEON_URL?",
    )


def test_an_unknown_channel_in_summarizer_push_is_refused_with_the_known_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUMMARIZER_PUSH", "email,pigeon")
    with pytest.raises(InputError) as caught:
        load_settings()
    assert str(caught.value) == (
        "invalid setting SUMMARIZER_PUSH (from the environment): unknown push channel 'pigeon' "
        "(known: email, feishu, dingtalk, wecom, slack, telegram, webhook)"
    )


def test_every_secret_a_channel_declares_is_kept_out_of_messages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The secrets are the SecretStr fields of each channel's group: set them all, and each is
    masked; the plain settings of the same channels (the chat id, the user) are not."""
    monkeypatch.setattr(redaction, "_secrets", [])
    values = {
        "SUMMARIZER_SMTP_PASSWORD": "smtp-pass-SENTINEL-1",
        "SUMMARIZER_FEISHU_SECRET": "feishu-SENTINEL-2",
        "SUMMARIZER_DINGTALK_SECRET": "SECding-SENTINEL-3",
        "SUMMARIZER_TELEGRAM_TOKEN": "123456:tg-SENTINEL-4",
        "SUMMARIZER_WECOM_WEBHOOK": "https://qyapi.example/send?key=wecom-SENTINEL-5",
        "SUMMARIZER_WEBHOOK_URL": "https://hooks.example/in/hook-SENTINEL-6",
        "SUMMARIZER_TELEGRAM_CHAT": "-1009876543210",
        "SUMMARIZER_SMTP_USER": "digest-bot-user",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    protect_push_secrets(load_settings().deliver)
    text = redaction.redact(" ".join(values.values()))
    assert "SENTINEL" not in text
    assert "-1009876543210" in text and "digest-bot-user" in text
