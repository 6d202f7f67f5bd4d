"""Run a Python program and record its own peak memory (VmHWM) when it exits.

`python benchmarks/peak.py -m summarizer digest ...` or `python benchmarks/peak.py script.py ...`,
with BENCH_PEAK_FILE naming where the peak (KiB) is written. Why not the child's ru_maxrss from
wait4: on Linux a child's ru_maxrss starts at its parent's resident size when it was spawned (the
memory it shared before exec is counted), so a benchmark whose parent holds the stand-ins and a
large synthetic day would report the parent's size for every child. VmHWM belongs to the process's
own address space, made new at exec.
"""

from __future__ import annotations

import atexit
import os
import re
import runpy
import sys


def own_peak_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        match = re.search(r"^VmHWM:\s+(\d+)\s+kB", status.read(), flags=re.M)
    return int(match.group(1)) if match else 0


def _record() -> None:
    path = os.environ.get("BENCH_PEAK_FILE")
    if path:
        with open(path, "w", encoding="ascii") as out:
            out.write(str(own_peak_kib()))


def main() -> None:
    atexit.register(_record)
    args = sys.argv[1:]
    if args[:1] == ["-m"]:
        sys.argv = args[1:]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = args
        runpy.run_path(args[0], run_name="__main__")


if __name__ == "__main__":
    main()
