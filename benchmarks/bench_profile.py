"""Profile-input benchmark: what thousands of keywords cost a day's ranking, and what a big BibTeX
profile costs its first run and every later one. Prints measured wall times.

    python benchmarks/bench_profile.py                          # 10,000 keywords, 50,000 entries
    python benchmarks/bench_profile.py --keywords 2000 --entries 5000
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer_standins.synthetic import synthetic_papers  # noqa: E402

from summarizer.rank.interests import Interests  # noqa: E402
from summarizer.rank.profile import load_profile  # noqa: E402
from summarizer.rank.ranker import Ranker  # noqa: E402
from summarizer.store.database import Store  # noqa: E402


def keywords_from(papers: list, count: int, rng: random.Random) -> list[str]:  # type: ignore[type-arg]
    """Words and word pairs of real abstracts (so some match), padded with made-up terms."""
    words = sorted({w.strip(".,;:()").lower() for p in papers for w in p.abstract.split()})
    words = [w for w in words if len(w) > 3 and w.isalpha()]
    pairs = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    pool = words[: count // 4] + pairs[: count // 4]
    return pool + [f"term{i:05d}x" for i in range(count - len(pool))]


def bench_keywords(count: int, papers: int) -> None:
    start, end = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 6, tzinfo=UTC)
    day = synthetic_papers(
        papers, day_window_start=start, day_window_end=end, categories=["cs.SD"], seed=1
    )
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "s.sqlite3")
        for label, keywords in (("2", ["beamforming", "speech enhancement"]),
                                (f"{count:,}", keywords_from(day, count, rng))):  # fmt: skip
            ranker = Ranker(
                interests=Interests(keywords=tuple(keywords), exclude=tuple(keywords[-50:])),
                profile_path=None,
                top=10,
                store=store,
                fetch=lambda refs: [],
            )
            began = time.perf_counter()
            ranking = ranker.rank(day)
            took = time.perf_counter() - began
            matched = sum(1 for r in ranking.records.values() if r.keywords)
            print(
                f"  rank {papers} papers with {label:>6} keywords: {took * 1000:8.1f} ms "
                f"({matched} papers hold one)"
            )
        store.close()


VOCABULARY = """music audio speech neural network model transformer beamforming separation source
    signal learning deep spectral latency array channel"""


def bibtex(entries: int, rng: random.Random) -> str:
    """Entries as exporters write them: braces guarding capitals, now and then an accent, a
    dash or math."""
    vocab = VOCABULARY.split()
    out = []
    for i in range(entries):
        title = " ".join(rng.choice(vocab) for _ in range(9)).title()
        abstract = " ".join(rng.choice(vocab) for _ in range(140))
        if i % 10 == 0:
            title = "{BERT}-Style " + title
        if i % 25 == 0:
            abstract += " with $f_0$ estimates -- at 5\\% cost"
        author = 'M{\\"u}ller, Meinard and Jonathan Yaffe' if i % 5 == 0 else "Ben Maman"
        out.append(
            f"@article{{k{i},\n  title = {{{title}}},\n  author = {{{author}}},\n"
            f"  abstract = {{{abstract}}},\n  eprint = {{2511.{i % 100000:05d}}},\n"
            f"  year = {{2025}}\n}}\n"
        )
    return "\n".join(out)


def bench_bibtex(entries: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "library.bib"
        path.write_text(bibtex(entries, random.Random(2)), "utf-8")
        store = Store(Path(tmp) / "s.sqlite3")
        mb = path.stat().st_size / 1e6
        for run in ("first run", "next run", "next run"):
            began = time.perf_counter()
            papers = load_profile(path, store=store, fetch=lambda refs: [])
            took = time.perf_counter() - began
            print(f"  {entries:,}-entry BibTeX ({mb:.1f} MB), {run:9}: {took:8.2f} s "
                  f"({len(papers):,} papers)")  # fmt: skip
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keywords", type=int, default=10_000)
    parser.add_argument("--papers", type=int, default=32)
    parser.add_argument("--entries", type=int, default=50_000)
    args = parser.parse_args()
    print("keywords:")
    bench_keywords(args.keywords, args.papers)
    print("BibTeX profile:")
    bench_bibtex(args.entries)


if __name__ == "__main__":
    main()
