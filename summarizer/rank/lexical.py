"""Similarity of papers to the profile as a whole, by words: TF-IDF over stemmed words and pairs.

Each paper is a TF-IDF vector (log-scaled counts of its stemmed words and of adjacent word pairs,
weighted by inverse document frequency over the day's papers and the profile's, unit length);
the profile is the mean of its papers' vectors, and a paper's score is its cosine to that mean.
Scored against the profile as a whole, a long abstract on another topic no longer wins by
matching one profile paper well (benchmarks/eval_rank.py: nDCG@10 0.69 against 0.65 for the
closest single profile paper); word pairs ("audio languag", "speech enhanc") tell a topic from
its words used apart (they scored better than words alone when this was chosen).

Everything is numpy over integer ids, each distinct word stemmed once (rank.bags): a 10,000-paper
day against a 500-paper profile takes about 2 s of CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bags import Parts, ranges, split_words
from .text import terms_of_words


@dataclass(frozen=True)
class _Weights:
    """The corpus (day's papers, then profile papers) as sparse unit TF-IDF rows."""

    doc: np.ndarray  # entry -> row (sorted)
    feature: np.ndarray  # entry -> feature id
    weight: np.ndarray  # entry -> weight (each row has unit length)
    papers: int  # rows [0, papers) are the day's, the rest the profile's
    features: int


@dataclass(frozen=True)
class LexicalSimilarity:
    """`topic`: each paper's cosine to the profile centroid; `own`: each profile paper's cosine
    to the centroid of the others (what "as close as your own papers" means)."""

    topic: np.ndarray
    own: np.ndarray
    weights: _Weights | None = None

    def each(self) -> np.ndarray:
        """Cosines, papers x profile papers, over the words and pairs at most 2 % of the papers
        share (at least 64 papers): to name the profile paper a paper is closest to, words that
        many papers share say little and would cost the most (every paper holding them would be
        visited once per profile paper holding them)."""
        w = self.weights
        if w is None:
            return np.zeros((len(self.topic), len(self.own)), dtype=np.float32)
        mine = w.doc >= w.papers
        df = np.bincount(w.feature[~mine], minlength=w.features)
        theirs = ~mine & (df <= max(64, w.papers // 50))[w.feature]
        order = np.argsort(w.feature[theirs], kind="stable")
        doc, feature, weight = (a[theirs][order] for a in (w.doc, w.feature, w.weight))
        starts = np.searchsorted(feature, np.arange(w.features + 1))
        out = np.zeros((w.papers, len(self.own)), dtype=np.float32)
        rows, cols, vals = w.doc[mine] - w.papers, w.feature[mine], w.weight[mine]
        bounds = np.searchsorted(rows, np.arange(len(self.own) + 1))
        for j in range(len(self.own)):  # a profile paper's words, looked up in the papers'
            f, v = cols[bounds[j] : bounds[j + 1]], vals[bounds[j] : bounds[j + 1]]
            first, counts = starts[f], starts[f + 1] - starts[f]
            at = ranges(first, counts)
            out[:, j] = np.bincount(doc[at], weight[at] * np.repeat(v, counts), w.papers)
        return out


def similarities(papers: list[str], profile: list[str]) -> LexicalSimilarity:
    n = len(papers)
    if not papers or not profile:
        return LexicalSimilarity(topic=np.zeros(n), own=np.zeros(len(profile)))
    weights = _tfidf([*papers, *profile], papers=n)
    rows = len(papers) + len(profile)
    mine = weights.doc >= n
    centroid = np.bincount(weights.feature[mine], weights.weight[mine], weights.features)
    norm = float(np.linalg.norm(centroid))
    if norm == 0:
        return LexicalSimilarity(topic=np.zeros(n), own=np.zeros(len(profile)))
    cosine = np.bincount(weights.doc, weights.weight * centroid[weights.feature], rows) / norm
    own = leave_one_out(cosine[n:], norm)
    return LexicalSimilarity(topic=cosine[:n], own=own, weights=weights)


def leave_one_out(cosines: np.ndarray, norm: float) -> np.ndarray:
    """Each unit vector's cosine to the sum of the others, from its cosine to the sum of all
    (whose length is `norm`): u.(s - u) / |s - u|, with u.s = cosine * norm and u.u = 1. One
    vector alone has no others: 1."""
    if len(cosines) < 2:
        return np.ones(len(cosines))
    dot = cosines * norm
    rest = np.sqrt(np.maximum(norm * norm - 2 * dot + 1, 1e-12))
    return np.clip((dot - 1) / rest, -1.0, 1.0)


def _tfidf(texts: list[str], *, papers: int) -> _Weights:
    features, owner = _features(texts)
    vocabulary = np.unique(features)
    key = owner * len(vocabulary) + np.searchsorted(vocabulary, features)
    del features, owner  # the largest arrays: let them go before the next sort
    entries, counts = np.unique(key, return_counts=True)
    del key
    doc, feature = (a.astype(np.int32) for a in np.divmod(entries, len(vocabulary)))
    df = np.bincount(feature, minlength=len(vocabulary))
    idf = np.log((1 + len(texts)) / (1 + df)) + 1  # smoothed: a word every paper has still counts
    weight = ((1 + np.log(counts)) * idf[feature]).astype(np.float32)
    norms = np.sqrt(np.bincount(doc, weight * weight, len(texts))).astype(np.float32)
    weight /= np.where(norms > 0, norms, 1)[doc]
    return _Weights(doc, feature, weight, papers, len(vocabulary))


def _features(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every word and adjacent word pair of every text as an integer, and the text it is in."""
    distinct, words, counts = split_words(texts)
    ids: dict[str, int] = {}
    terms = [[ids.setdefault(t, len(ids)) for t in found] for found in terms_of_words(distinct)]
    flat, lengths = Parts(terms).expand(words, counts)
    del words
    row = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    within = row[1:] == row[:-1]  # adjacent words of one text make a pair
    size = len(ids) or 1
    pairs = size + flat[:-1][within] * size + flat[1:][within]
    return np.concatenate([flat, pairs]), np.concatenate([row, row[:-1][within]])
