"""Files tests read and compare: the golden files, what a run wrote (every file, a day's JSON
lines, the digests of a backfill) and what it stored (the store's rows a test checks)."""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parents[1]
REPOSITORY = TESTS.parent
GOLDEN = TESTS / "golden"
FIXTURES = TESTS / "fixtures"
PROFILES = FIXTURES / "profiles"
STORE_FILE = "summarizer.sqlite3"
# The digest of the bundled sample mailing (digest day 2026-01-07), as the `stage` serves it.
SAMPLE_DIGEST = "toc-2026-01-07.md"


def golden(name: str = SAMPLE_DIGEST) -> bytes:
    """The bytes of the golden file `name` (a path under tests/golden/)."""
    return (GOLDEN / name).read_bytes()


def assert_golden(text: str, name: str) -> None:
    """`text` is the golden file `name`, to the byte; a failure names the first line that differs.
    With UPDATE_GOLDEN=1 the file is rewritten first (read the diff before committing it)."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, "utf-8")
    expected = path.read_text(encoding="utf-8")
    if text == expected:
        return
    got, want = text.split("\n"), expected.split("\n")
    line = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), None)
    if line is None:
        line = min(len(got), len(want))
    pytest.fail(
        f"{name} differs from the golden file first at line {line + 1}:\n"
        f"  got:  {got[line] if line < len(got) else '<end>'!r}\n"
        f"  want: {want[line] if line < len(want) else '<end>'!r}"
    )


def files_under(root: Path) -> dict[str, bytes]:
    """Every file under `root` but the store, by relative path, as bytes."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(STORE_FILE)
    }


def lines_equal(text: str, line: str) -> int:
    """How many lines of `text` are exactly `line`."""
    return sum(1 for x in text.split("\n") if x == line)


def day_file(out: Path, day: date | str) -> Path:
    """Where `digest` writes the JSON lines of `day` under the output directory `out`."""
    return out / "data" / f"{day}.jsonl"


def day_rows(out: Path, day: date | str) -> list[dict[str, Any]]:
    """The JSON lines of `day` under the output directory `out`, one dict a line."""
    return [json.loads(line) for line in day_file(out, day).read_text("utf-8").splitlines()]


def write_rows(out: Path, day: date | str, rows: list[dict[str, Any]]) -> None:
    """Write `rows` as the JSON lines of `day` under `out`, as a day `digest` made."""
    path = day_file(out, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def read_digests(out: Path) -> dict[date, list[dict[str, Any]]]:
    """Every day's JSON lines under `out`, by day."""
    return {
        date.fromisoformat(path.stem): day_rows(out, path.stem)
        for path in sorted((out / "data").glob("*.jsonl"))
    }


def placed_once(digests: dict[date, list[dict[str, Any]]]) -> dict[str, date]:
    """The day of each paper, asserting that none is in two digests."""
    seen = Counter(record["id"] for records in digests.values() for record in records)
    twice = [pid for pid, n in seen.items() if n > 1]
    assert not twice, f"in more than one digest: {twice}"
    return {record["id"]: day for day, records in digests.items() for record in records}


def assert_whole(out: Path) -> None:
    """Every digest and every JSON lines file under `out` is whole (none cut short)."""
    for path in out.glob("*.md"):
        assert path.read_text("utf-8").endswith("</details>\n"), path
    for path in (out / "data").glob("*.jsonl"):
        assert all(json.loads(line) for line in path.read_text("utf-8").splitlines()), path


def stored_briefs(path: Path) -> set[str]:
    """The paper ids with a stored brief, in the store file `path` or in the output directory
    that holds it; none before the store exists."""
    store = path / STORE_FILE if path.is_dir() else path
    if not store.exists():
        return set()
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT paper_id FROM summaries WHERE kind = 'brief'").fetchall()
    return {pid for (pid,) in rows}


def batches(out: Path) -> list[tuple[str, str, int]]:
    """The store's batches in the order they were made: provider id, status, requests."""
    with sqlite3.connect(out / STORE_FILE) as conn:
        return conn.execute(
            "SELECT provider_id, status, total FROM batches ORDER BY rowid"
        ).fetchall()


def recorded_cost(out: Path) -> dict[str, float]:
    """The cost the store's runs recorded, added up by command."""
    with sqlite3.connect(out / STORE_FILE) as conn:
        rows = conn.execute("SELECT command, stats FROM runs").fetchall()
    costs: dict[str, float] = {}
    for command, stats in rows:
        costs[command] = costs.get(command, 0.0) + (json.loads(stats).get("cost") or 0.0)
    return costs
