"""Where a setting came from (flag, environment, .env), and the names that are no setting at all.

pydantic-settings reads the environment, then `.env`, and silently ignores any other name; a typo
(`SUMMARIZER_CATEGORIE=cs.SD`) would go unnoticed, and an empty `OPENAI_API_KEY=` exported in the
shell hides the key in `.env`. This module lets the messages say so.
"""

from __future__ import annotations

import contextlib
import difflib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

ENV_FILE = Path(".env")
PREFIX = "SUMMARIZER_"


def dotenv_settings(path: Path = ENV_FILE) -> dict[str, str | None]:
    """The names and values of `.env` in the working directory ({} when there is none)."""
    from dotenv import dotenv_values

    with contextlib.suppress(OSError, UnicodeDecodeError):
        if path.is_file():
            return dict(dotenv_values(path))
    return {}


def unknown_settings(
    known: Iterable[str],
    *,
    environ: Mapping[str, str] | None = None,
    dotenv: Mapping[str, str | None] | None = None,
) -> list[str]:
    """One line per `SUMMARIZER_*` name, in the environment or `.env`, that no setting reads."""
    names = {name.upper() for name in known if name.upper().startswith(PREFIX)}
    environ = os.environ if environ is None else environ
    dotenv = dotenv_settings() if dotenv is None else dotenv
    lines = []
    for where, source in (("the environment", environ), (str(ENV_FILE), dotenv)):
        for name in sorted(source):
            if not name.upper().startswith(PREFIX) or name.upper() in names:
                continue
            close = difflib.get_close_matches(name.upper(), sorted(names), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
            lines.append(f"{name} in {where} is not a setting and is ignored{hint}")
    return lines


def source_of(env_name: str, *, dotenv: Mapping[str, str | None] | None = None) -> str:
    """Where the value of `env_name` was read: the environment wins over `.env`."""
    if env_name in os.environ:
        return "the environment"
    dotenv = dotenv_settings() if dotenv is None else dotenv
    if env_name in dotenv:
        return str(ENV_FILE)
    return "the default"


def missing_key_message(name: str = "OPENAI_API_KEY") -> str:
    """Why the key is missing, naming the place to fix it."""
    dotenv = dotenv_settings()
    in_file = (dotenv.get(name) or "").strip()
    env_file = ENV_FILE.resolve()
    if name in os.environ and not os.environ[name].strip():
        if in_file:
            return (
                f"{name} is set but empty in the environment, which hides the key in {env_file}: "
                f"run `unset {name}` (this run needs the model)"
            )
        return (
            f"{name} is set but empty in the environment: export the key or unset it and put it "
            f"in {env_file} (this run needs the model)"
        )
    if name in dotenv:
        return f"{name} is empty in {env_file}: set the key there (this run needs the model)"
    return (
        f"{name} is not set: put it in {env_file} (see .env.example) or export it "
        "(this run needs the model)"
    )
