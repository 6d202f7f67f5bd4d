"""Writing output files so that a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

# A temporary file this old was left by a killed run: no live writer takes this long.
STALE_SECONDS = 600.0
ENCODE_CHARS = 1 << 20  # text is encoded and written this many characters at a time


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step, creating its parent directories."""
    _write_atomic(path, [data])


def _write_atomic(path: Path, chunks: Iterable[bytes]) -> None:
    """Replace `path` with the concatenated `chunks` in one step.

    The bytes go to a temporary file beside `path` (so `os.replace` stays on one filesystem and
    is atomic), are fsynced, then renamed over `path`; the directory is fsynced so the rename
    survives a crash. If anything fails, the temporary file is removed and `path` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # os.open with 0o666 lets the umask decide the mode, as a plain open() would; mkstemp's 0o600
    # would make published pages unreadable to a web server running as another user.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_atomic(path: Path, text: str) -> None:
    """`write_atomic_bytes` for UTF-8 text, written exactly (no newline translation). Encoded a
    slice at a time: a big day's digest is tens of MB, and a whole encoded copy would add as
    much to the run's peak memory (slices of code points encode to exactly the same bytes)."""
    step = ENCODE_CHARS
    _write_atomic(path, (text[i : i + step].encode("utf-8") for i in range(0, len(text), step)))


def write_atomic_parts(path: Path, parts: Iterable[str]) -> None:
    """`write_atomic` of the concatenated `parts`, each encoded as it comes: a text made a piece
    at a time never has to be whole in memory."""
    _write_atomic(path, (part.encode("utf-8") for part in parts))


def _remove_stale_temporaries(path: Path) -> None:
    cutoff = time.time() - STALE_SECONDS
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass  # another run got there first


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a directory for fsync; NTFS journals the rename itself.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
