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

import re
from dataclasses import dataclass

import numpy as np

from .bags import Parts, Words, ranges
from .text import STOPWORDS, TOKEN, han_terms, stem_words

_PIECES = re.compile("\n|" + TOKEN.pattern)  # a word's pieces, and the break after each word
SHARED = 0.3  # the exponent of a word's share of the profile (benchmarks/eval_rank.py)


@dataclass(frozen=True)
class _Weights:
    """The corpus (day's papers, then profile papers) as sparse unit TF-IDF rows, the entries
    ordered by feature, then row."""

    doc: np.ndarray  # entry -> row
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
        doc, feature, weight = (a[theirs] for a in (w.doc, w.feature, w.weight))
        starts = np.searchsorted(feature, np.arange(w.features + 1))
        out = np.zeros((w.papers, len(self.own)), dtype=np.float32)
        by_row = np.argsort(w.doc[mine], kind="stable")
        rows, cols, vals = (a[mine][by_row] for a in (w.doc - w.papers, w.feature, w.weight))
        bounds = np.searchsorted(rows, np.arange(len(self.own) + 1))
        for j in range(len(self.own)):  # a profile paper's words, looked up in the papers'
            f, v = cols[bounds[j] : bounds[j + 1]], vals[bounds[j] : bounds[j + 1]]
            first, counts = starts[f], starts[f + 1] - starts[f]
            at = ranges(first, counts)
            out[:, j] = np.bincount(doc[at], weight[at] * np.repeat(v, counts), w.papers)
        return out


def similarities(
    papers: list[str],
    profile: list[str],
    *,
    words: Words | None = None,
    weights: np.ndarray | None = None,
    shared: float = SHARED,
) -> LexicalSimilarity:
    """`words`: the papers' texts then the profile's, split already (rank.similarity shares them
    with the model); `weights`: each profile paper's weight in the centroid (recency; equal when
    None); `shared`: the exponent of the share of the profile's papers that use a word."""
    n = len(papers)
    if not papers or not profile:
        return LexicalSimilarity(topic=np.zeros(n), own=np.zeros(len(profile)))
    tfidf = _tfidf(words or Words.split([*papers, *profile]), papers=n)
    mine = _Profile(tfidf, np.ones(len(profile)) if weights is None else weights, shared)
    if mine.norm == 0:
        return LexicalSimilarity(topic=np.zeros(n), own=np.zeros(len(profile)))
    at = mine.centroid[tfidf.feature]
    cosine = np.bincount(tfidf.doc, tfidf.weight * at, n + len(profile)) / mine.norm
    return LexicalSimilarity(topic=cosine[:n], own=mine.own(), weights=tfidf)


class _Profile:
    """The profile's centroid: the weighted sum of its papers' unit vectors, each word's weight
    times the (weighted) share of the profile's papers that use it, to the power `shared`. A word
    several of the reader's papers share says more about what they read than a word of one paper
    (the relevance feedback of probabilistic retrieval weighs a term by the share of the known
    relevant papers that hold it); benchmarks/eval_rank.py sweeps the exponent."""

    def __init__(self, tfidf: _Weights, weights: np.ndarray, shared: float) -> None:
        mine = tfidf.doc >= tfidf.papers
        self.row = tfidf.doc[mine] - tfidf.papers
        self.feature, self.value = tfidf.feature[mine], tfidf.weight[mine].astype(np.float64)
        self.weights, self.shared, self.total = weights, shared, float(weights.sum())
        paper = weights[self.row]
        self.sum = np.bincount(self.feature, self.value * paper, tfidf.features)
        self.held = np.bincount(self.feature, paper, tfidf.features)  # weighted papers using it
        self.centroid = self.sum * (self.held / self.total) ** shared
        self.norm = float(np.linalg.norm(self.centroid))

    def own(self) -> np.ndarray:
        """Each profile paper's cosine to the centroid of the others (made as above, without it),
        never built whole: on its own words the sums and shares change; on the other words only
        the shares' denominator, the same factor for each."""
        count = len(self.weights)
        if count < 2:
            return np.ones(count)
        rest = np.maximum(self.total - self.weights, 1e-12)
        paper, left = self.weights[self.row], rest[self.row]
        share = np.maximum(self.held[self.feature] - paper, 0) / left
        others = (self.sum[self.feature] - paper * self.value) * share**self.shared
        dot = np.bincount(self.row, self.value * others, count)
        scale = (self.total / rest) ** (2 * self.shared)  # on the words the paper does not use
        before = np.bincount(self.row, self.centroid[self.feature] ** 2, count)
        length = scale * (self.norm**2 - before) + np.bincount(self.row, others**2, count)
        return np.clip(dot / np.sqrt(np.maximum(length, 1e-12)), -1.0, 1.0)


