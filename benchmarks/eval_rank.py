"""Ranking quality, measured: does a profile of one topic bring that topic's papers to the top?

The topic sets are in tests/fixtures/ranking/topics.json: real papers of the three bundled days
(standins/.../sample-toc.json 2026-01-07, sample-jekyll.json 2025-11-19, tests/fixtures/
second-day.json 2026-03-10) and papers written for this evaluation (ISAC, microphone-array
beamforming, speech enhancement, hearing devices, profiles for two topics of 2026-01-07). A fold
is a profile and the targets: either a held-out real day ranked alone, or the targets hidden
among all 81 other papers (a synthetic day). Per ranker and topic it prints nDCG@10 and the
worst rank of a target; then recall@k (k = the number of targets), the folds whose targets are
all within the top k+1, each held-out real day, and the sweeps that chose the fusion's weight
and the exponent of a word's share of the profile (rank.lexical.SHARED). Last, the recency
folds: a profile of an older topic and a recent one (by date added), where the recent topic's
papers should come first, ranked with every profile paper weighing the same and with the
default half-life.

    .venv/bin/python benchmarks/eval_rank.py              # about 15 s, offline
    .venv/bin/python benchmarks/eval_rank.py --markdown   # the tables as Markdown (README)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.core.records import Paper  # noqa: E402
from summarizer.rank.fusion import LEXICAL_WEIGHT, fuse  # noqa: E402
from summarizer.rank.interests import Interests  # noqa: E402
from summarizer.rank.lexical import SHARED, similarities  # noqa: E402
from summarizer.rank.profile import ProfilePaper  # noqa: E402
from summarizer.rank.ranker import Ranker  # noqa: E402
from summarizer.rank.semantic import BundledModel  # noqa: E402
from summarizer.rank.settings import RankSettings  # noqa: E402
from summarizer.rank.text import paper_text  # noqa: E402
from summarizer.store.database import Store  # noqa: E402

DAYS = [
    ROOT / "standins/summarizer_standins/data/sample-toc.json",
    ROOT / "standins/summarizer_standins/data/sample-jekyll.json",
    ROOT / "tests/fixtures/second-day.json",
]
TOPICS = ROOT / "tests/fixtures/ranking/topics.json"
SWEEP = (0.0, 0.3, 0.5, 0.6, 0.65, 0.7, 0.8, 1.0)
SHARED_SWEEP = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0)
HALF_LIFE: float = RankSettings.model_fields["profile_half_life"].default


@dataclass(frozen=True)
class Fold:
    topic: str
    profile: list[str]
    targets: set[str]
    day: list[str]  # the papers ranked, in a fixed order
    real_day: str | None  # the held-out real day, or None for a synthetic one
    keywords: tuple[str, ...]
    added: dict[str, datetime] = field(default_factory=dict)  # profile paper -> date added
    older: set[str] = field(default_factory=set)  # a recency fold's older topic's targets


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


def recency_folds(papers: dict[str, Paper], folds: list[Fold]) -> list[Fold]:
    """The recency folds: an older topic's profile and a recent one's, dated a week apart from
    each side's date on, against every other paper; the targets are the recent topic's."""
    by_topic: dict[str, list[Fold]] = {}
    for fold in folds:
        by_topic.setdefault(fold.topic, []).append(fold)
    found = []
    for pair in json.loads(TOPICS.read_text("utf-8"))["recency"]:
        old, new = (by_topic[pair[s]["topic"]][pair[s]["fold"]] for s in ("older", "recent"))
        added: dict[str, datetime] = {}
        for side, fold in (("older", old), ("recent", new)):
            first = datetime.fromisoformat(pair[side]["added"]).replace(tzinfo=UTC)
            added |= {k: first + timedelta(weeks=n) for n, k in enumerate(fold.profile)}
        profile = [*old.profile, *new.profile]
        found.append(
            Fold(
                topic=f"{old.topic} -> {new.topic}",
                profile=profile,
                targets=new.targets,
                day=[k for k in papers if k not in profile],
                real_day=None,
                keywords=(),
                added=added,
                older=old.targets,
            )
        )
    return found


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
    """The scores of each ranker, and the sweeps: {"weight": {w: fused similarities}, "shared":
    {s: ...}}."""
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
    rankers: list[tuple[str, tuple[str, ...]]] = [("fusion (default)", ())]
    if with_keywords:
        rankers.append(("fusion + keywords", fold.keywords))
    for label, keywords in rankers:
        scores[label] = ranked(fold, papers, store, keywords=keywords)
    sweeps = {
        "weight": {w: fuse(words, day_v, prof_v, lexical_weight=w).similarity for w in SWEEP},
        "shared": {
            s: fuse(similarities(texts, mine, shared=s), day_v, prof_v).similarity
            for s in SHARED_SWEEP
        },
    }
    return scores, sweeps


def ranked(
    fold: Fold,
    papers: dict[str, Paper],
    store: Store,
    *,
    keywords: tuple[str, ...] = (),
    half_life: float = 0.0,
) -> np.ndarray:
    """The score of each paper of the fold's day, as a run ranks it (the bundled model)."""
    profile = [
        ProfilePaper(
            key=k, title=papers[k].title, abstract=papers[k].abstract, added=fold.added.get(k)
        )
        for k in fold.profile
    ]
    ranker = Ranker(
        interests=Interests(keywords=keywords), profile_path=None, top=None, store=store,
        fetch=lambda refs: [], profile=profile, half_life=half_life,
    )  # fmt: skip
    records = ranker.rank([papers[k] for k in fold.day]).records
    return np.array([records[k].score for k in fold.day])


