"""The console (app.console): every message and log line printed through `visible`, so outside
text in it is shown, not acted on (issue #24, item 9); a message is one line unless it says
otherwise, a traceback keeps its lines."""

from __future__ import annotations

import io
import logging
import re

import pytest
from rich.console import Console

from summarizer.app import console

ACTS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def test_the_console_and_the_log_show_outside_text_on_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(console, "err", Console(file=screen, highlight=False, width=200))
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        console.configure_logging(0)
        logging.getLogger("summarizer.test").warning("id %s", "x\nWARNING forged\x1b[2J")
        try:
            raise ValueError("boom\x1b[2J")
        except ValueError:
            logging.getLogger("summarizer.test").exception("failed: %s", "y\u202e")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    console.say("batch \x1b]0;t\x07 done")
    console.warn("file \x1b[2J\nsummarizer: error: forged")
    lines = screen.getvalue().splitlines()
    assert lines[0] == "WARNING summarizer.test: id x\\nWARNING forged\\x1b[2J"
    assert lines[1] == "ERROR summarizer.test: failed: y\\u202e"
    assert lines[2] == "Traceback (most recent call last):"  # a traceback keeps its lines
    assert "ValueError: boom\\x1b[2J" in lines
    assert lines[-2:] == [
        "batch \\x1b]0;t\\x07 done",
        "summarizer: warning: file \\x1b[2J\\nsummarizer: error: forged",
    ]
    assert ACTS.search(screen.getvalue().replace("\n", "")) is None


def test_a_message_of_ours_in_lines_keeps_them(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(console, "err", Console(file=screen, highlight=False, width=200))
    console.say("first\n  second \x1b[2J", lines=True)
    assert screen.getvalue().splitlines() == ["first", "  second \\x1b[2J"]
