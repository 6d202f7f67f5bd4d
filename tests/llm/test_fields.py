"""The reviewer's field the prompts name follows the configured categories."""

from __future__ import annotations

import pytest

from summarizer.llm.fields import (
    DEFAULT_CATEGORIES,
    DEFAULT_FIELD,
    _table,
    field_names,
    field_of,
    join_names,
)
from summarizer.llm.prompts import load_template
from summarizer.sources.settings import SourcesSettings, known_categories
from tests.support import build


def test_the_default_categories_give_todays_reviewer() -> None:
    assert field_of(DEFAULT_CATEGORIES) == DEFAULT_FIELD == "signal processing, speech and audio"
    assert list(DEFAULT_CATEGORIES) == SourcesSettings().categories


@pytest.mark.parametrize(
    ("categories", "field"),
    [
        (["cs.CL"], "natural language processing and computational linguistics"),
        (["cs.CV"], "computer vision and pattern recognition"),
        (["cs.SD"], "audio"),
        (["cs.SD", "eess.AS"], "audio and speech"),  # configured order, each name once
        (["cs.LG", "stat.ML"], "machine learning"),
        (["eess.SP", "cs.CL", "cs.LG"], "signal processing, natural language processing, "
         "computational linguistics and machine learning"),
    ],
)  # fmt: skip
def test_several_categories_name_their_fields_once_in_order(
    categories: list[str], field: str
) -> None:
    assert field_of(categories) == field


def test_every_known_category_has_a_field_of_its_own() -> None:
    named, archives = _table()
    assert sorted(known_categories() - named.keys()) == []
    assert all(names and all(n.strip() == n and n for n in names) for names in named.values())
    # a category arXiv adds later falls back to its archive's name, or names itself
    assert field_names("cs.XX") == ["computer science"] == [archives["cs"]]
    assert field_names("zz.QQ") == ["zz.QQ"]


def test_names_are_joined_as_english_lists() -> None:
    assert [join_names(n) for n in ([], ["a"], ["a", "b"], ["a", "b", "c"])] == [
        "",
        "a",
        "a and b",
        "a, b and c",
    ]


@pytest.mark.parametrize("kind", ["brief", "detailed"])
def test_the_system_prompt_names_the_field_of_the_run(kind: str) -> None:
    template = load_template(kind)  # type: ignore[arg-type]
    paper = build.paper()
    system, _ = template.render(paper=paper, language="zh", field=field_of(["cs.CL"]))
    assert "expert reviewer of natural language processing and computational linguistics" in system
    assert not any(word in system.lower() for word in ("signal", "speech", "audio"))
    default, _ = template.render(paper=paper, language="zh")
    assert "expert reviewer of signal processing, speech and audio research" in default
