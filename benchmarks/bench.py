"""Throughput benchmark: the real `summarizer digest` against rate-limited local stand-ins.

For each N, a fresh output directory, N synthetic papers on the arXiv stand-in, and a model
stand-in that answers after 800 ms ± 200 ms and returns 429 to any request beyond 16 in flight.
The digest runs as a subprocess (see harness.py for what is measured and how). The same day is
then run again (everything should come from the store). Then a big day: 10,000 papers against a
stand-in taking 64 in flight at 300 ms ± 100 ms, the digest's own CPU per paper beside the bare
openai SDK's CPU per request (benchmarks/sdk_floor.py, the same requests at the same concurrency
against the same stand-in, run right before it). Then an rpm scenario (the stand-in refuses more
than 600 requests per trailing minute, the digest runs with `--rpm 600`), and last, for the
record, an overcommitted run (`--concurrency 64` against the 16 the stand-in takes), which shows
what the 429 back-off costs; it has no target. Then the static site of 250 days x 200 papers
(benchmarks/bench_site.py): full build, one-new-day rebuild, size and page weight, and in Chromium
the reader's preferences on a 1,000-paper day and a search over every day; the batch path; and last
ranking a 10,000-paper day against a 500-paper profile offline (benchmarks/bench_rank.py).

    make bench                                  # N = 50, 200, 1000, the big day, rpm, overcommit
    make bench ARGS="--n 50,200 --big-n 0"      # chosen sizes, no big day
    make bench ARGS="--n 0 --big-n 10000 --rpm-n 0 --over-n 0 --profile /tmp/prof"
    make bench ARGS="--batch-n 0"               # without the batch path (benchmarks/bench_batch.py)
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import (  # noqa: E402
    DAY,
    PAGE_SIZE,
    Run,
    digest,
    floor,
    model_standin,
    papers,
    startup_seconds,
    write_floor_requests,
)
from summarizer_standins.arxiv_api import ArxivStandin  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_batch  # noqa: E402
import bench_rank  # noqa: E402
from bench_site import bench_site  # noqa: E402


def _cost_line(stdout: str) -> str:
    for line in stdout.splitlines():
        if str(DAY) in line and "│" in line:
            cells = [c.strip() for c in line.split("│") if c.strip()]
            return f"tokens {cells[-2]}, cost {cells[-1]} USD" if len(cells) >= 2 else line
    return "(no summary table)"


def _check(label: str, ok: bool, failures: list[str], *, binding: bool = True) -> None:
    """Print a target's verdict; a missed target counts only where the issue states it."""
    if not ok and binding:
        failures.append(label)
    verdict = "ok  " if ok else "MISS" if binding else "over"
    note = "" if binding else "  (informative: the issue states this target at N >= 1000)"
    print(f"    {verdict} {label}{note}")


def _row(label: str, value: str) -> None:
    print(f"  {label:<22}{value}")


def _first(run: Run) -> str:
    return "(none)" if run.first_request is None else f"{run.first_request:8.2f} s"


def _profile(args: argparse.Namespace, name: str) -> Path | None:
    return Path(args.profile) / f"{name}.prof" if args.profile else None


def bench_size(n: int, args: argparse.Namespace, startup: float, failures: list[str]) -> None:
    day = papers(n)
    ideal = math.ceil(n / args.max_in_flight) * args.latency
    model = model_standin(
        latency=args.latency, jitter=args.jitter, max_in_flight=args.max_in_flight
    )
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-{n}-") as tmp,
        ArxivStandin(day) as arxiv,
        model,
    ):
        work = Path(tmp)
        flags = ["--concurrency", str(args.concurrency)]
        first = digest(arxiv, model, work, flags, profile=_profile(args, f"digest-{n}"))
        again = digest(arxiv, model, work, flags)
    ratio = first.seconds / ideal
    arxiv_cap = math.ceil(n / PAGE_SIZE) + 2
    print(f"\n== N = {n} papers, --concurrency {args.concurrency} ==")
    _row("exit status", str(first.status))
    _row("wall time", f"{first.seconds:8.2f} s  (digest subprocess, start-up included)")
    _row("ideal", f"{ideal:8.2f} s  (ceil({n}/{args.max_in_flight}) x {args.latency:.1f} s)")
    _row("ratio", f"{ratio:8.3f}  ({(first.seconds - startup) / ideal:.3f} without start-up)")
    _row("first request", f"{_first(first)}  after start")
    _row("client CPU", f"{first.cpu_seconds:8.2f} s  ({first.cpu_seconds / n * 1000:.2f} ms/paper)")
    _row("model requests", f"{first.model_requests:8d}  ({first.model_requests / n:.3f} x N)")
    _row("429s met", f"{first.rate_limited:8d}")
    _row("peak in flight", f"{first.peak_in_flight:8d}  (as the stand-in counted)")
    _row("arXiv requests", f"{first.arxiv_requests:8d}  (page size {PAGE_SIZE})")
    _row("peak memory", f"{first.max_rss_mb:8.1f} MB (VmHWM: the digest subprocess's own peak)")
    _row("run summary", _cost_line(first.stdout + first.stderr))  # the table may be on stderr
    _row("re-run same day", f"{again.seconds:8.2f} s, {again.model_requests} model requests")
    _row("", f"(exit status {again.status}, {again.arxiv_requests} arXiv requests)")
    _stderr(first, again)
    big = n >= 1000
    print("  targets:")
    _check(f"N={n}: exit status 0", first.status == 0, failures)
    _check(f"N={n}: wall <= 1.07 x ideal", ratio <= 1.07, failures, binding=big)
    first_ok = first.first_request is not None and first.first_request <= 2.0
    _check(f"N={n}: first request within 2 s", first_ok, failures, binding=big)
    _check(f"N={n}: model requests <= 1.05 x N", first.model_requests <= 1.05 * n, failures)
    _check(f"N={n}: arXiv requests <= {arxiv_cap}", first.arxiv_requests <= arxiv_cap, failures)
    _check(f"N={n}: peak memory < 300 MB", first.max_rss_mb < 300, failures)
    _check(f"N={n}: re-run makes 0 model requests", again.model_requests == 0, failures)


