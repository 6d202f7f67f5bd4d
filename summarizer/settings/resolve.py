"""The one resolver: a group of settings made from the sources, every value checked the same way.

For each setting of the group: the first source that names it decides (see `sources`); a blank
value there is unset, except on a command line, where it is a mistake; a control character
anywhere is bad input. Then the group's own checks run, and a failure is one line naming the
setting as the user wrote it and where it was read: `invalid setting SUMMARIZER_TOP (from
summarizer.toml): ...`, `invalid setting --top: ...`. Secrets are registered for redaction as
soon as they are read, from every source holding one, before any message can quote them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import ValidationError

from ..core.errors import InputError
from ..core.redaction import redact
from .group import DEFAULT, FLAG, Group, Origin, SettingInfo, info_of, settings_of
from .kinds import control_character
from .secrets import protect_value
from .sources import Sources, is_blank

G = TypeVar("G", bound=Group)


def _control_character(value: Any) -> str | None:
    if isinstance(value, str):
        return control_character(value)
    if isinstance(value, list | tuple):
        return next((c for item in value if (c := _control_character(item))), None)
    if isinstance(value, dict):
        return _control_character(list(value.values()))
    return None


def _checked(info: SettingInfo, value: Any, origin: Origin) -> Any:
    """The value as found, or InputError when it cannot be taken as it is."""
    if origin.source == FLAG and isinstance(value, str) and not value.strip():
        raise InputError(f"invalid setting {info.flag}: must not be empty")
    code = _control_character(value)
    if code is not None:  # never quoted back: it may be a token
        raise InputError(
            f"invalid setting {origin.describe()}: contains the control character {code} "
            "(a line break, tab or other invisible character); a setting is one line of text"
        )
    return value


def protect_found_secrets(sources: Sources, infos: Iterable[SettingInfo]) -> None:
    """Register every value any source holds for a secret setting, before a message is made."""
    for info in infos:
        if info.secret:
            for text in sources.values(info):
                protect_value(text)


def resolve(group: type[G], sources: Sources, **fixed: Any) -> G:
    """`group` with each of its settings read from `sources`; `fixed` fills fields that are no
    setting (a group holding other groups)."""
    values: dict[str, Any] = {}
    origins: dict[str, Origin] = {}
    protect_found_secrets(sources, settings_of(group))
    for info in settings_of(group):
        found = sources.find(info)
        if found is None:
            continue
        origins[info.field] = found.origin
        if not found.origin.blank:  # a flag is never blank: `_checked` refuses it
            values[info.field] = _checked(info, found.value, found.origin)
    try:
        made = group(**values, **fixed)
    except ValidationError as exc:
        raise InputError(_message(exc, group, origins)) from None
    made._origins = origins
    return made


def _message(exc: ValidationError, group: type[Group], origins: dict[str, Origin]) -> str:
    first = exc.errors()[0]
    text = redact(str(first["msg"]).removeprefix("Value error, "))
    field = str(first["loc"][0]) if first["loc"] else ""
    if not any(info.field == field for info in settings_of(group)):
        return f"invalid settings: {text}"
    origin = origins.get(field) or Origin(info_of(group, field).env, DEFAULT)
    return f"invalid setting {origin.describe()}: {text}"


__all__ = ["Sources", "is_blank", "protect_found_secrets", "resolve"]
