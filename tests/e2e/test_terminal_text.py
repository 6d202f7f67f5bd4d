"""Outside text on the terminal (issue #24, item 9): custom_ids and error messages from batch
result files, a provider's batch ids and failure reasons, file names from the user reach stderr
and stdout with every control character, escape sequence, bidi control and line separator shown
as an escape: no forged log line, no cleared screen, no window title, no rich markup."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from summarizer_standins.batch_hostile import FORGED_FAILURES, FORGED_IDS, FORGED_MESSAGE

from summarizer.app import console
from tests.support.cli import Run, Stage, assert_one_line_exit_2

Cli = Callable[..., Run]
DAY = "2026-01-07"
# What a terminal acts on: C0 but the newline, DEL, C1, bidi controls, line separators.
ACTS = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
# How the lines the hostile texts try to forge begin (each follows a newline in them).
FORGED_STARTS = ("WARNING summarizer.batch.collect: forged", "summarizer: error: forged")


def assert_inert(text: str) -> None:
    """Nothing in `text` acts on a terminal, and no line of it was forged by outside text."""
    found = sorted({f"U+{ord(c):04X}" for c in ACTS.findall(text)})
    assert not found, (found, text[-3000:])
    for line in text.splitlines():
        assert not line.lstrip().startswith(FORGED_STARTS), line


def test_forged_custom_ids_and_error_messages_are_shown_not_acted_on(
    batch_env: Stage, cli: Cli
) -> None:
    """Before: each unknown custom_id was logged raw (a forged WARNING line, a cleared screen, a
    window title), and a failed request's message went out as the provider wrote it."""
    batch_env.model.batch_api.hostile = "forged"
    run = cli("digest", "--date", DAY, "--batch", "-v")
    assert run.code == 0, run.err
    assert_inert(run.err + run.out)
    assert "\\x1b[2J\\x1b]0;pwned\\x07\\nsummarizer: error: forged" in run.err  # shown, as escapes
    unknown = [line for line in run.err.splitlines() if "name no request" in line]
    assert len(unknown) == 1 and repr(FORGED_IDS[0])[:60] in unknown[0], run.err
    assert f"{FORGED_FAILURES} lines of the output file" in run.err  # answered after failing
    assert batch_env.model.requests == FORGED_FAILURES  # those went live, as failures do


def test_a_providers_batch_ids_and_failure_reasons_are_plain_text(
    batch_env: Stage, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the escape sequences of the ids went out raw, and `[red]` in an id was taken as
    rich markup (a closing tag alone crashed the batches table)."""
    screen = io.StringIO()
    monkeypatch.setattr(console, "err", Console(file=screen, force_terminal=True, width=200))
    api = batch_env.model.batch_api
    api.id_prefix = "batch_\x1b]0;pwned\x07[red]\u202e"
    api.hostile_error = FORGED_MESSAGE
    run = cli("digest", "--date", DAY, "--batch")
    assert run.code == 0, run.err
    assert "\x1b]0;pwned" not in screen.getvalue() and "\u202e" not in screen.getvalue()
    assert "batch_\\x1b]0;pwned\\x07[red]\\u202e" in screen.getvalue()
    assert "failed: invalid_file: \\x1b[2J" in screen.getvalue()
    status = cli("batch", "status")
    assert status.code == 0, status.err
    assert_inert(status.out + status.err)
    assert "[red]" in status.out and "\\x1b]0;pwned" in status.out


def test_a_file_name_and_the_ids_in_an_imported_file_are_shown_not_acted_on(
    batch_env: Stage, cli: Cli, tmp_path: Path
) -> None:
    named = tmp_path / "results\x1b[2J\u202e.jsonl"
    named.write_text("".join(json.dumps({"custom_id": i}) + "\n" for i in FORGED_IDS), "utf-8")
    run = cli("batch", "import", str(named))
    assert run.code == 0, run.err
    assert_inert(run.err + run.out)
    assert f"{len(FORGED_IDS)} lines of" in run.err and "results\\x1b[2J\\u202e.jsonl" in run.err
    junk = tmp_path / "junk\x1b]0;title\x07\n.jsonl"
    junk.write_bytes(b"not json\n")
    refused = cli("batch", "import", str(junk))
    assert_one_line_exit_2(refused, "junk\\x1b]0;title\\x07")
    assert_inert(refused.err)