def bench_big(args: argparse.Namespace, failures: list[str]) -> None:
    """A cs.* day at the provider's limit, and the bare SDK's CPU beside the client's."""
    n, c = args.big_n, args.big_concurrency
    ideal = math.ceil(n / c) * args.big_latency
    day = papers(n)
    model = model_standin(latency=args.big_latency, jitter=args.big_jitter, max_in_flight=c)
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-big-{n}-") as tmp,
        ArxivStandin(day) as arxiv,
        model,
    ):
        work = Path(tmp)
        requests = work / "floor-requests.json"
        write_floor_requests(day, requests)
        sdk = floor(model, requests, concurrency=c, work=work)
        raw = (
            floor(model, requests, concurrency=c, work=work, post=True) if args.floor_post else None
        )
        flags = ["--concurrency", str(c)]
        first = digest(arxiv, model, work, flags, profile=_profile(args, f"digest-big-{n}"))
        again = digest(arxiv, model, work, flags)
    per_paper = first.cpu_seconds / n * 1000
    per_request = sdk.cpu_seconds / max(sdk.model_requests, 1) * 1000
    cpu_ratio = per_paper / per_request if per_request else math.inf
    print(f"\n== big day: N = {n} papers, --concurrency {c}, stand-in takes {c} in flight ==")
    _row("exit status", str(first.status))
    _row("wall time", f"{first.seconds:8.2f} s  (digest subprocess, start-up included)")
    ideal_note = f"ceil({n}/{c}) x {args.big_latency:.1f} s"
    _row("ideal", f"{ideal:8.2f} s  ({ideal_note}); ratio {first.seconds / ideal:.3f}")
    _row("first request", f"{_first(first)}  after start")
    _row("client CPU", f"{first.cpu_seconds:8.2f} s  = {per_paper:.2f} ms per paper (user+sys / N)")
    _row("bare SDK CPU", f"{sdk.cpu_seconds:8.2f} s  = {per_request:.2f} ms per request")
    _row("", f"({sdk.model_requests} requests, {sdk.seconds:.1f} s wall, {sdk.stdout.strip()})")
    _row("CPU ratio", f"{cpu_ratio:8.3f}  (client per paper / bare SDK per request)")
    if raw is not None:
        per_post = raw.cpu_seconds / max(raw.model_requests, 1) * 1000
        _row("bare SDK, post()", f"{raw.cpu_seconds:8.2f} s  = {per_post:.2f} ms per request")
        _row("", f"(as the client sends: no create() re-walk; ratio {per_paper / per_post:.3f})")
    _row("peak memory", f"{first.max_rss_mb:8.1f} MB (bare SDK: {sdk.max_rss_mb:.1f} MB)")
    _row("model requests", f"{first.model_requests:8d}  ({first.model_requests / n:.3f} x N)")
    _row("429s met", f"{first.rate_limited:8d}  (bare SDK: {sdk.rate_limited})")
    _row("arXiv requests", f"{first.arxiv_requests:8d}  (page size {PAGE_SIZE})")
    _row("re-run same day", f"{again.seconds:8.2f} s, {again.model_requests} model requests")
    _row("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)")
    _stderr(first, again, sdk)
    print("  targets:")
    _check(f"big N={n}: exit status 0", first.status == 0, failures)
    _check(f"big N={n}: CPU per paper <= 1.25 x bare SDK", cpu_ratio <= 1.25, failures)
    _check(f"big N={n}: peak memory < 300 MB", first.max_rss_mb < 300, failures)
    _check(f"big N={n}: re-run makes 0 model requests", again.model_requests == 0, failures)


