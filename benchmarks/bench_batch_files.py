"""Batch result files of any size: `summarizer batch import FILE` on what no real results file
looks like, its time and its own peak memory (VmHWM, through benchmarks/peak.py), against the
500 MB target of issue #24.

- `/dev/zero`: no line break, ever;
- a million lines naming requests nobody made;
- a 5 GB file of 1 MiB lines of NULs (sparse: it costs no disk);
- a 5 GB file of NULs without a line break (sparse).

    python benchmarks/bench_batch_files.py
    python benchmarks/bench_batch_files.py --gb 1 --lines 100000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEAK = Path(__file__).resolve().parent / "peak.py"
TARGET_MB = 500.0


def _sparse(path: Path, size: int, *, line: int | None) -> Path:
    """A file of `size` bytes of NULs, with a line break every `line` bytes (or none)."""
    with path.open("wb") as out:
        if line:
            for end in range(line - 1, size, line):
                out.seek(end)
                out.write(b"\n")
        out.truncate(size)
    return path


def _lines(path: Path, count: int) -> Path:
    with path.open("w", encoding="ascii") as out:
        out.writelines(f'{{"custom_id": "nobody-{n}"}}\n' for n in range(count))
    return path


def _import(file: Path, work: Path) -> tuple[int, float, float, str]:
    """Exit status, seconds, peak MB and the last stderr line of `batch import FILE`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMARIZER_", "OPENAI_"))}
    peak_file = work / "peak.txt"
    env.update(
        SUMMARIZER_OUTPUT_DIR=str(work / "out"),
        OPENAI_API_KEY="sk-bench-0123456789abcdef",
        BENCH_PEAK_FILE=str(peak_file),
    )
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(PEAK), "-m", "summarizer", "batch", "import", str(file)],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    peak = int(peak_file.read_text("ascii")) / 1024 if peak_file.exists() else float("nan")
    last = (done.stderr.strip().splitlines() or [""])[-1]
    return done.returncode, seconds, peak, last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gb", type=float, default=5.0, help="size of the sparse files")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines naming nobody")
    args = parser.parse_args()
    size = int(args.gb * 1e9)
    missed = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-files-") as folder:
        work = Path(folder)
        cases = [
            ("/dev/zero", Path("/dev/zero")),
            (f"{args.lines:,} lines naming nobody", _lines(work / "nobody.jsonl", args.lines)),
            (f"{args.gb:g} GB, 1 MiB lines", _sparse(work / "lines.jsonl", size, line=1 << 20)),
            (f"{args.gb:g} GB, one line", _sparse(work / "one.jsonl", size, line=None)),
        ]
        print(f"batch import: time, own peak memory (target < {TARGET_MB:.0f} MB), last line")
        for label, file in cases:
            code, seconds, peak, last = _import(file, work)
            verdict = "ok  " if peak < TARGET_MB and "Traceback" not in last else "MISS"
            if verdict == "MISS":
                missed.append(label)
            print(f"  {verdict} {label:<32}{seconds:7.1f} s {peak:7.0f} MB  exit {code}")
            print(f"       {last[:150]}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
