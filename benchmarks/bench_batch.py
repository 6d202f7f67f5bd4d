"""Batch path benchmark: N synthetic requests through the real batch engine and the stand-in's
Files and Batches endpoints.

A child process (so its peak memory is its own ru_maxrss, not the stand-ins') builds the request
lines with the live request builder, streams them into request files within OpenAI's limits,
uploads them and creates the batches (all recorded in a fresh store), then waits for the stand-in
to finish them and ingests the output files: every answer validated and stored. It prints the time
of each phase and its peak memory; the parent checks the memory target (< 400 MB).

    python benchmarks/bench_batch.py            # N = 50,000
    python benchmarks/bench_batch.py --n 5000
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer_standins.openai_api import ModelStandin  # noqa: E402

CHUNK = 1000  # papers made at a time: the input stays small, so the engine's memory shows
MEMORY_TARGET_MB = 400.0
DAY = date(2026, 1, 7)


def _peak_mb() -> float:
    """This process's own peak (VmHWM); ru_maxrss would count the parent's size at spawn."""
    with open("/proc/self/status", encoding="ascii") as status:
        found = re.search(r"^VmHWM:\s+(\d+)\s+kB", status.read(), flags=re.M)
    if found:
        return int(found.group(1)) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(n: int) -> None:
    """In the measured process: build + upload, wait, ingest; one JSON line of figures."""
    from summarizer_standins.synthetic import synthetic_papers

    from summarizer.core.records import Paper
    from summarizer.llm.batch_client import result_file_limit
    from summarizer.run.batched import batch_engine
    from summarizer.run.context import build_context
    from summarizer.run.settings import load_settings

    context = build_context(load_settings())
    run = batch_engine(context)
    start = datetime(2026, 1, 6, tzinfo=UTC)

    making = 0.0  # time spent making the synthetic input, left out of the build time

    def papers() -> Iterator[list[Paper]]:
        nonlocal making
        for k in range((n + CHUNK - 1) // CHUNK):
            count = min(CHUNK, n - k * CHUNK)
            began = time.perf_counter()
            chunk = synthetic_papers(
                count,
                day_window_start=start,
                day_window_end=start + timedelta(hours=1),
                categories=["eess.SP", "eess.AS", "cs.SD"],
                id_prefix=f"{1000 + k:04d}",
                seed=k,
            )
            making += time.perf_counter() - began
            yield chunk

    before = _peak_mb()
    t0 = time.perf_counter()
    requests = itertools.chain.from_iterable(
        run.requests(DAY, chunk, ("brief",)) for chunk in papers()
    )
    keys = run.submit(requests, stem="bench")
    built = time.perf_counter() - t0 - making
    peak_build = _peak_mb()

    t1 = time.perf_counter()
    rows = {row.key: row for row in run.ledger.batches(open_only=True)}
    states = {}
    while len(states) < len(keys):
        for key in keys:
            if key in states or rows[key].provider_id is None:
                continue
            state = run.client.get(rows[key].provider_id or "")
            if state.terminal:
                states[key] = state
        time.sleep(0.2)
    waited = time.perf_counter() - t1

    downloaded = ingested = 0.0
    stored = 0
    for key, state in states.items():
        for file_id in (state.output_file_id, state.error_file_id):
            if file_id:
                path = run.work_dir / f"{file_id}.jsonl"
                t2 = time.perf_counter()
                run.client.download(file_id, path, limit=result_file_limit(state.total))
                t3 = time.perf_counter()
                stored += run.collector.ingest_file(key, path).ok
                downloaded += t3 - t2
                ingested += time.perf_counter() - t3
        run.ledger.collected(key)
    run.close()
    context.close()
    figures = {
        "requests": n,
        "batches": len(keys),
        "stored": stored,
        "build_upload_s": built,
        "provider_s": waited,
        "download_s": downloaded,
        "ingest_s": ingested,
        "peak_mb_start": before,
        "peak_mb_build": peak_build,
        "peak_mb": _peak_mb(),
    }
    print("FIGURES " + json.dumps(figures))


def run(n: int, failures: list[str]) -> None:
    """From `make bench`: start the stand-in, measure a child, print the figures."""
    with tempfile.TemporaryDirectory(prefix=f"bench-batch-{n}-") as tmp, ModelStandin() as model:
        model.keep_bodies = False
        model.batch_api.timing = (0.2, 1.0, 0.2)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMARIZER_", "OPENAI_"))}
        env.update(
            OPENAI_BASE_URL=model.base_url,
            OPENAI_API_KEY="sk-bench",
            SUMMARIZER_OUTPUT_DIR=tmp,
            SUMMARIZER_MODEL="gpt-4o-mini",
        )
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, __file__, "--child", "--n", str(n)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
    lines = [x for x in proc.stdout.splitlines() if x.startswith("FIGURES ")]
    print(f"\n== batch path: {n:,} synthetic requests (Files + Batches stand-in) ==")
    if proc.returncode != 0 or not lines:
        print("  the run failed:\n    " + "\n    ".join(proc.stderr.splitlines()[-8:]))
        failures.append("batch path run failed")
        return
    f = json.loads(lines[0][len("FIGURES ") :])
    print(f"  {'batches':<28}{f['batches']:>10}  (OpenAI: <= 50,000 requests, 200 MB per file)")
    print(f"  {'build + upload files':<28}{f['build_upload_s']:>10.2f} s")
    print(f"  {'provider (stand-in) time':<28}{f['provider_s']:>10.2f} s  (not ours)")
    print(f"  {'download output files':<28}{f['download_s']:>10.2f} s")
    print(f"  {'ingest (validate + store)':<28}{f['ingest_s']:>10.2f} s")
    print(f"  {'summaries stored':<28}{f['stored']:>10,}")
    print(f"  {'peak memory after imports':<28}{f['peak_mb_start']:>10.1f} MB")
    print(f"  {'peak memory after upload':<28}{f['peak_mb_build']:>10.1f} MB")
    print(f"  {'peak memory overall':<28}{f['peak_mb']:>10.1f} MB")
    print(f"  {'wall time (child)':<28}{wall:>10.2f} s")
    ok = f["peak_mb"] < MEMORY_TARGET_MB and f["stored"] == n
    verdict = "ok  " if ok else "MISS"
    print(f"  targets:\n    {verdict} peak memory < {MEMORY_TARGET_MB:.0f} MB, every answer stored")
    if not ok:
        failures.append(f"batch path N={n}: peak {f['peak_mb']:.0f} MB, stored {f['stored']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50_000, help="synthetic requests")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.n)
        return 0
    failures: list[str] = []
    run(args.n, failures)
    print("\nall targets met" if not failures else f"\nmissed: {'; '.join(failures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
