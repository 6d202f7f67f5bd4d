"""A group of settings, as each stage declares its own: a frozen pydantic model whose fields are
made by the one field helper, `setting(...)`, and what the resolver needs to know of each field
(its environment name, its flag, whether it is a secret) read back from the class.

Names follow one rule: the environment name is `SUMMARIZER_` + the field name in capitals unless
given (`OPENAI_API_KEY`, `ARXIV_TIMEOUT`); the key, used in `summarizer.toml` and as the keyword
`load_settings` takes for a flag, is the environment name in lower case without `SUMMARIZER_`;
the flag is the key with dashes unless given (`--out`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr

PREFIX = "SUMMARIZER_"
FLAG = "a flag"
DEFAULT = "the default"


def setting(
    default: Any = None, *, env: str | None = None, flag: str | None = None, **constraints: Any
) -> Any:
    """A field that is a setting: read from flag, environment, .env and summarizer.toml by the
    resolver. `constraints` are pydantic's (`gt=0`, `le=900`, ...). A field made with plain
    `Field` is no setting (the resolver passes it in itself)."""
    extra: dict[str, Any] = {"setting": True}
    if env:
        extra["env"] = env
    if flag:
        extra["flag"] = flag
    return Field(default, json_schema_extra=extra, **constraints)


@dataclass(frozen=True)
class Origin:
    """Where a setting's value was read: `name` as the user wrote it (`--top`, `SUMMARIZER_TOP`),
    `source` (a flag, the environment, .env, summarizer.toml, the default), whether the value
    found there was blank (so unset), and which lower sources held a value it hides."""

    name: str
    source: str
    blank: bool = False
    hidden: tuple[str, ...] = ()

    def describe(self) -> str:
        return self.name if self.source == FLAG else f"{self.name} (from {self.source})"


@dataclass(frozen=True)
class SettingInfo:
    field: str
    env: str
    flag: str
    secret: bool

    @property
    def key(self) -> str:
        """The name in summarizer.toml and the keyword of its flag in `load_settings`."""
        return self.env.lower().removeprefix(PREFIX.lower())


def _holds_secret(annotation: Any) -> bool:
    return annotation is SecretStr or any(_holds_secret(arg) for arg in get_args(annotation))


class Group(BaseModel):
    """The base of every group of settings: frozen, no unknown field, defaults checked too, no
    infinity or NaN (`ARXIV_TIMEOUT=inf` is a typo, not "wait forever"), a number taken as text
    where text is meant (`telegram_chat = -100123` in summarizer.toml)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_default=True,
        allow_inf_nan=False,
        coerce_numbers_to_str=True,
    )
    _origins: dict[str, Origin] = PrivateAttr(default_factory=dict)

    def origin(self, field: str) -> Origin:
        """Where `field`'s value was read (the default when no source named it)."""
        return self._origins.get(field) or Origin(info_of(type(self), field).env, DEFAULT)

    def __eq__(self, other: object) -> bool:
        """Two groups are equal when they hold the same values, wherever those were read."""
        if not isinstance(other, Group) or type(self) is not type(other):
            return False
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]


_SETTINGS: dict[type[BaseModel], tuple[SettingInfo, ...]] = {}


def settings_of(group: type[BaseModel]) -> tuple[SettingInfo, ...]:
    """The settings among `group`'s fields, in declaration order."""
    if group not in _SETTINGS:
        _SETTINGS[group] = tuple(_read_settings(group))
    return _SETTINGS[group]


def _read_settings(group: type[BaseModel]) -> list[SettingInfo]:
    found = []
    for name, field in group.model_fields.items():
        extra = field.json_schema_extra
        if not isinstance(extra, dict) or not extra.get("setting"):
            continue
        env = str(extra.get("env") or PREFIX + name.upper())
        key = env.lower().removeprefix(PREFIX.lower())
        flag = str(extra.get("flag") or "--" + key.replace("_", "-"))
        found.append(SettingInfo(name, env, flag, _holds_secret(field.annotation)))
    return found


def info_of(group: type[BaseModel], field: str) -> SettingInfo:
    return next(info for info in settings_of(group) if info.field == field)


def env_name(group: type[BaseModel], field: str) -> str:
    """The environment name of `group.field`, for messages that say what to set."""
    return info_of(group, field).env
