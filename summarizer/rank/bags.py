"""Texts as bags of distinct words, for numpy: each text's words as indices into the day's
distinct words, and ids (terms, model tokens) worked out once per distinct word, then expanded.

Tokens never span white space (the word regex stops at it; wordllama's tokenizer marks each space
with its own word-start symbol), so a text's ids are the concatenation of its words' ids, and a
day that repeats a few tens of thousands of distinct words millions of times pays for each once.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

_SLICE = 512  # texts joined and split at a time


def split_words(texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts split on white space: (the distinct words, each text's words as indices into them,
    flat, and the number of words of each text). A slice of texts at a time, so that memory
    holds the distinct words, not the day's millions of word objects; words are counted by their
    single spaces (as `paper_text` separates them), by splitting again where that is not so."""
    index: dict[str, int] = {}
    parts = []
    for start in range(0, len(texts), _SLICE):
        words = " ".join(texts[start : start + _SLICE]).split()
        for word in set(words).difference(index):
            index[word] = len(index)
        parts.append(np.fromiter(map(index.__getitem__, words), dtype=np.int32, count=len(words)))
    lengths = np.fromiter(
        (text.count(" ") + 1 if text else 0 for text in texts), dtype=np.int64, count=len(texts)
    )
    flat = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
    if int(lengths.sum()) != len(flat):
        lengths = np.fromiter((len(t.split()) for t in texts), dtype=np.int64, count=len(texts))
    return list(index), flat, lengths


class Parts:
    """What each distinct word becomes (a list of ids per word), packed for numpy."""

    def __init__(self, parts: list[list[int]]) -> None:
        self.sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        self.firsts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)
        total = int(self.sizes.sum())
        self.ids = np.fromiter(chain.from_iterable(parts), dtype=np.int64, count=total)

    def expand(self, words: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flat word indices of texts (with each text's number of words) to flat ids, each
        word replaced by its parts; returns (ids, number of ids of each text)."""
        sizes = self.sizes[words]
        ids = self.ids[ranges(self.firsts[words], sizes)]
        before = np.concatenate([[0], np.cumsum(sizes)])[np.concatenate([[0], np.cumsum(lengths)])]
        return ids, np.diff(before)


def ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The concatenation of range(s, s + c) for each start s and count c."""
    keep = counts > 0
    starts, counts = starts[keep], counts[keep]
    if not starts.size:
        return np.zeros(0, dtype=np.int64)
    steps = np.ones(int(counts.sum()), dtype=np.int64)
    steps[0] = starts[0]
    steps[np.cumsum(counts)[:-1]] = starts[1:] - (starts[:-1] + counts[:-1] - 1)
    return np.cumsum(steps)
