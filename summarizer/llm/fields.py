"""The reviewer's field the prompts name, from the configured categories (data/fields.toml):
computed once per run, so every request of a run and kind carries the same system prompt."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

DEFAULT_CATEGORIES = ("eess.SP", "eess.AS", "cs.SD")
# field_of(DEFAULT_CATEGORIES), written out so that importing this module reads no file.
DEFAULT_FIELD = "signal processing, speech and audio"


@cache
def _table() -> tuple[dict[str, list[str]], dict[str, str]]:
    text = resources.files("summarizer").joinpath("data/fields.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return data["categories"], data["archives"]


def field_names(category: str) -> list[str]:
    """The field names of one category: its own, else its archive's, else the code itself (a
    category arXiv added after this table was written still names something)."""
    categories, archives = _table()
    if category in categories:
        return list(categories[category])
    archive = category.split(".", 1)[0]
    return [archives.get(archive, category)]


def join_names(names: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def field_of(categories: list[str] | tuple[str, ...]) -> str:
    """The field of a run over `categories`: their distinct names in configured order."""
    names = [name for category in categories for name in field_names(category)]
    return join_names(list(dict.fromkeys(names)))
