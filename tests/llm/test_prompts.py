"""Prompt templates are files, validated when loaded, versioned into the cache key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from summarizer.core.errors import InputError
from summarizer.llm.glossary import load_glossary
from summarizer.llm.prompts import load_template, parse_template
from summarizer.llm.request import Guidance, messages_for
from tests.support import build

PAPER = build.paper(
    title="A Title",
    categories=["eess.SP", "cs.SD"],
    published=datetime(2026, 1, 5, 20, tzinfo=UTC),
    abstract="We study $x_1$ & <y>.",
)
GOOD = (
    'name = "brief"\nversion = "7"\nsystem = "Write in $language."\nuser = "$title\\n$abstract"\n'
)


@pytest.mark.parametrize("kind", ["brief", "detailed"])
def test_shipped_templates_load_and_put_the_paper_last(kind: str) -> None:
    template = load_template(kind)  # type: ignore[arg-type]
    system, user = template.render(paper=PAPER, language="zh")
    other = PAPER.model_copy(update={"title": "Other", "abstract": "Different."})
    assert template.render(paper=other, language="zh")[0] == system  # identical for every paper
    assert "Simplified Chinese" in system and PAPER.title not in system
    assert user.endswith(PAPER.abstract)
    assert template.cache_version.startswith(f"{kind}@")


def test_full_text_goes_after_the_abstract() -> None:
    _, user = load_template("brief").render(paper=PAPER, language="zh", body="BODY TEXT")
    assert user.index(PAPER.abstract) < user.index("BODY TEXT")
    assert user.endswith("BODY TEXT")


def test_version_changes_with_content() -> None:
    one = parse_template(GOOD, source="t")
    two = parse_template(GOOD.replace("Write", "Please write"), source="t")
    assert one.version == two.version == "7"
    assert one.cache_version != two.cache_version


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (GOOD.replace("$title", "$titel"), "unknown variables ['titel']"),
        (GOOD.replace("$abstract", ""), "must use ['abstract']"),
        (GOOD.replace('version = "7"\n', ""), "missing key 'version'"),
        (GOOD.replace("$language.", "$ 5"), "stray '$'"),
        (GOOD.replace("Write in $language.", "Review $title."), "may use only"),
        (GOOD.replace("Write in $language.", "$terminology"), "not ['terminology']"),
        ("name = ", "bad prompt template"),
    ],
)
def test_bad_templates_are_rejected_with_the_reason(text: str, complaint: str) -> None:
    with pytest.raises(InputError, match="bad prompt template") as info:
        parse_template(text, source="prompts/brief.toml")
    assert complaint in str(info.value)


def test_a_papers_terms_go_after_its_abstract_and_before_its_body() -> None:
    paper = PAPER.model_copy(update={"abstract": "Neural beamforming for speech enhancement."})
    guidance = Guidance(glossary=load_glossary(None, language="zh"))
    _, user = (m["content"] for m in messages_for("brief", paper, language="zh", body="BODY",
                                                  guidance=guidance))  # fmt: skip
    terms = "Terminology (render these terms as given):\nbeamforming → 波束形成\n"
    assert f"{paper.abstract}\n\n{terms}speech enhancement → 语音增强\n\nFull text" in user
    # a paper with no term: the request is what it would be without any glossary
    plain = [m["content"] for m in messages_for("brief", PAPER, language="zh")]
    assert [
        m["content"] for m in messages_for("brief", PAPER, language="zh", guidance=guidance)
    ] == (plain)
    assert "Terminology" not in plain[1]
