"""Prints how long `summarizer --help` takes next to a bare `import click`, in this venv.

    .venv/bin/python tools/startup_time.py [runs]

The median of several runs of each, wall clock; a figure to read, not a test (the test,
tests/test_startup.py, checks which modules `--help` imports).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    click = median_seconds([sys.executable, "-c", "import click"], runs)
    help_ = median_seconds([sys.executable, "-m", "summarizer", "--help"], runs)
    error = median_seconds([sys.executable, "-m", "summarizer", "digest", "--date", "x"], runs)
    print(f"python -c 'import click'       {click * 1000:7.1f} ms (median of {runs})")
    print(f"summarizer --help              {help_ * 1000:7.1f} ms  ({help_ / click:.1f}x)")
    print(f"summarizer digest --date x     {error * 1000:7.1f} ms  ({error / click:.1f}x)")


if __name__ == "__main__":
    main()
