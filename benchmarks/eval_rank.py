"""Ranking quality, measured: does a profile of one topic bring that topic's papers to the top?

The topic sets are in tests/fixtures/ranking/topics.json: real papers of the three bundled days
(standins/.../sample-toc.json 2026-01-07, sample-jekyll.json 2025-11-19, tests/fixtures/
second-day.json 2026-03-10) and papers written for this evaluation (ISAC, microphone-array
beamforming, speech enhancement, hearing devices, profiles for two topics of 2026-01-07). A fold
is a profile and the targets: either a held-out real day ranked alone, or the targets hidden
among all 81 other papers (a synthetic day). Per ranker and topic it prints nDCG@10 and the
worst rank of a target; then recall@k (k = the number of targets), the folds whose targets are
all within the top k+1, each held-out real day, and the sweep that chose the fusion's weight.

    .venv/bin/python benchmarks/eval_rank.py              # about 10 s, offline
    .venv/bin/python benchmarks/eval_rank.py --markdown   # the tables as Markdown (README)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.core.records import Paper  # noqa: E402
from summarizer.rank.fusion import LEXICAL_WEIGHT, fuse  # noqa: E402
from summarizer.rank.interests import Interests  # noqa: E402
from summarizer.rank.lexical import similarities  # noqa: E402
from summarizer.rank.profile import ProfilePaper  # noqa: E402
from summarizer.rank.ranker import Ranker  # noqa: E402
from summarizer.rank.semantic import BundledModel  # noqa: E402
from summarizer.rank.text import paper_text  # noqa: E402
from summarizer.store.database import Store  # noqa: E402

DAYS = [
    ROOT / "standins/summarizer_standins/data/sample-toc.json",
    ROOT / "standins/summarizer_standins/data/sample-jekyll.json",
    ROOT / "tests/fixtures/second-day.json",
]
TOPICS = ROOT / "tests/fixtures/ranking/topics.json"
SWEEP = (0.0, 0.3, 0.5, 0.6, 0.65, 0.7, 0.8, 1.0)


@dataclass(frozen=True)
class Fold:
    topic: str
    profile: list[str]
    targets: set[str]
    day: list[str]  # the papers ranked, in a fixed order
    real_day: str | None  # the held-out real day, or None for a synthetic one
    keywords: tuple[str, ...]


def load() -> tuple[dict[str, Paper], dict[str, list[str]], list[Fold]]:
    papers: dict[str, Paper] = {}
    days: dict[str, list[str]] = {}
    for path in DAYS:
        data = json.loads(path.read_text("utf-8"))
        found = [Paper.model_validate(r["paper"]) for r in data["records"]]
        papers.update({p.id: p for p in found})
        days[data["day"]] = [p.id for p in found]
    topics = json.loads(TOPICS.read_text("utf-8"))
    for w in topics["papers"]:
        papers[w["id"]] = Paper(
            id=w["id"], version=1, title=w["title"], authors=w["authors"],
            primary_category=w["category"], categories=[w["category"]],
            published=datetime(2026, 1, 6, tzinfo=UTC), abstract=w["abstract"],
            pdf_url=f"https://example.org/{w['id']}",
        )  # fmt: skip
    folds = []
    for name, topic in topics["topics"].items():
        for fold in topic["folds"]:
            real = fold.get("day")
            pool = days[real] if real else list(papers)
            folds.append(
                Fold(
                    topic=name,
                    profile=fold["profile"],
                    targets=set(fold["targets"]),
                    day=[k for k in pool if k not in fold["profile"]],
                    real_day=real,
                    keywords=tuple(topic["keywords"]),
                )
            )
    return papers, days, folds


def ranks(scores: np.ndarray, day: list[str]) -> list[str]:
    """Best first; ties keep the day's order (as the digest does)."""
    return [day[i] for i in np.argsort(-np.round(scores, 3), kind="stable")]


def metrics(order: list[str], targets: set[str]) -> dict[str, float]:
    k = len(targets)
    hits = [p in targets for p in order]
    dcg = sum(1 / math.log2(i + 2) for i, hit in enumerate(hits[:10]) if hit)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, 10)))
    return {
        "ndcg": dcg / ideal,
        "recall": sum(hits[:k]) / k,
        "top_k1": float(all(p in order[: k + 1] for p in targets)),
        "worst": float(max(order.index(p) + 1 for p in targets)),
    }


