"""Who holds a claim in the store (a summary lease, a delivery being sent): a name for this
process, and whether the process a name stands for is still running.

A holder is `host:pid:start:token`: `start` is when the process started (Linux: clock ticks since
boot, from /proc; empty elsewhere), so a pid the system gave to a new process since is not taken
for the one that died; `token` tells apart the holders of one process.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path


def process_start(pid: int) -> str:
    """When process `pid` started, as /proc says (field 22 of its stat); "" when not known."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2 :].split()  # the command name may hold spaces
    return fields[19] if len(fields) > 19 else ""


def new_holder() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{process_start(pid)}:{uuid.uuid4().hex[:12]}"


def holder_pid(holder: str) -> int | None:
    """The process id a holder names, when it names one."""
    parts = holder.split(":")
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else None


def holder_alive(holder: str) -> bool:
    """False only when the holder is a process on this machine that no longer exists (or whose
    pid now belongs to a process started later)."""
    parts = holder.split(":")
    pid = holder_pid(holder)
    if parts[0] != socket.gethostname() or pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass  # exists, owned by someone else
    started = parts[2] if len(parts) == 4 else ""  # `host:pid:token` before start was recorded
    return not started or process_start(pid) in (started, "")
