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
    papers: list[str], profile: list[str], *, words: Words | None = None
) -> LexicalSimilarity:
    """`words`: the papers' texts then the profile's, split already (rank.similarity shares them
    with the model)."""
    n = len(papers)
    if not papers or not profile:
        return LexicalSimilarity(topic=np.zeros(n), own=np.zeros(len(profile)))
    weights = _tfidf(words or Words.split([*papers, *profile]), papers=n)
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
