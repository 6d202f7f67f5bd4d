"""Ranking benchmark: one synthetic day ranked against a synthetic profile, by words and by
embeddings (through the loopback stand-in), twice each: the second run finds every vector in
the store. Prints wall time, embedding requests and texts embedded.

    python benchmarks/bench_rank.py                         # 1000 papers x 500 profile papers
    python benchmarks/bench_rank.py --papers 150 --profile 50
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer_standins.openai_api import ModelStandin  # noqa: E402
from summarizer_standins.synthetic import synthetic_papers  # noqa: E402

from summarizer.rank.embeddings import Embedder  # noqa: E402
from summarizer.rank.interests import Interests  # noqa: E402
from summarizer.rank.profile import ProfilePaper  # noqa: E402
from summarizer.rank.ranker import Ranker  # noqa: E402
from summarizer.store.database import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--profile", type=int, default=500)
    parser.add_argument("--top", type=int, default=50)
    args = parser.parse_args()
    start, end = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 6, tzinfo=UTC)
    day = synthetic_papers(
        args.papers, day_window_start=start, day_window_end=end, categories=["cs.SD"], seed=1
    )
    mine = [
        ProfilePaper(key=p.id, title=p.title, abstract=p.abstract)
        for p in synthetic_papers(
            args.profile,
            day_window_start=start,
            day_window_end=end,
            categories=["cs.SD"],
            seed=2,
            id_prefix="2512",
        )
    ]
    interests = Interests(keywords=("beamforming", "speech enhancement"), exclude=("radar",))
    print(f"{args.papers} papers against a {args.profile}-paper profile, top {args.top}")
    with tempfile.TemporaryDirectory() as tmp, ModelStandin() as model:
        for engine in ("words", "embeddings"):
            store = Store(Path(tmp) / f"{engine}.sqlite3")

            def embedder(store: Store = store) -> Embedder:
                return Embedder(
                    store=store, model="bench", api_key="sk-bench", base_url=model.base_url,
                    timeout=120,
                )  # fmt: skip

            ranker = Ranker(
                interests=interests,
                profile_path=None,
                top=args.top,
                store=store,
                fetch=lambda refs: [],
                embedder=embedder if engine == "embeddings" else None,
            )
            ranker._profile = mine  # as read from a profile file
            for run in ("first run", "re-run"):
                model.reset_counters()
                began = time.perf_counter()
                ranking = ranker.rank(day)
                took = time.perf_counter() - began
                print(
                    f"  {engine:10} {run:9}: {took:6.2f} s  kept {len(ranking.kept)}, "
                    f"summarize {len(ranking.chosen)}, embedding requests "
                    f"{model.embedding_requests} ({model.embedded_inputs} texts)"
                )
            ranker.close()
            store.close()


if __name__ == "__main__":
    main()
