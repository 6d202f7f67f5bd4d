"""The glossary: the file read line by line, terms found in a paper, avoided variants replaced."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.errors import InputError
from summarizer.core.records import Usage
from summarizer.llm.answers import read_answer
from summarizer.llm.client import Completion
from summarizer.llm.glossary import Glossary, default_terms, load_glossary, merge
from summarizer.llm.glossary_file import Term, parse_glossary, read_glossary
from tests.support import build

OWN = "term,zh,avoid\nbeamforming,波束成形,波束赋形\ntoken,词元,令牌|标记\n"


def glossary(text: str = OWN, *, language: str = "zh", tmp_path: Path) -> Glossary:
    path = tmp_path / "glossary.csv"
    path.write_text(text, "utf-8")
    return load_glossary(path, language=language)


# --- the file --------------------------------------------------------------------------------


def test_a_glossary_file_with_comments_blank_lines_and_a_bom() -> None:
    text = (
        "\ufeff# mine\nterm,zh,avoid\n\n# speech\n"
        "Speech Enhancement , 语音增强 ,\nagent,智能体,代理 | 代理人\n"
    )
    entries = parse_glossary(text, source="g.csv")
    assert entries == [
        Term("Speech Enhancement", "语音增强", (), 5),
        Term("agent", "智能体", ("代理", "代理人"), 6),
    ]
    assert parse_glossary("term,zh\nagent,智能体\n", source="g.csv")[0].avoid == ()


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("beamforming,波束成形\n", 1, "the first row must be the header term,zh,avoid"),
        ("term,zh,avoid,note\n", 1, "the header term,zh,avoid"),
        ("", 0, "it is empty"),
        ("# only a comment\n", 0, "it is empty"),
        ("term,zh,avoid\n\nbeamforming,,\n", 3, "both term and zh are needed"),
        ("term,zh,avoid\nbeamforming,波束成形,x,y\n", 2, "4 cells where the header has 3"),
        ("term,zh,avoid\nBeam-forming,波束成形,\n# x\nbeam forming,波束形成,\n", 4,
         "'beam forming' is already on line 2"),
        ("term,zh,avoid\nagent,智能体,代理\nproxy,代理,\n", 2,
         "'代理' is avoided here but is the rendering of 'proxy' on line 3"),
        ("term,zh,avoid\nagent,智能体,智能体\n", 2, "both the rendering and a variant"),
        ("term,zh,avoid\n波束,波束成形,\n", 2, "must be English words"),
        ("term,zh,avoid\nC++,波束成形,\n", 2, "must be English words"),
        ("term,zh,avoid\nbeam\x1bforming,波束成形,\n", 2, "control character"),
        ('term,zh,avoid\n"beamforming,波束成形,\n', 2, "not valid CSV"),
    ],
)  # fmt: skip
def test_a_bad_glossary_is_one_line_naming_the_line(text: str, line: int, why: str) -> None:
    with pytest.raises(InputError) as info:
        parse_glossary(text, source="mine.csv (SUMMARIZER_GLOSSARY)")
    message = str(info.value)
    where = f"mine.csv (SUMMARIZER_GLOSSARY) line {line}:" if line else "(SUMMARIZER_GLOSSARY):"
    assert where in message and why in message and "\n" not in message


def test_an_unreadable_or_non_utf8_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read it"):
        read_glossary(tmp_path / "missing.csv")
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"term,zh,avoid\nagent,x,\nbeam,\xe9t\xe9,\n")
    with pytest.raises(InputError, match=r"latin1.csv \(SUMMARIZER_GLOSSARY\) line 3: not UTF-8"):
        read_glossary(path)


def test_the_default_glossary_loads_and_covers_the_drift_cases() -> None:
    terms = {t.term: t for t in default_terms()}
    assert len(terms) >= 100
    assert terms["token"].zh == "词元" and terms["agent"].zh == "智能体"
    assert terms["beamforming"].zh == "波束形成"
    assert "grounding" not in terms  # 接地 in circuits, 定位 or 落地 in machine learning
    # it guides Chinese summaries only
    assert load_glossary(None, language="en").guide == ()
    assert not load_glossary(None, language="zh").corrects


# --- finding terms ---------------------------------------------------------------------------


def test_terms_are_found_case_insensitively_on_word_boundaries(tmp_path: Path) -> None:
    found = glossary(language="en", tmp_path=tmp_path).terms_in  # the reader's entries alone
    text = "MVDR-Beamforming with TOKENS, speech-to-token models; not tokenizers nor beamformingX"
    assert [t.term for t in found(text)] == ["beamforming", "token"]
    assert found("tokenizer beamformed xbeamforming") == []


def test_the_longest_term_wins_and_spellings_meet() -> None:
    default = load_glossary(None, language="zh")
    text = "Large-Language-Models, pretraining for automatic speech recognition; speech synthesis"
    assert [t.term for t in default.terms_in(text)] == [
        "large language model",
        "pre-training",
        "automatic speech recognition",
        "speech synthesis",
    ]
    assert default.terms_in("speech, enhancement") == []  # words joined by punctuation: no term


def test_a_papers_terminology_lists_its_terms_with_the_readers_renderings(tmp_path: Path) -> None:
    mine = glossary(tmp_path=tmp_path)
    paper = build.paper(title="Neural Beamforming", abstract="We use speech enhancement tokens.")
    assert mine.terminology(paper) == (
        "\nTerminology (render these terms as given):\n"
        "beamforming → 波束成形\nspeech enhancement → 语音增强\ntoken → 词元\n"
    )
    assert mine.terminology(build.paper(title="Plain", abstract="Nothing of note.")) == ""


FILLER = st.sampled_from(["we", "propose", "a", "novel", "method", "for", "arrays", "with", "7"])


@settings(max_examples=150, deadline=None)
@given(
    term=st.sampled_from([t for t in default_terms() if t.term.isascii()]),
    before=st.lists(FILLER, max_size=6),
    after=st.lists(FILLER, max_size=6),
    upper=st.lists(st.booleans(), min_size=60, max_size=60),
    plural=st.booleans(),
    hyphens=st.booleans(),
)
def test_a_default_term_is_found_however_it_is_cased_joined_or_pluralized(
    term: Term, before: list[str], after: list[str], upper: list[bool], plural: bool, hyphens: bool
) -> None:
    written = term.term.replace(" ", "-") if hyphens else term.term
    written = "".join(c.upper() if u else c for c, u in zip(written, upper * 4, strict=False))
    text = " ".join([*before, written + ("s" if plural else ""), *after])
    found = load_glossary(None, language="zh").terms_in(text)
    assert term in found or any(
        len(other.term) > len(term.term) and term.term.casefold() in other.term.casefold()
        for other in found
    ), (text, found)


def every_position(glossary: Glossary, text: str) -> list[Term]:
    """The walk `terms_in` makes, tried at every word (no candidate filter)."""
    from summarizer.llm.glossary_file import WORD

    between = WORD.split(text)
    words = [w.casefold() for w in WORD.findall(text)]
    found: dict[str, Term] = {}
    at = 0
    while at < len(words):
        best, span = glossary._longest_at(between, words, at)
        if best is not None:
            found.setdefault(best.term, best)
        at += span if best is not None else 1
    return list(found.values())


TERM_WORDS = sorted({w for t in default_terms() for w in t.term.casefold().split()})


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(TERM_WORDS)
        | st.sampled_from(TERM_WORDS).map(lambda w: w + "s")
        | FILLER
        | st.sampled_from(["s", "es", "-", "pre", "ß"]),
        max_size=30,
    ),
    st.lists(st.sampled_from([" ", "-", " - ", ", ", "", "\n"]), min_size=30, max_size=30),
)
def test_only_the_words_that_can_start_an_entry_are_walked_and_nothing_is_lost(
    pieces: list[str], joiners: list[str]
) -> None:
    text = "".join(p + j for p, j in zip(pieces, joiners, strict=False))
    default = load_glossary(None, language="zh")
    assert default.terms_in(text) == every_position(default, text), text


# --- correcting ------------------------------------------------------------------------------


def test_avoided_variants_are_replaced_in_every_string_value_never_a_key(tmp_path: Path) -> None:
    mine = glossary(tmp_path=tmp_path)
    answer = {
        "translation": "提出一种波束赋形方法，每个令牌……",
        "background": [{"label": "令牌", "text": "标记与波束成形", "points": []}],
        "令牌": 3,
    }
    fixed, count = mine.correct(answer)
    assert fixed == {
        "translation": "提出一种波束成形方法，每个词元……",
        "background": [{"label": "词元", "text": "词元与波束成形", "points": []}],
        "令牌": 3,
    }
    assert count == 4
    assert mine.correct(fixed) == (fixed, 0)


def test_a_latin_variant_is_replaced_as_a_word_and_left_beside_its_rendering(
    tmp_path: Path,
) -> None:
    mine = glossary("term,zh,avoid\ntoken,词元,token\n", tmp_path=tmp_path)
    assert mine.correct("每个 token 与 Tokens；tokenizer；词元（token）；词元 (Tokens)") == (
        "每个 词元 与 词元；tokenizer；词元（token）；词元 (Tokens)",
        2,
    )


def test_a_variant_inside_the_rendering_is_not_touched(tmp_path: Path) -> None:
    mine = glossary("term,zh,avoid\nbeamforming,波束成形,波束|成形\n", tmp_path=tmp_path)
    assert mine.correct("波束成形；波束；成形") == ("波束成形；波束成形；波束成形", 2)


def test_the_readers_entries_override_the_default_ones(tmp_path: Path) -> None:
    mine = glossary(tmp_path=tmp_path)
    by_term = {t.term: t for t in mine.guide}
    assert by_term["beamforming"].zh == "波束成形"  # not the default 波束形成
    assert by_term["speech enhancement"].zh == "语音增强"  # the default's, kept
    assert [t.term for t in mine.fixes] == ["beamforming", "token"]
    # a default entry whose rendering the reader avoids would ask for what is then undone
    avoided = merge([Term("proxy", "代理")], [Term("agent", "智能体", ("代理",))])
    assert [t.term for t in avoided.guide] == ["agent"]


def test_a_parsed_answer_is_corrected_before_it_is_checked(tmp_path: Path) -> None:
    mine = glossary(tmp_path=tmp_path)
    text = (
        '{"tldr": "提出波束赋形方法", "motivation": "令牌太多", "method": "用标记",'
        ' "result": "很好", "conclusion": "有效"}'
    )
    answer = read_answer(
        Completion(text=text, finish_reason="stop", usage=Usage()),
        kind="brief",
        language="zh",
        glossary=mine,
    )
    assert answer.corrections == 3
    assert answer.summary.model_dump()["tldr"] == "提出波束成形方法"
    plain = read_answer(
        Completion(text=text, finish_reason="stop", usage=Usage()), kind="brief", language="zh"
    )
    assert plain.corrections == 0 and "波束赋形" in plain.summary.model_dump()["tldr"]


# Each word of a generated glossary has characters of its own, so a variant can only occur in
# the text where it was put: the corrected text is then known piece by piece.
@st.composite
def glossary_and_text(draw: st.DrawFn) -> tuple[Glossary, list[tuple[str, str]]]:
    next_char = iter(range(0x4E00, 0x9FFF))

    def word() -> str:
        return "".join(chr(next(next_char)) for _ in range(draw(st.integers(1, 4))))

    entries = []
    for number in range(draw(st.integers(1, 4))):
        zh, variants = word(), [word() for _ in range(draw(st.integers(1, 3)))]
        entries.append(Term(f"term{number}", zh, tuple(variants), number + 1))
    pieces = [(t.zh, t.zh) for t in entries]
    pieces += [(v, t.zh) for t in entries for v in t.avoid]
    pieces += [(f, f) for f in ("，", "。", "the ", "12.5 dB", "（", "）")]
    text = draw(st.lists(st.sampled_from(pieces), max_size=30))
    return merge([], entries), text


@settings(max_examples=200, deadline=None)
@given(case=glossary_and_text())
def test_correcting_replaces_exactly_the_variants(
    case: tuple[Glossary, list[tuple[str, str]]],
) -> None:
    mine, pieces = case
    text = "".join(piece for piece, _ in pieces)
    fixed, count = mine.correct({"tldr": text, "points": [text]})
    expected = "".join(rendering for _, rendering in pieces)
    assert fixed == {"tldr": expected, "points": [expected]}
    assert count == 2 * sum(piece != rendering for piece, rendering in pieces)
    assert mine.correct(fixed) == (fixed, 0)  # idempotent
    assert not any(v in expected.replace(t.zh, "") for t in mine.fixes for v in t.avoid)


def test_a_plural_is_s_or_es_and_nothing_else() -> None:
    default = load_glossary(None, language="zh")
    assert [t.term for t in default.terms_in("Beamformings and beamformingses")] == ["beamforming"]
    assert default.terms_in("beamformingxs beamformingss") == []