def leave_one_out(
    cosines: np.ndarray, norm: float, weights: np.ndarray | None = None
) -> np.ndarray:
    """Each unit vector's cosine to the weighted sum of the others, from its cosine to the
    weighted sum s of all (whose length is `norm`): u.(s - a u) / |s - a u|, with u.s = cosine *
    norm and u.u = 1, a its weight (1 when None). One vector alone has no others: 1."""
    if len(cosines) < 2:
        return np.ones(len(cosines))
    a = np.ones(len(cosines)) if weights is None else weights
    dot = cosines * norm
    rest = np.sqrt(np.maximum(norm * norm - 2 * a * dot + a * a, 1e-12))
    return np.clip((dot - a) / rest, -1.0, 1.0)


def _tfidf(words: Words, *, papers: int) -> _Weights:
    """Sorting (feature, text) keys groups each feature's entries: one sort counts each feature
    in each text, numbers the features (a new feature where the key's feature changes, with no
    search for it) and leaves the entries in the order `each` reads the day's papers in."""
    texts = len(words.lengths)
    features, owner = _features(words)
    keys = features * texts
    keys += owner
    del features, owner  # the largest arrays: let them go before the next
    keys.sort()
    first = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    counts = np.diff(np.append(first, len(keys)))
    raw, doc = np.divmod(keys[first], texts)
    del keys
    feature = np.cumsum(np.concatenate([[False], raw[1:] != raw[:-1]]))
    vocabulary = int(feature[-1]) + 1 if len(feature) else 0
    df = np.bincount(feature, minlength=vocabulary)
    idf = np.log((1 + texts) / (1 + df)) + 1  # smoothed: a word every paper has still counts
    weight = ((1 + np.log(counts)) * idf[feature]).astype(np.float32)
    norms = np.sqrt(np.bincount(doc, weight * weight, texts)).astype(np.float32)
    weight /= np.where(norms > 0, norms, 1)[doc]
    return _Weights(doc, feature, weight, papers, vocabulary)


def _features(words: Words) -> tuple[np.ndarray, np.ndarray]:
    """Every term and adjacent term pair of every text as an integer, and the text it is in."""
    parts, size = _terms(words.distinct)
    flat, lengths = parts.expand(words.flat, words.lengths)
    row = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    within = row[1:] == row[:-1]  # adjacent terms of one text make a pair
    size = size or 1
    pairs = size + flat[:-1][within] * size + flat[1:][within]
    return np.concatenate([flat, pairs]), np.concatenate([row, row[:-1][within]])


def _terms(distinct: list[str]) -> tuple[Parts, int]:
    """The term ids each of the distinct words holds (`text.terms_of_words`, all words at once),
    and the number of terms: the words joined by line breaks are read by one regex, each distinct
    piece made terms once, and the pieces given back to their words by the line breaks."""
    found = _PIECES.findall("\n".join(distinct).lower() + "\n")
    number = {piece: n for n, piece in enumerate(dict.fromkeys(found))}
    index = np.fromiter(map(number.__getitem__, found), dtype=np.int64, count=len(found))
    breaks = index == number["\n"]
    per_word = np.diff(np.concatenate([[-1], np.flatnonzero(breaks)])) - 1
    # A piece is ASCII letters and digits (or the line break), or a run of Han characters.
    latin = [p for p in number if p.isascii() and len(p) > 1 and p not in STOPWORDS]
    han = [p for p in number if not p.isascii()]
    terms: dict[str, int] = {}
    # No list per piece: tens of thousands of small lists set off a full garbage collection.
    stems = [terms.setdefault(s, len(terms)) for s in stem_words(latin)]
    bigrams = [[terms.setdefault(t, len(terms)) for t in han_terms(p)] for p in han]
    sizes = np.zeros(len(number), dtype=np.int64)
    at_latin = np.fromiter(map(number.__getitem__, latin), dtype=np.int64, count=len(latin))
    sizes[at_latin] = 1
    sizes[[number[p] for p in han]] = [len(b) for b in bigrams]
    held = np.zeros(int(sizes.sum()), dtype=np.int64)
    firsts = np.cumsum(sizes) - sizes
    held[firsts[at_latin]] = stems
    for piece, of_piece in zip(han, bigrams, strict=True):
        held[firsts[number[piece]] : firsts[number[piece]] + len(of_piece)] = of_piece
    return Parts.packed(*Parts.packed(held, sizes).expand(index[~breaks], per_word)), len(terms)
