"""The settings of a run: every stage's group (and every push channel's), resolved once from the
same sources — flag > environment > `.env` > `summarizer.toml` > default — by the one resolver.

Stages declare their groups in their own folders and never import this module (it sits above
them); the run and the application hand each stage its own group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..batch.settings import BatchSettings
from ..deliver import registry
from ..deliver.settings import DeliverSettings
from ..llm.settings import LLMSettings
from ..publish.settings import PublishSettings
from ..rank.settings import RankSettings
from ..settings.group import Group, SettingInfo, settings_of
from ..settings.output import OutputSettings
from ..settings.resolve import protect_found_secrets, resolve
from ..settings.sources import Sources, check_toml, unknown_names
from ..sources.settings import SourcesSettings

# The groups of a run, by the name the composed settings give them.
GROUPS: dict[str, type[Group]] = {
    "output": OutputSettings,
    "sources": SourcesSettings,
    "llm": LLMSettings,
    "rank": RankSettings,
    "publish": PublishSettings,
    "batch": BatchSettings,
    "deliver": DeliverSettings,
}


@dataclass(frozen=True)
class RunSettings:
    """Every setting of a run, one group per stage."""

    output: OutputSettings
    sources: SourcesSettings
    llm: LLMSettings
    rank: RankSettings
    publish: PublishSettings
    batch: BatchSettings
    deliver: DeliverSettings
    # One line per name in the environment, .env or summarizer.toml that is no setting.
    warnings: tuple[str, ...] = field(default=(), compare=False)


def every_setting() -> list[SettingInfo]:
    """Every setting a run knows: each group's, each registered channel's."""
    groups = [*GROUPS.values(), *(channel.settings for channel in registry.CHANNELS)]
    return [info for group in groups for info in settings_of(group)]


def load_settings(**flags: Any) -> RunSettings:
    """Resolve every group; `flags` are keyed like summarizer.toml (`output_dir`, `top`), and
    those left as None fall through to the environment, .env, summarizer.toml and the default."""
    known = every_setting()
    keys = {info.key for info in known}
    unknown_flags = sorted(set(flags) - keys)
    if unknown_flags:
        raise TypeError(f"load_settings() got flags that are no setting: {unknown_flags}")
    sources = Sources.read(flags)
    protect_found_secrets(sources, known)  # before any group's message could quote one
    warnings = check_toml(sources, known) + unknown_names(sources, known)
    groups: dict[str, Any] = {}
    for name, group in GROUPS.items():
        if group is DeliverSettings:
            channels = {c.name: resolve(c.settings, sources) for c in registry.CHANNELS}
            groups[name] = resolve(DeliverSettings, sources, channels=channels)
        else:
            groups[name] = resolve(group, sources)
    return RunSettings(**groups, warnings=tuple(warnings))
