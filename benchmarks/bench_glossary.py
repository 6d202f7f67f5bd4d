"""Glossary benchmark: the terms of synthetic papers found (the lines each request carries) and
synthetic answers corrected, with the default glossary alone and with a reader's glossary of N
more entries, each with a variant to avoid. Prints time per paper and per answer.

    python benchmarks/bench_glossary.py                 # 2000 papers, a reader's 300 entries
    python benchmarks/bench_glossary.py --papers 500 --entries 1000
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer_standins import synthetic_answer  # noqa: E402
from summarizer_standins.synthetic import synthetic_papers  # noqa: E402

from summarizer.core.records import Paper  # noqa: E402
from summarizer.llm.glossary import Glossary, default_terms, merge  # noqa: E402
from summarizer.llm.glossary_file import Term  # noqa: E402


def readers(entries: int) -> list[Term]:
    """`entries` made-up entries, and one that real answers meet (the synthetic ones write
    波束成形 for beamforming)."""
    made = [Term(f"term{i} unit", f"术语{i:04d}", (f"旧译{i:04d}",)) for i in range(entries)]
    return [*made, Term("beamforming", "波束形成", ("波束成形",))]


def measure(label: str, glossary: Glossary, papers: list[Paper], answers: list[dict]) -> None:
    started = time.perf_counter()
    lines = sum(bool(glossary.terminology(p)) for p in papers)
    per_paper = (time.perf_counter() - started) / len(papers) * 1e3
    started = time.perf_counter()
    replaced = sum(glossary.correct(a)[1] for a in answers)
    per_answer = (time.perf_counter() - started) / len(answers) * 1e3
    print(
        f"{label:<34} terms found: {per_paper:6.3f} ms/paper ({lines} of {len(papers)} with "
        f"terms)   corrected: {per_answer:6.3f} ms/answer ({replaced} replaced)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=300)
    args = parser.parse_args()
    papers = synthetic_papers(
        args.papers,
        day_window_start=datetime(2026, 1, 5, 19, tzinfo=UTC),
        day_window_end=datetime(2026, 1, 6, 19, tzinfo=UTC),
        categories=["eess.SP", "eess.AS", "cs.SD"],
        seed=7,
    )
    answers = [synthetic_answer("detailed", p.title) for p in papers]
    default = merge(default_terms(), [])
    measure(f"default ({len(default.guide)} terms)", default, papers, answers)
    mine = merge(default_terms(), readers(args.entries))
    label = f"+ a reader's {args.entries + 1} entries"
    measure(label, mine, papers, answers)


if __name__ == "__main__":
    main()
