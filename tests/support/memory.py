"""Running the real command in a child process and reading its own peak memory: the kernel's
VmHWM of the child's address space, written by the child as it exits (a child's `ru_maxrss`
would start at the test process's resident size, copied in at fork). The child runs under an
address-space limit, so a regression that reads without bound fails with a MemoryError instead
of taking the machine down."""

from __future__ import annotations

import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PEAK_LIMIT = 500 * 1024 * 1024  # bytes: the most a command may hold whatever it is sent
ADDRESS_SPACE = 3 << 30  # the child's safety net
CHILD_TIMEOUT = 180.0  # only a regression comes near it
# `python -c CHILD PEAK_FILE ARGS...`: `summarizer ARGS...`, its VmHWM (KiB) written at exit.
CHILD = """
import atexit, re, runpy, sys
peak_file, sys.argv = sys.argv[1], ["summarizer", *sys.argv[2:]]

def record():
    with open("/proc/self/status", encoding="ascii") as status:
        kib = re.search(r"^VmHWM:\\s+(\\d+)\\s+kB", status.read(), flags=re.M).group(1)
    with open(peak_file, "w", encoding="ascii") as out:
        out.write(kib)

atexit.register(record)
runpy.run_module("summarizer", run_name="__main__", alter_sys=True)
"""


@dataclass
class Measured:
    code: int
    err: str
    peak: int  # bytes

    @property
    def within_limit(self) -> bool:
        """Measured (the child got as far as exiting), and under PEAK_LIMIT."""
        return 0 < self.peak < PEAK_LIMIT

    @property
    def peak_mib(self) -> str:
        return f"{self.peak / 2**20:.0f} MiB"


def run_measured(args: list[str], *, env: dict[str, str], cwd: Path) -> Measured:
    """`summarizer ARGS` in a child: its exit status, stderr and peak resident bytes."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    peak_file = cwd / "child-peak.txt"
    peak_file.unlink(missing_ok=True)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(peak_file), *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=limit,  # noqa: PLW1509 - no threads are started between fork and exec
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    peak = int(peak_file.read_text("ascii")) * 1024 if peak_file.exists() else 0
    return Measured(child.returncode, child.stderr.decode("utf-8", "replace"), peak)