def evaluate(  # type: ignore[no-untyped-def]
    fold: Fold,
    papers: dict[str, Paper],
    vectors: dict[str, np.ndarray],
    store: Store,
    *,
    with_keywords: bool = True,
):
    texts = [paper_text(papers[k].title, papers[k].abstract) for k in fold.day]
    mine = [paper_text(papers[k].title, papers[k].abstract) for k in fold.profile]
    words = similarities(texts, mine)
    day_v = np.vstack([vectors[k] for k in fold.day])
    prof_v = np.vstack([vectors[k] for k in fold.profile])
    scores = {
        "closest paper (words)": words.each().max(axis=1),
        "words (TF-IDF)": fuse(words).similarity,
        "model (wordllama)": fuse(words, day_v, prof_v, lexical_weight=0.0).similarity,
    }
    profile = [
        ProfilePaper(key=k, title=papers[k].title, abstract=papers[k].abstract)
        for k in fold.profile
    ]
    day = [papers[k] for k in fold.day]
    rankers = [("fusion (default)", ())]
    if with_keywords:
        rankers.append(("fusion + keywords", fold.keywords))
    for label, keywords in rankers:
        ranker = Ranker(
            interests=Interests(keywords=keywords), profile_path=None, top=None, store=store,
            fetch=lambda refs: [], profile=profile,
        )  # fmt: skip
        records = ranker.rank(day).records
        scores[label] = np.array([records[k].score for k in fold.day])
    sweep = {w: fuse(words, day_v, prof_v, lexical_weight=w).similarity for w in SWEEP}
    return scores, sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args()
    papers, _, folds = load()
    keys = list(papers)
    model = BundledModel.load()
    embedded = model.embed([paper_text(papers[k].title, papers[k].abstract) for k in keys])
    vectors = dict(zip(keys, embedded, strict=True))
    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    sweeps: dict[float, list[dict[str, float]]] = {w: [] for w in SWEEP}
    real: list[tuple[Fold, list[str]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "eval.sqlite3")
        for fold in folds:
            scores, sweep = evaluate(fold, papers, vectors, store)
            for label, s in scores.items():
                order = ranks(s, fold.day)
                results.setdefault(label, {}).setdefault(fold.topic, []).append(
                    metrics(order, fold.targets)
                )
                if label == "fusion (default)" and fold.real_day:
                    real.append((fold, order))
            for w, s in sweep.items():
                sweeps[w].append(metrics(ranks(s, fold.day), fold.targets))
        store.close()
    report(results, sweeps, real, folds, markdown=args.markdown)


def report(results, sweeps, real, folds, *, markdown: bool) -> None:  # type: ignore[no-untyped-def]
    topics = list(dict.fromkeys(f.topic for f in folds))
    bar = "|" if markdown else " "
    head = ["ranker", *topics, "nDCG@10", "R@k", "all in top k+1"]
    rows = []
    for label, by_topic in results.items():
        every = [m for t in topics for m in by_topic[t]]
        cells = [
            f"{np.mean([m['ndcg'] for m in ms]):.2f} ({max(m['worst'] for m in ms):.0f})"
            for ms in (by_topic[t] for t in topics)
        ]
        cells += [
            f"{np.mean([m['ndcg'] for m in every]):.3f}",
            f"{np.mean([m['recall'] for m in every]):.2f}",
            f"{sum(m['top_k1'] for m in every):.0f}/{len(every)}",
        ]
        rows.append([label, *cells])
    print(f"{len(folds)} folds over {len(topics)} topics; per topic: mean nDCG@10 (worst rank "
          "of a target)\n")  # fmt: skip
    _table(head, rows, bar=bar, markdown=markdown)
    print("\nheld-out real days, fusion (default): the rank of each target")
    for fold, order in real:
        at = sorted(order.index(p) + 1 for p in fold.targets)
        print(f"  {fold.topic:18} {fold.real_day} ({len(fold.day)} papers): {at}")
    print(f"\nlexical weight of the fusion (default {LEXICAL_WEIGHT}; 0 = model alone, 1 = words)")
    sweep_rows = [
        [
            f"{w:.2f}",
            f"{np.mean([m['ndcg'] for m in ms]):.3f}",
            f"{sum(m['top_k1'] for m in ms):.0f}/{len(ms)}",
        ]
        for w, ms in sweeps.items()
    ]
    _table(["weight", "nDCG@10", "all in top k+1"], sweep_rows, bar=bar, markdown=markdown)


def _table(head: list[str], rows: list[list[str]], *, bar: str, markdown: bool) -> None:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = [head, *rows]
    for n, row in enumerate(lines):
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print(f"{bar} " + f" {bar} ".join(cells) + (f" {bar}" if markdown else ""))
        if markdown and n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


if __name__ == "__main__":
    main()
