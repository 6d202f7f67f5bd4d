"""The places a setting is read, each read once per run, in order: flag > environment > `.env` >
`summarizer.toml` > default; where each value came from, for messages; and the names in them that
are no setting at all (a typo such as `SUMMARIZER_CATEGORIE` would otherwise go unnoticed).

The first place that names a setting decides it; a blank value there means the setting is unset
(its default), as `SUMMARIZER_X=` left in a copied .env.example should. So an empty
`OPENAI_API_KEY=` exported in the shell hides the key in `.env`, and the messages say so.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from ..core.errors import InputError
from .group import FLAG, PREFIX, Origin, SettingInfo

ENV_FILE = Path(".env")
TOML_FILE = Path("summarizer.toml")
ENVIRONMENT = "the environment"
DOTENV = str(ENV_FILE)
TOML = str(TOML_FILE)


def is_blank(value: Any) -> bool:
    """Empty or only spaces: unset. (A `KEY` line in .env with no `=` reads as None.)"""
    return value is None or (isinstance(value, str) and not value.strip())


def read_dotenv(path: Path = ENV_FILE) -> dict[str, str | None]:
    """The names and values of `.env` in the working directory ({} when there is none)."""
    from dotenv import dotenv_values

    if not path.is_file():
        return {}
    try:
        return dict(dotenv_values(path, encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} in {Path.cwd()} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
            f"offset {exc.start}); save it as UTF-8"
        ) from None
    except OSError:
        return {}


def read_toml(path: Path = TOML_FILE) -> dict[str, Any]:
    """The settings a fork commits in `summarizer.toml` ({} when there is none)."""
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path} in {Path.cwd()} is not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path} in {Path.cwd()} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path} in {Path.cwd()}: {exc.strerror or exc}") from None


def _upper(names: Mapping[str, Any]) -> dict[str, Any]:
    """Names matched regardless of case, as the environment was read before; the name written
    in capitals wins over another spelling of it."""
    found: dict[str, Any] = {}
    for name, value in names.items():
        if name.upper() not in found or name == name.upper():
            found[name.upper()] = value
    return found


@dataclass(frozen=True)
class Found:
    value: Any
    origin: Origin


@dataclass
class Sources:
    """Every place a setting is read, read once: flags (by key), the environment, .env and
    summarizer.toml."""

    flags: Mapping[str, Any] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=dict)
    dotenv: Mapping[str, str | None] = field(default_factory=dict)
    toml: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.flags = {k: v for k, v in self.flags.items() if v is not None}
        self._environ, self._dotenv = _upper(self.environ), _upper(self.dotenv)

    @classmethod
    def read(cls, flags: Mapping[str, Any]) -> Sources:
        return cls(flags=flags, environ=dict(os.environ), dotenv=read_dotenv(), toml=read_toml())

    def _files(self, info: SettingInfo) -> Iterator[tuple[str, Any]]:
        """(source, value) of every place below the flags that names the setting, in order."""
        for source, names, name in (
            (ENVIRONMENT, self._environ, info.env),
            (DOTENV, self._dotenv, info.env),
            (TOML, self.toml, info.key),
        ):
            if name in names:
                yield source, names[name]

    def find(self, info: SettingInfo) -> Found | None:
        """The value that decides the setting and where it was read; None: the default."""
        if info.key in self.flags:
            return Found(self.flags[info.key], Origin(info.flag, FLAG))
        held = list(self._files(info))
        if not held:
            return None
        (source, value), lower = held[0], held[1:]
        hidden = tuple(where for where, other in lower if not is_blank(other))
        return Found(value, Origin(info.env, source, blank=is_blank(value), hidden=hidden))

    def values(self, info: SettingInfo) -> list[str]:
        """Every value any place holds for the setting (to keep a secret out of messages)."""
        found = [self.flags.get(info.key), *(value for _, value in self._files(info))]
        texts = [v.get_secret_value() if isinstance(v, SecretStr) else v for v in found]
        return [text for text in texts if isinstance(text, str) and text.strip()]


def _closest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def check_toml(sources: Sources, infos: Iterable[SettingInfo]) -> list[str]:
    """A secret in summarizer.toml is refused (exit 2); a key that is no setting, one warning."""
    by_key = {info.key: info for info in infos}
    warnings = []
    for key, value in sources.toml.items():
        info = by_key.get(key)
        if info is None:
            hint = _closest(key, by_key)
            warnings.append(f"{key} in {TOML} is not a setting and is ignored{hint}")
        elif info.secret and not is_blank(value):
            raise InputError(
                f"{TOML} holds the secret {key}: a key, password, token or webhook URL goes in "
                f"the environment or .env as {info.env}, never in a file you commit"
            )
    return warnings


def unknown_names(sources: Sources, infos: Iterable[SettingInfo]) -> list[str]:
    """One line per `SUMMARIZER_*` name, in the environment or `.env`, that no setting reads."""
    names = {info.env for info in infos if info.env.startswith(PREFIX)}
    lines = []
    for where, source in ((ENVIRONMENT, sources.environ), (DOTENV, sources.dotenv)):
        for name in sorted(source):
            if not name.upper().startswith(PREFIX) or name.upper() in names:
                continue
            hint = _closest(name.upper(), names)
            lines.append(f"{name} in {where} is not a setting and is ignored{hint}")
    return lines


def missing_key_message(origin: Origin) -> str:
    """Why the key named by `origin` is missing, naming the place to fix it."""
    name, env_file, needed = origin.name, ENV_FILE.resolve(), "(this run needs the model)"
    if origin.source == ENVIRONMENT and origin.blank:
        if DOTENV in origin.hidden:
            return (
                f"{name} is set but empty in the environment, which hides the key in {env_file}: "
                f"run `unset {name}` {needed}"
            )
        return (
            f"{name} is set but empty in the environment: export the key or unset it and put it "
            f"in {env_file} {needed}"
        )
    if origin.source == DOTENV:
        return f"{name} is empty in {env_file}: set the key there {needed}"
    return f"{name} is not set: put it in {env_file} (see .env.example) or export it {needed}"
