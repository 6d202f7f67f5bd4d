"""The channels the settings configure, built once from the registry, with every secret they hold
kept out of every message, log line, error and stored record."""

from __future__ import annotations

from ..core.errors import InputError
from ..settings.secrets import protect_secrets
from . import registry
from .base import Channel
from .settings import DeliverSettings, check_channel_names


def protect_push_secrets(settings: DeliverSettings) -> None:
    """Register every secret of every channel (SMTP password, signing secrets, bot tokens and
    webhook URLs, with their token-like parts) with the redaction registry."""
    for group in settings.channels.values():
        protect_secrets(group)


def configured(settings: DeliverSettings) -> dict[str, Channel]:
    """Every channel whose settings are given, by name."""
    protect_push_secrets(settings)
    found: dict[str, Channel] = {}
    for channel in registry.CHANNELS:
        group = settings.channels.get(channel.name)
        if group is not None and channel.configured(group):
            found[channel.name] = channel.build(group)
    return found


def select(settings: DeliverSettings, names: list[str] | None) -> list[Channel]:
    """The channels to use: `names` (from --to), else SUMMARIZER_PUSH, else every configured one.

    None configured, or one named but not configured, is bad settings (exit 2), said before
    anything is sent.
    """
    available = configured(settings)
    wanted = names if names is not None else (settings.push or None)  # blank: unset
    if wanted is None:
        if not available:
            first = registry.CHANNELS[0].needs_text()
            raise InputError(
                f"no push channel is configured: set {first}, or a chat webhook (see .env.example)"
            )
        return list(available.values())
    try:
        check_channel_names(wanted)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    by_name = {channel.name: channel for channel in registry.CHANNELS}
    for name in wanted:
        if name not in available:
            needs = by_name[name].needs_text()
            raise InputError(f"push channel {name} is not configured: set {needs}")
    return [available[name] for name in dict.fromkeys(wanted)]