def bench_rpm(n: int, rpm: int, args: argparse.Namespace, failures: list[str]) -> None:
    ideal = n / rpm * 60
    model = model_standin(
        latency=args.latency, jitter=args.jitter, max_in_flight=args.max_in_flight, rpm_limit=rpm
    )
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-rpm-{n}-") as tmp,
        ArxivStandin(papers(n)) as arxiv,
        model,
    ):
        flags = ["--concurrency", str(args.concurrency), "--rpm", str(rpm)]
        run = digest(arxiv, model, Path(tmp), flags)
    print(f"\n== rpm cap: N = {n}, --rpm {rpm}, stand-in rpm_limit={rpm} ==")
    _row("exit status", str(run.status))
    _row("wall time", f"{run.seconds:8.2f} s  vs {ideal:.1f} s = N / rpm x 60 s")
    _row("ratio", f"{run.seconds / ideal:8.3f}")
    _row("model requests", f"{run.model_requests:8d}")
    _row("429s met", f"{run.rate_limited:8d}")
    _stderr(run)
    print("  targets:")
    _check(f"rpm N={n}: no 429 met", run.rate_limited == 0, failures)
    _check(f"rpm N={n}: wall <= 1.15 x {ideal:.0f} s", run.seconds <= 1.15 * ideal, failures)


def bench_overcommitted(n: int, args: argparse.Namespace) -> None:
    """More in flight than the provider takes: the adaptive limit has to find its level."""
    ideal = math.ceil(n / args.max_in_flight) * args.latency
    concurrency = args.over_concurrency
    model = model_standin(
        latency=args.latency, jitter=args.jitter, max_in_flight=args.max_in_flight
    )
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-over-{n}-") as tmp,
        ArxivStandin(papers(n)) as a,
        model,
    ):
        run = digest(a, model, Path(tmp), ["--concurrency", str(concurrency)])
    print(
        f"\n== overcommitted (no target, shown for the 429 back-off): N = {n}, "
        f"--concurrency {concurrency} against {args.max_in_flight} in flight =="
    )
    _row("exit status", str(run.status))
    _row("wall time", f"{run.seconds:8.2f} s  vs ideal {ideal:.2f} s ({run.seconds / ideal:.3f})")
    _row("model requests", f"{run.model_requests:8d}  ({run.model_requests / n:.3f} x N)")
    _row("429s met", f"{run.rate_limited:8d}")
    _stderr(run)


def _stderr(*runs: Run) -> None:
    for run in runs:
        if run.status != 0:
            print("  stderr (last lines):\n    " + "\n    ".join(run.stderr.splitlines()[-5:]))


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--n", default="50,200,1000", help="comma-separated sizes (0: none)")
    add("--concurrency", type=int, default=16, help="the digest's --concurrency")
    add("--latency", type=float, default=0.8, help="stand-in mean latency, s")
    add("--jitter", type=float, default=0.2, help="stand-in latency jitter, s")
    add("--max-in-flight", type=int, default=16, help="stand-in's 429 threshold")
    add("--big-n", type=int, default=10000, help="big day: papers (0: skip)")
    add("--big-concurrency", type=int, default=64, help="big day: in flight, both sides")
    add("--big-latency", type=float, default=0.3, help="big day: stand-in mean latency, s")
    add("--big-jitter", type=float, default=0.1, help="big day: stand-in latency jitter, s")
    add("--floor-post", action="store_true", help="big day: also the SDK's post() as floor")
    add("--rpm", type=int, default=600, help="rpm scenario: cap and limit")
    add("--rpm-n", type=int, default=200, help="rpm scenario: papers (0: skip)")
    add("--over-n", type=int, default=200, help="overcommitted scenario: papers (0: skip)")
    add("--over-concurrency", type=int, default=64, help="overcommitted scenario: --concurrency")
    add("--site-days", type=int, default=250, help="site scenario: days (0: skip)")
    add("--site-papers", type=int, default=200, help="site scenario: papers a day")
    add("--batch-n", type=int, default=50_000, help="batch path: synthetic requests (0: skip)")
    add("--rank-n", type=int, default=10_000, help="ranking: papers a day (0: skip)")
    add("--rank-profile", type=int, default=500, help="ranking: profile papers")
    add("--profile", help="directory for cProfile files of the first digest of each size")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    sizes = [int(part) for part in args.n.split(",") if part.strip() and int(part)]
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        startup = startup_seconds(Path(tmp))
    print(
        f"stand-in: latency {args.latency:.1f} s ± {args.jitter:.1f} s, 429 beyond "
        f"{args.max_in_flight} in flight; Python {sys.version.split()[0]}; "
        f"interpreter start-up + imports {startup:.2f} s (inside every wall time below); "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    if args.profile:
        print(f"profiling under cProfile into {args.profile}: wall and CPU figures are inflated")
    for n in sizes:
        bench_size(n, args, startup, failures)
    if args.big_n:
        bench_big(args, failures)
    if args.rpm_n:
        bench_rpm(args.rpm_n, args.rpm, args, failures)
    if args.over_n:
        bench_overcommitted(args.over_n, args)
    if args.site_days:
        bench_site(args.site_days, args.site_papers, failures)
    if args.batch_n:
        bench_batch.run(args.batch_n, failures)
    if args.rank_n:
        bench_rank.run(args.rank_n, args.rank_profile, failures)
    print()
    if failures:
        print(f"{len(failures)} target(s) missed: " + "; ".join(failures))
    else:
        print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
