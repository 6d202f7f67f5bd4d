"""Running `summarizer digest` (and the bare-SDK floor) as measured subprocesses.

Each run is a child process, so the stand-ins' threads never share its interpreter; its CPU time
(user + sys) comes from wait4, its peak memory from its own VmHWM (benchmarks/peak.py says why not
ru_maxrss), its wall time from the parent's clock,
interpreter start-up and imports included. Time to first request is the stand-in's clock at the
first request it received, minus the moment the child was started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from summarizer_standins.arxiv_api import ArxivStandin
from summarizer_standins.openai_api import ModelStandin
from summarizer_standins.synthetic import synthetic_papers

from summarizer.core.days import mailing_window
from summarizer.core.records import Paper
from summarizer.llm.client import strict_schema
from summarizer.llm.prompts import load_template

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 1, 7)
CATEGORIES = ["eess.SP", "eess.AS", "cs.SD"]
PAGE_SIZE = 500  # the default ARXIV_PAGE_SIZE
MODEL = "gpt-4o-mini"  # priced in summarizer/data/prices.json, so the run prints a cost
FLOOR = Path(__file__).with_name("sdk_floor.py")
PEAK = Path(__file__).with_name("peak.py")


@dataclass
class Run:
    status: int
    seconds: float
    cpu_seconds: float  # user + sys of the child
    max_rss_mb: float
    first_request: float | None  # seconds from start to the stand-in's first request
    model_requests: int
    rate_limited: int
    peak_in_flight: int
    arxiv_requests: int
    stdout: str
    stderr: str


def papers(n: int) -> list[Paper]:
    window = mailing_window(DAY)
    return synthetic_papers(
        n, day_window_start=window.start, day_window_end=window.end, categories=CATEGORIES
    )


def model_standin(
    *, latency: float, jitter: float, max_in_flight: int, rpm_limit: int | None = None
) -> ModelStandin:
    model = ModelStandin(
        latency=(latency, jitter), max_in_flight=max_in_flight, rpm_limit=rpm_limit
    )
    model.keep_bodies = False
    return model


def _env(arxiv: ArxivStandin, model: ModelStandin, out: Path, extra: dict[str, str]) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SUMMARIZER_", "OPENAI_", "ARXIV_"))
    }
    env.update(
        ARXIV_API_URL=arxiv.url,
        OPENAI_BASE_URL=model.base_url,
        OPENAI_API_KEY="sk-bench-local-stand-in",
        SUMMARIZER_MODEL=MODEL,
        SUMMARIZER_OUTPUT_DIR=str(out),
        SUMMARIZER_CATEGORIES=",".join(CATEGORIES),
        ARXIV_PAGE_SIZE=str(PAGE_SIZE),
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def measured(cmd: list[str], env: dict) -> tuple[list[str], dict, Path | None]:
    """`cmd` (a `python ...` command) run through benchmarks/peak.py, which writes the child's
    own peak memory to the returned file; other commands are left as they are."""
    if cmd[0] != sys.executable or cmd[1:2] == ["-m"] and cmd[2:3] == ["cProfile"]:
        return cmd, env, None
    fd, name = tempfile.mkstemp(prefix="bench-peak-")
    os.close(fd)
    return [sys.executable, str(PEAK), *cmd[1:]], {**env, "BENCH_PEAK_FILE": name}, Path(name)


def peak_mb(path: Path | None, usage: os.struct_rusage) -> float:
    """The child's own peak (VmHWM), else its ru_maxrss (which counts its parent's size)."""
    if path is not None:
        try:
            text = path.read_text(encoding="ascii").strip()
        finally:
            path.unlink(missing_ok=True)
        if text.isdigit():
            return int(text) / 1024
    return usage.ru_maxrss / 1024  # KiB on Linux


def _measure(
    cmd: list[str], *, cwd: Path, env: dict, model: ModelStandin, arxiv_requests: Callable[[], int]
) -> Run:
    """Run `cmd` to its end; its figures and the stand-in's counters."""
    cmd, env, peak_file = measured(cmd, env)
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # communicate() reaps the child itself, losing its rusage; read the pipes, then wait4.
    # stderr is read on a thread so neither pipe can fill up and stall the child.
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read() if proc.stderr else ""))
    reader.start()
    stdout = proc.stdout.read() if proc.stdout else ""
    reader.join()
    _, raw_status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(raw_status)
    first = model.first_request_at - started if model.first_request_at is not None else None
    return Run(
        status=proc.returncode,
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_mb=peak_mb(peak_file, usage),
        first_request=first,
        model_requests=model.requests,
        rate_limited=model.status_counts[429],
        peak_in_flight=model.peak_in_flight,
        arxiv_requests=arxiv_requests(),
        stdout=stdout,
        stderr="".join(err),
    )


def digest(
    arxiv: ArxivStandin,
    model: ModelStandin,
    work: Path,
    args: list[str],
    extra: dict[str, str] | None = None,
    *,
    profile: Path | None = None,
) -> Run:
    """One `summarizer digest` of DAY in `work` (its output under work/out)."""
    arxiv.requests = 0
    model.reset_counters()
    runner = ["-m", "cProfile", "-o", str(profile)] if profile else []
    cmd = [sys.executable, *runner, "-m", "summarizer", "digest", "--date", DAY.isoformat(), *args]
    env = _env(arxiv, model, work / "out", extra or {})
    return _measure(cmd, cwd=work, env=env, model=model, arxiv_requests=lambda: arxiv.requests)


def write_floor_requests(day_papers: list[Paper], path: Path) -> None:
    """The brief requests the digest sends for `day_papers`, for the floor to send as they are."""
    template = load_template("brief")
    messages = []
    for paper in day_papers:
        system, user = template.render(paper=paper, language="zh")
        messages.append([{"role": "system", "content": system}, {"role": "user", "content": user}])
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "brief", "strict": True, "schema": strict_schema("brief")},
    }
    spec = {"model": MODEL, "response_format": response_format, "messages": messages}
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")


def floor(
    model: ModelStandin, requests: Path, *, concurrency: int, work: Path, post: bool = False
) -> Run:
    """The bare openai SDK sending `requests` at `concurrency` against `model`."""
    model.reset_counters()
    cmd = [
        sys.executable,
        str(FLOOR),
        str(requests),
        "--base-url",
        model.base_url,
        "--concurrency",
        str(concurrency),
        *(["--post"] if post else []),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    return _measure(cmd, cwd=work, env=env, model=model, arxiv_requests=lambda: 0)


def startup_seconds(work: Path) -> float:
    """What the interpreter and the imports of the digest path cost before any work is done."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import summarizer.app.cli, summarizer.run.pipeline"],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    return time.perf_counter() - started
