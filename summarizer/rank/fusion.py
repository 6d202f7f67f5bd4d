"""One similarity from two signals: words (TF-IDF, always) and meaning (vectors, when there are).

Both compare a paper with the profile as a whole (its centroid). The vectors are first centered
on the day's mean: averaged token embeddings of any two abstracts are close (they share the
words of every abstract), and removing what the day's papers have in common leaves what tells
them apart (for the bundled model alone it raised nDCG@10 from 0.54 to 0.63 when this was
chosen; a fixed center, or removing principal components too, did worse). Each signal is scaled
by its spread over the day, then mixed: LEXICAL_WEIGHT of words, the rest meaning. That is a
z-score fusion, picked over sums of min-max scores and reciprocal rank fusion, and its weight
by benchmarks/eval_rank.py: the most topic sets with every target in the top k+1 (the issue's
bar), ties broken by nDCG@10 (see the README).

The similarity shown is that mix relative to the profile's own papers, r = 1 when a paper is as
close to the profile as the profile's papers are, on average, to the rest of it, and shown as
r / (1 + r): 0.5 is "as close as your own papers", nearer 1 closer still, 0 nothing in common.
(Clipping r at 1 instead would tie every paper closer than the profile's own, and a profile of a
few short abstracts has many.) The profile papers a paper is closest to are picked by the same
mix, paper against each profile paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lexical import LexicalSimilarity, leave_one_out

LEXICAL_WEIGHT = 0.65  # of words; 1 - this of the vectors (benchmarks/eval_rank.py)
MIN_DAY = 8  # fewer papers are no day to center the vectors on: words alone
CLOSEST = 2  # profile papers named in a reason
_ROWS = 2048  # papers at a time in the papers x profile products


@dataclass(frozen=True)
class Fused:
    similarity: np.ndarray  # per paper, in [0, 1): 0.5 is as close as the profile's own papers
    closest: list[tuple[int, ...]]  # per paper, the indices of its closest profile papers


def fuse(
    words: LexicalSimilarity,
    papers: np.ndarray | None = None,
    profile: np.ndarray | None = None,
    *,
    lexical_weight: float = LEXICAL_WEIGHT,
) -> Fused:
    """`papers` and `profile`: unit vectors (rows), or None to rank by words alone."""
    n = len(words.topic)
    if papers is None or profile is None or n < MIN_DAY:
        return Fused(_relative(words.topic, float(np.mean(words.own))), _closest(words.each()))
    center = papers.mean(axis=0)
    day, mine = _unit(papers - center), _unit(profile - center)
    total = mine.sum(axis=0)
    norm = float(np.linalg.norm(total))
    centroid = total / norm if norm > 0 else total
    meaning, meaning_own = day @ centroid, leave_one_out(mine @ centroid, norm)
    a = lexical_weight / _scale(words.topic, words.own)
    b = (1 - lexical_weight) / _scale(meaning, meaning_own)
    similarity = a * words.topic + b * meaning
    own = a * float(np.mean(words.own)) + b * float(np.mean(meaning_own))
    each = words.each()
    each *= a
    for start in range(0, n, _ROWS):  # in slices: memory stays flat
        each[start : start + _ROWS] += b * (day[start : start + _ROWS] @ mine.T)
    return Fused(_relative(similarity, own), _closest(each))


def _scale(day: np.ndarray, own: np.ndarray) -> float:
    """A signal's spread over the day (its standard deviation), or, with no spread to measure,
    the profile papers' own mean similarity."""
    spread = float(np.std(day)) if len(day) > 1 else 0.0
    if spread > 1e-9:
        return spread
    mean = float(np.mean(own)) if len(own) else 0.0
    return mean if mean > 1e-9 else 1.0


def _relative(similarity: np.ndarray, own: float) -> np.ndarray:
    if own <= 1e-9:
        return np.zeros(len(similarity))
    ratio = np.clip(similarity / own, 0.0, None)
    return ratio / (1 + ratio)


def _closest(each: np.ndarray) -> list[tuple[int, ...]]:
    """Per row, the columns of the CLOSEST highest positive values, best first."""
    k = min(CLOSEST, each.shape[1])
    found: list[tuple[int, ...]] = []
    for start in range(0, len(each), _ROWS):
        rows = each[start : start + _ROWS]
        if k == 0:
            found += [()] * len(rows)
            continue
        best = np.argpartition(-rows, k - 1, axis=1)[:, :k]
        values = np.take_along_axis(rows, best, axis=1)
        order = np.argsort(-values, axis=1, kind="stable")
        best, values = np.take_along_axis(best, order, 1), np.take_along_axis(values, order, 1)
        found += [
            tuple(j for j, v in zip(row, vals, strict=True) if v > 0)
            for row, vals in zip(best.tolist(), values.tolist(), strict=True)
        ]
    return found


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1)
