"""The settings of the delivery stage: which channels a push uses, whether an empty day is pushed,
and each registered channel's own group; and what a push reads of the run's other settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from pydantic import Field, field_validator

from ..settings.group import Group, setting
from ..settings.kinds import CommaList, OnOff
from .registry import channel_names

if TYPE_CHECKING:
    from ..publish.settings import PublishSettings
    from ..rank.settings import RankSettings
    from ..settings.output import OutputSettings


def check_channel_names(names: list[str]) -> list[str]:
    """`names` when each is a registered channel; else ValueError naming the known ones."""
    known = channel_names()
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown push channel {unknown[0]!r} (known: {', '.join(known)})")
    return names


class DeliverSettings(Group):
    # The channels `digest --push` and `push` use; unset: every configured one.
    push: CommaList | None = setting(None)
    # Also push a one-line note on a digest day with no paper.
    push_empty: OnOff = setting(False)
    # No setting: each registered channel's own group, by channel name (filled by the resolver).
    channels: dict[str, Group] = Field(default_factory=dict)

    @field_validator("push")
    @classmethod
    def _registered(cls, value: list[str] | None) -> list[str] | None:
        return check_channel_names(value) if value is not None else None


class PushRun(Protocol):
    """What a push reads of a run's settings (the run's composed settings are one)."""

    @property
    def deliver(self) -> DeliverSettings: ...

    @property
    def output(self) -> OutputSettings: ...

    @property
    def publish(self) -> PublishSettings: ...

    @property
    def rank(self) -> RankSettings: ...
