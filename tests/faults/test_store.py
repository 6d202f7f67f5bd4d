"""Store and filesystem faults (issue #10): a store that is not ours is refused in one line and left
untouched; a disk that cannot be written stops the run in one line after the answers are stored,
and a failed file write leaves the old file whole."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest

from summarizer.publish import files
from tests.support.cli import Stage, assert_one_line
from tests.support.files import GOLDEN

DAY = "2026-01-07"


def foreign_schema(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE papers (title TEXT, year INTEGER)")
        conn.execute("INSERT INTO papers VALUES ('x', 1999)")


def other_program(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.write_bytes(os.urandom(8192)), ["not an SQLite database"]),
        (lambda p: p.write_text("my notes\n" * 100), ["not an SQLite database"]),
        (foreign_schema, ["not a summarizer store", "other columns"]),
        (other_program, ["not a summarizer store"]),
    ],
    ids=["random-bytes", "text-file", "foreign-schema", "other-program"],
)
def test_a_store_that_is_not_ours_is_one_line_and_untouched(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    isolated: Path,
    make,  # type: ignore[no-untyped-def]
    words: list[str],
) -> None:
    store = isolated / "elsewhere.db"
    make(store)
    before = store.read_bytes()
    for command in (("digest", "--date", DAY), ("paper", stage.arxiv.papers[0].id)):
        run = cli(*command, "--cache", str(store))
        assert_one_line(run, 2, str(store), "SUMMARIZER_CACHE", *words)
    assert store.read_bytes() == before
    assert sorted(p.name for p in isolated.iterdir() if p.name.startswith("elsewhere")) == [
        "elsewhere.db"
    ]
    assert stage.model.requests == 0, "refused before paying for anything"


def test_a_truncated_store_is_one_line_and_untouched(stage: Stage, cli, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("digest", "--date", DAY).code == 0
    real = stage.out / "summarizer.sqlite3"
    with sqlite3.connect(real) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = isolated / "copy.sqlite3"
    data = real.read_bytes()
    copy.write_bytes(data[: len(data) // 2])
    before = copy.read_bytes()
    run = cli("digest", "--date", DAY, "--cache", str(copy), "--out", str(isolated / "o2"))
    assert_one_line(run, 2, str(copy), "damaged")
    assert copy.read_bytes() == before


def test_a_store_in_an_impossible_place_is_one_line(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("digest", "--date", DAY, "--cache", "/proc/summarizer/store.sqlite3")
    assert_one_line(run, 3, "/proc/summarizer/store.sqlite3")
    assert stage.model.requests == 0


@pytest.mark.parametrize("where", ["/proc/summarizer-out", "/proc/self/status/out"])
def test_an_output_directory_under_proc_is_one_line(
    stage: Stage, cli, isolated: Path, where: str
) -> None:  # type: ignore[no-untyped-def]
    run = cli("digest", "--date", DAY, "--out", where, "--cache", str(isolated / "s.sqlite3"))
    assert_one_line(run, 3, where)
    # the answers were stored before any file was tried: the next run pays nothing
    stage.model.reset_counters()
    assert cli("digest", "--date", DAY, "--cache", str(isolated / "s.sqlite3")).code == 0
    assert stage.model.requests == 0


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.ENOSPC, "No space left"), (errno.EROFS, "Read-only file system")],
    ids=["disk-full", "read-only"],
)
def test_a_full_or_read_only_disk_keeps_the_old_file_and_the_answers(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    words: str,
) -> None:
    old = b"yesterday's digest, whole\n" * 1000
    target = stage.out / f"{DAY}.md"
    target.parent.mkdir(parents=True)
    target.write_bytes(old)
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(files.os, "fsync", failing_fsync)
    run = cli("digest", "--date", DAY)
    assert_one_line(run, 3, str(target), words, "summaries are stored")
    assert target.read_bytes() == old
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]
    assert stage.model.requests == 27

    monkeypatch.setattr(files.os, "fsync", real_fsync)
    stage.model.reset_counters()
    assert cli("digest", "--date", DAY).code == 0
    assert stage.model.requests == 0
    assert target.read_bytes() == (GOLDEN / f"toc-{DAY}.md").read_bytes()


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("database or disk is full", "the disk is full"),
        ("attempt to write a readonly database", "read-only"),
    ],
)
def test_a_store_that_cannot_be_written_mid_run_is_one_line(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    error: str,
    words: str,
) -> None:
    from summarizer.store import writer as store_writer

    def failing(conn: sqlite3.Connection, summaries: object) -> None:
        raise sqlite3.OperationalError(error)

    monkeypatch.setattr(store_writer, "insert_summaries", failing)
    run = cli("digest", "--date", DAY)
    assert_one_line(run, 3, "summarizer.sqlite3", words)
    assert not (stage.out / f"{DAY}.md").exists(), "no digest without its summaries stored"


def test_a_store_locked_past_a_generous_wait_is_one_line_before_paying(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from summarizer.store import guard as store_guard

    assert cli("digest", "--date", DAY, "--categories", "eess.AS").code == 0
    monkeypatch.setattr(store_guard, "BUSY_SECONDS", 0.1)
    monkeypatch.setattr(store_guard, "LOCK_PATIENCE", 1.0)  # 15 minutes in real runs
    db = stage.out / "summarizer.sqlite3"
    before = stage.model.requests
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        run = cli("digest", "--date", DAY)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    lines = run.err.strip().splitlines()
    assert run.code == 3 and "Traceback" not in run.err
    assert "stayed locked by another process" in lines[-1] and str(db) in lines[-1]
    assert len(lines) <= 2, lines  # the one warning that it waits, then the one error
    assert stage.model.requests == before, "nothing asked while the answers could not be stored"
