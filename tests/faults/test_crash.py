"""Crash safety with real processes: SIGKILL at any moment leaves every output file whole (the old
bytes or the new), the SQLite store consistent, and the next run asks the model only for what was
not stored yet; two runs on one output directory at once cannot corrupt it."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from summarizer_standins import load_fixture, synthetic_answer

from tests.support.cli import Stage
from tests.support.files import GOLDEN, files_under, stored_briefs

pytestmark = pytest.mark.skipif(
    os.name != "posix", reason="SIGKILL and fsync of directories: POSIX"
)
DAY = "2026-01-07"


def spawn(*args: str, cwd: Path) -> subprocess.Popen[bytes]:
    """`python -m summarizer ARGS` in a new process, with this process's environment (which
    the `stage` fixture points at the stand-ins)."""
    return subprocess.Popen(
        [sys.executable, "-m", "summarizer", *args],
        cwd=cwd,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_until(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.002)
    return False


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


# --- the primitive: an atomic write killed at random moments -----------------------------------

WRITER = """
import sys
from pathlib import Path
from summarizer.publish.files import write_atomic_bytes
path = Path(sys.argv[1])
versions = [b"A" * 3_000_000 + b"\\n", b"B" * 2_000_000 + b"\\n"]
print("ready", flush=True)
i = 0
while True:
    write_atomic_bytes(path, versions[i % 2])
    i += 1
"""


def test_sigkill_during_atomic_writes_leaves_a_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "digest.md"
    whole = {b"A" * 3_000_000 + b"\n", b"B" * 2_000_000 + b"\n"}
    target.write_bytes(b"B" * 2_000_000 + b"\n")
    rng = random.Random(5)
    for _ in range(8):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, cwd=tmp_path
        )
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert target.read_bytes() in whole
    # what a kill can leave behind is a hidden temporary file beside it, never a partial target
    assert {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")} == {"digest.md"}


# --- the digest killed at any moment -----------------------------------------------------------


def test_sigkill_at_any_moment_then_rerun_completes_without_paying_twice(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = isolated / "reference"
    assert cli("digest", "--date", DAY, "--out", str(reference)).code == 0
    new = files_under(reference)
    assert new[f"{DAY}.md"] == (GOLDEN / f"toc-{DAY}.md").read_bytes()

    # the old files: a first run in which one paper failed
    victim = load_fixture("sample-toc").records[3]
    english = synthetic_answer("brief", victim.paper.title, english=True)
    stage.model.add_answer(victim.paper.title, brief=english)
    assert cli("digest", "--date", DAY).code == 1
    old = files_under(stage.out)
    assert old.keys() == new.keys() and old != new
    db = stage.out / "summarizer.sqlite3"

    # then the answer is fixed and the store forgets most summaries, so there is work to kill
    # (the day's JSON lines go too: they would refill the store for free)
    stage.model.add_answer(victim.paper.title, brief=victim.brief)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM summaries WHERE rowid % 5 != 0")
    (stage.out / "data" / f"{DAY}.jsonl").unlink()
    stage.model.latency = (0.02, 0.01)
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "3")

    rng = random.Random(3)
    kills = 0
    for after in (1, 4, 8, "answered"):
        before = stored_briefs(db)
        todo = 27 - len(before)
        stage.model.reset_counters()
        child = spawn("digest", "--date", DAY, cwd=isolated)
        if after == "answered":  # every answer in: killed while storing and writing files
            wait_until(lambda todo=todo: stage.model.requests >= todo)
            time.sleep(rng.uniform(0.0, 0.05))
        else:
            wait_until(lambda after=after: stage.model.requests >= after)
        child.send_signal(signal.SIGKILL)
        child.wait()
        kills += child.returncode == -signal.SIGKILL
        for name, data in files_under(stage.out).items():
            assert data in (old[name], new[name]), f"{name} is neither the old nor the new file"
        assert integrity(db) == "ok"
        assert before <= stored_briefs(db), "a kill never loses a stored summary"
    assert kills >= 3, "the runs were killed, not finished"

    # the next run asks only for what was not stored, and writes the new files
    missing = {r.paper.title for r in load_fixture("sample-toc").records} - {
        r.paper.title for r in load_fixture("sample-toc").records if r.paper.id in stored_briefs(db)
    }
    stage.model.reset_counters()
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert set(stage.model.by_paper) == missing and stage.model.requests == len(missing)
    assert files_under(stage.out) == new
    assert integrity(db) == "ok"


# --- two runs at once ----------------------------------------------------------------------------


def test_two_runs_on_one_output_directory_at_once(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fmt = "all"  # every file: the TOC digest, the Jekyll post, the JSON lines
    reference = isolated / "reference"
    assert cli("digest", "--date", DAY, "--format", fmt, "--out", str(reference)).code == 0
    expected = files_under(reference)
    stage.model.reset_counters()
    stage.model.latency = (0.01, 0.005)  # both runs are summarizing at the same time
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "4")
    runs = [spawn("digest", "--date", DAY, "--format", fmt, cwd=isolated) for _ in range(2)]
    results = [(child.wait(timeout=60), *child.communicate()) for child in runs]
    for code, _, err in results:
        text = err.decode("utf-8", "replace")
        assert "Traceback" not in text, text
        if code != 0:  # allowed: a clean one-line refusal
            assert code in (1, 2, 3) and len(text.strip().splitlines()) == 1, text
    assert any(code == 0 for code, _, _ in results)
    assert files_under(stage.out) == expected
    db = stage.out / "summarizer.sqlite3"
    assert integrity(db) == "ok"
    with sqlite3.connect(db) as conn:
        for kind in ("brief", "detailed"):
            count = conn.execute("SELECT COUNT(*) FROM summaries WHERE kind=?", (kind,)).fetchone()
            assert count[0] == 27
    # and a third run finds everything done
    stage.model.reset_counters()
    again = cli("digest", "--date", DAY, "--format", fmt)
    assert again.code == 0 and stage.model.requests == 0
    assert files_under(stage.out) == expected
