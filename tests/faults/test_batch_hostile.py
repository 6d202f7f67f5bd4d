"""Batch result files from a hostile or broken source (issue #24, items 3, 9 and 10): an output
file that never ends (in lines, or in one line), one holding a line far past any answer, a flood
of lines naming nobody's requests; `batch import` of /dev/zero, of a million such lines, of a file
with no result in it. Each is read with a cap: memory stays flat (measured in a child process),
what was not read is asked again, and what stored nothing is told in one line, not a line each."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import Run, Stage, assert_one_line_exit_2, child_env, clean_environ
from tests.support.files import GOLDEN, STORE_FILE
from tests.support.memory import run_measured

Cli = Callable[..., Run]
DAY = "2026-01-07"


def _outcomes(out: Path) -> dict[str, int]:
    with sqlite3.connect(out / STORE_FILE) as conn:
        rows = conn.execute("SELECT outcome, COUNT(*) FROM batch_requests GROUP BY outcome")
        return dict(rows.fetchall())


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("WARNING")]


def _golden_digest(stage: Stage) -> bool:
    return (stage.out / f"{DAY}.md").read_bytes() == (GOLDEN / "toc-2026-01-07.md").read_bytes()


def test_an_endless_output_file_is_cut_and_what_it_left_is_asked_again(
    batch_env: Stage, cli: Cli
) -> None:
    """The real answers, then lines naming nobody's requests that never end: the download
    stops at the file's cap, the answers before it are stored, one warning says so."""
    batch_env.model.batch_api.hostile = "endless-lines"
    run = cli("digest", "--date", DAY, "--batch")
    assert run.code == 0, run.err
    assert batch_env.model.requests == 0 and _golden_digest(batch_env)
    warnings = _warnings(run.err)
    assert len(warnings) == 2, run.err  # the line cut in two is not one of them
    assert "larger than" in warnings[0] and "the rest of it is not read" in warnings[0]
    assert "name no request of that batch" in warnings[1] and "'nobody-0'" in warnings[1]


def test_an_output_file_ending_in_an_endless_line_stays_under_500_mb(
    batch_env: Stage, isolated: Path
) -> None:
    """The real command in a child: the answers, then one line that never ends. Before the
    caps the download filled the disk and never finished."""
    batch_env.model.batch_api.hostile = "endless-line"
    env = child_env(batch_env, SUMMARIZER_BATCH_POLL="0.05")
    child = run_measured(["digest", "--date", DAY, "--batch"], env=env, cwd=isolated)
    assert child.code == 0, child.err
    assert child.within_limit, child.peak_mib
    assert "Traceback" not in child.err and _golden_digest(batch_env)
    assert batch_env.model.requests == 0
    (stopped,) = _warnings(child.err)
    assert "larger than" in stopped and "the rest of it is not read" in stopped


def test_a_result_line_past_any_answer_is_an_error_line_asked_again_live(
    batch_env: Stage, cli: Cli
) -> None:
    batch_env.model.batch_api.hostile = "oversized"
    run = cli("digest", "--date", DAY, "--batch")
    assert run.code == 0, run.err
    assert _outcomes(batch_env.out) == {"ok": 26, "failed": 1}
    assert batch_env.model.requests == 1 and _golden_digest(batch_env)


def test_a_flood_of_lines_naming_nobody_is_one_warning(batch_env: Stage, cli: Cli) -> None:
    api = batch_env.model.batch_api
    api.hostile, api.flood = "flood", 100_000
    run = cli("digest", "--date", DAY, "--batch")
    assert run.code == 0, run.err
    assert batch_env.model.requests == 0 and _golden_digest(batch_env)
    (warning,) = _warnings(run.err)
    assert "100,000 lines of the output file of batch" in warning, warning
    assert run.err.count("nobody") == 1, run.err[:2000]


def test_a_file_id_naming_another_path_writes_and_deletes_nothing_there(
    batch_env: Stage, cli: Cli
) -> None:
    """The provider's file id named the local copy: `../precious` made the run overwrite, then
    delete, `precious.jsonl` beside the store."""
    precious = batch_env.out / "precious.jsonl"
    precious.parent.mkdir(parents=True)
    precious.write_bytes(b"my own notes\n")
    batch_env.model.batch_api.output_id = "../precious"
    run = cli("digest", "--date", DAY, "--batch")
    assert run.code == 0, run.err
    assert precious.read_bytes() == b"my own notes\n"
    assert batch_env.model.requests == 0 and _golden_digest(batch_env)


def _import_env(isolated: Path) -> dict[str, str]:
    return {
        **clean_environ(),
        "SUMMARIZER_OUTPUT_DIR": str(isolated / "out"),
        "OPENAI_API_KEY": "sk-test-0123456789abcdef",
    }


def test_importing_dev_zero_is_one_line_and_flat_memory(isolated: Path) -> None:
    """Before: the whole of /dev/zero read as one line, a MemoryError traceback."""
    child = run_measured(["batch", "import", "/dev/zero"], env=_import_env(isolated), cwd=isolated)
    assert child.code == 2, child.err
    lines = child.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in child.err, child.err[-2000:]
    assert "not a batch results file" in lines[0] and "never ending" in lines[0]
    assert child.within_limit, child.peak_mib


def test_importing_a_million_lines_naming_nobody_is_one_warning(isolated: Path) -> None:
    """Before: a warning a line, and every custom_id of the file held in memory at once."""
    results = isolated / "results.jsonl"
    with results.open("w", encoding="ascii") as out:
        out.writelines(f'{{"custom_id": "nobody-{n}"}}\n' for n in range(1_000_000))
    child = run_measured(["batch", "import", str(results)], env=_import_env(isolated), cwd=isolated)
    assert child.code == 0, child.err[-2000:]
    lines = child.err.strip().splitlines()
    assert len(lines) == 2, child.err[:2000]
    assert lines[0] == (
        f"summarizer: warning: 1,000,000 lines of {results} name no request of this store; "
        "ignored (first: 'nobody-0')"
    )
    assert "1,000,000 not from an exported file" in lines[1]
    assert child.within_limit, child.peak_mib


def test_importing_a_file_with_no_result_is_one_line_exit_2(
    batch_env: Stage, cli: Cli, tmp_path: Path
) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_bytes(b"\x00\x01 not json\n[1, 2]\n" + b"{broken\n" * 1000)
    assert_one_line_exit_2(
        cli("batch", "import", str(junk)), "not a batch results file", "1,002 lines"
    )


@pytest.mark.parametrize("size", [5 << 20, 80 << 20])
def test_an_overlong_line_is_skipped_or_ends_the_file(tmp_path: Path, size: int) -> None:
    """A line past the line cap is read past (a slice at a time) when it ends within the skip
    limit; one that runs on further ends the reading there."""
    from summarizer.llm.batch_results import SKIP_BYTES, ResultFile

    path = tmp_path / "r.jsonl"
    with path.open("wb") as out:
        out.write(b'{"id": "a", "custom_id": "first", "error": {"code": "x"}}\n')
        out.write(b'{"id": "b", "custom_id": "long\\n\\u001b", "pad": "')
        out.truncate(out.tell() + size)
        out.seek(0, 2)
        out.write(b'"}\n{"custom_id": "last", "error": {"code": "x"}}\n')
    lines = ResultFile(path)
    ids = [line.custom_id for line in lines]
    if size < SKIP_BYTES:
        assert ids == ["first", "long\n\x1b", "last"] and lines.stopped is None
    else:
        assert ids == ["first", "long\n\x1b"] and "never ending" in (lines.stopped or "")