def recent_first(order: list[str], fold: Fold) -> dict[str, object]:
    """Where the recent topic's targets and the older topic's rank, and the share of (recent,
    older) pairs in which the recent one comes first."""
    recent = sorted(order.index(p) + 1 for p in fold.targets)
    older = sorted(order.index(p) + 1 for p in fold.older)
    pairs = [r < o for r in recent for o in older]
    return {"recent": recent, "older": older, "first": sum(pairs) / len(pairs)}


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
    sweeps: dict[str, dict[float, list[dict[str, float]]]] = {"weight": {}, "shared": {}}
    real: list[tuple[Fold, list[str]]] = []
    recency: list[tuple[Fold, dict[float, dict[str, object]]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "eval.sqlite3")
        for fold in folds:
            scores, swept = evaluate(fold, papers, vectors, store)
            for label, s in scores.items():
                order = ranks(s, fold.day)
                results.setdefault(label, {}).setdefault(fold.topic, []).append(
                    metrics(order, fold.targets)
                )
                if label == "fusion (default)" and fold.real_day:
                    real.append((fold, order))
            for name, by_value in swept.items():
                for value, s in by_value.items():
                    found = metrics(ranks(s, fold.day), fold.targets)
                    sweeps[name].setdefault(value, []).append(found)
        for fold in recency_folds(papers, folds):
            recency.append(
                (
                    fold,
                    {
                        h: recent_first(
                            ranks(ranked(fold, papers, store, half_life=h), fold.day), fold
                        )
                        for h in (0.0, HALF_LIFE)
                    },
                )
            )
        store.close()
    bar = "|" if args.markdown else " "
    report(results, real, folds, bar=bar)
    report_sweeps(sweeps, bar=bar)
    report_recency(recency, bar=bar)


def report(results, real, folds, *, bar: str) -> None:  # type: ignore[no-untyped-def]
    topics = list(dict.fromkeys(f.topic for f in folds))
    head = ["ranker", *topics, "nDCG@10", "R@k", "all in top k+1"]
    rows = []
    for label, by_topic in results.items():
        every = [m for t in topics for m in by_topic[t]]
        cells = [
            f"{np.mean([m['ndcg'] for m in ms]):.2f} ({max(m['worst'] for m in ms):.0f})"
            for ms in (by_topic[t] for t in topics)
        ]
        rows.append([label, *cells, *_summary(every)])
    print(f"{len(folds)} folds over {len(topics)} topics; per topic: mean nDCG@10 (worst rank "
          "of a target)\n")  # fmt: skip
    _table(head, rows, bar=bar)
    print("\nheld-out real days, fusion (default): the rank of each target")
    for fold, order in real:
        at = sorted(order.index(p) + 1 for p in fold.targets)
        print(f"  {fold.topic:18} {fold.real_day} ({len(fold.day)} papers): {at}")


def report_sweeps(sweeps: dict[str, dict[float, list[dict[str, float]]]], *, bar: str) -> None:
    head = ["nDCG@10", "R@k", "all in top k+1"]
    print(f"\nlexical weight of the fusion (default {LEXICAL_WEIGHT}; 0 = model alone, 1 = words)")
    rows = [[f"{w:.2f}", *_summary(ms)] for w, ms in sweeps["weight"].items()]
    _table(["weight", *head], rows, bar=bar)
    print(f"\nexponent of a word's share of the profile (default {SHARED}; 0 = the plain mean)")
    rows = [[f"{s:.2f}", *_summary(ms)] for s, ms in sweeps["shared"].items()]
    _table(["exponent", *head], rows, bar=bar)


def report_recency(recency: list[tuple[Fold, dict[float, dict[str, object]]]], *, bar: str) -> None:
    print(
        "\nrecency: a profile of an older topic and a recent one (added about two years apart), "
        "fusion (default); the ranks of each topic's papers, and the share of pairs in which the "
        "recent topic's paper comes first"
    )
    head = ["older -> recent topic", "half-life", "recent topic", "older topic", "recent first"]
    rows = []
    for fold, by_half_life in recency:
        for half_life, found in by_half_life.items():
            rows.append(
                [
                    fold.topic,
                    f"{half_life:.0f} days" if half_life else "none",
                    ", ".join(map(str, found["recent"])),  # type: ignore[call-overload]
                    ", ".join(map(str, found["older"])),  # type: ignore[call-overload]
                    f"{found['first']:.2f}",
                ]
            )
    _table(head, rows, bar=bar)


def _summary(found: list[dict[str, float]]) -> list[str]:
    return [
        f"{np.mean([m['ndcg'] for m in found]):.3f}",
        f"{np.mean([m['recall'] for m in found]):.2f}",
        f"{sum(m['top_k1'] for m in found):.0f}/{len(found)}",
    ]


def _table(head: list[str], rows: list[list[str]], *, bar: str) -> None:
    markdown = bar == "|"
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
