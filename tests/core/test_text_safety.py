"""`visible`: outside text made safe for a terminal (issue #24, item 9), and the error line that
prints every failure through it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarizer.core.redaction import error_line
from summarizer.core.text_safety import visible

ACTS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


@given(st.text())
def test_a_line_made_visible_holds_nothing_a_terminal_acts_on(text: str) -> None:
    shown = visible(text)
    assert ACTS.search(shown) is None
    if ACTS.search(text) is None:
        assert shown == text  # ordinary text, Chinese included, is left as it is


@given(st.text())
def test_lines_made_visible_keep_their_line_breaks_only(text: str) -> None:
    shown = visible(text, lines=True)
    assert shown.count("\n") == text.count("\n")
    assert ACTS.search(shown.replace("\n", "")) is None


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\x1b[2Jb", "a\\x1b[2Jb"),
        ("x\nWARNING forged", "x\\nWARNING forged"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("\u202egnp.exe", "\\u202egnp.exe"),
        ("one\u2028two\r\t\x9b\x7f", "one\\u2028two\\r\\t\\x9b\\x7f"),
        ("摘要：语音增强", "摘要：语音增强"),
    ],
)
def test_what_each_control_looks_like(text: str, shown: str) -> None:
    assert visible(text) == shown


def test_the_error_line_shows_escapes() -> None:
    assert error_line("HTTP 400: \x1b[2J\x1b]0;t\x07 bad\u202e") == (
        "summarizer: error: HTTP 400: \\x1b[2J\\x1b]0;t\\x07 bad\\u202e"
    )
