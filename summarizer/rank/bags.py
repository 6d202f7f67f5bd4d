"""Texts as bags of distinct words, for numpy: each text's words as indices into the day's
distinct words, and ids (terms, model tokens) worked out once per distinct word, then expanded.

Tokens never span white space (the word regex stops at it; wordllama's tokenizer marks each space
with its own word-start symbol), so a text's ids are the concatenation of its words' ids, and a
day that repeats a few tens of thousands of distinct words millions of times pays for each once.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np

from .text import single_spaced

_SPAN = 1 << 20  # bytes of text hashed at a time (with 16 bytes of numbers per byte)
_BASE = 0x100000001B3  # the hash's base: odd, and large (the 64-bit FNV prime)
_MIX = 0x9E3779B97F4A7C15  # a word's length, mixed into its hash


@dataclass(frozen=True)
class Words:
    """Texts split at white space once, for every signal that reads them (words, the model)."""

    distinct: list[str]
    flat: np.ndarray  # each text's words in turn, as indices into `distinct`
    lengths: np.ndarray  # the number of words of each text

    @classmethod
    def split(cls, texts: list[str]) -> Words:
        return cls(*split_words(texts))

    def rows(self, which: list[int]) -> Words:
        """These texts alone, in this order, over the distinct words they use."""
        if which == list(range(len(self.lengths))):
            return self
        picked = np.asarray(which, dtype=np.int64)
        starts = np.cumsum(self.lengths) - self.lengths
        flat = self.flat[ranges(starts[picked], self.lengths[picked])]
        used = np.flatnonzero(np.bincount(flat, minlength=len(self.distinct)))
        renumber = np.zeros(len(self.distinct), dtype=np.int64)
        renumber[used] = np.arange(len(used))
        distinct = [self.distinct[i] for i in used.tolist()]
        return Words(distinct, renumber[flat], self.lengths[picked])


def split_words(texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts split on white space: (the distinct words, each text's words as indices into them,
    flat, and the number of words of each text), with no Python object per word (a day holds
    millions of words and a few tens of thousands of distinct ones; a dict lookup per word cost
    three times this). The texts, joined by single spaces, are read as UTF-8 bytes; each word gets
    a 64-bit hash that does not depend on where it is (a polynomial hash from prefix sums), the
    sorted distinct hashes number the words, and each distinct word is decoded once. Two distinct
    words of a day share a hash with a chance of about 1e-10 (50,000 words in 2^64 values); if
    they did, one would be counted as the other in the ranking's words."""
    plain = [single_spaced(t) for t in texts]
    lengths = np.fromiter((t.count(" ") + 1 if t else 0 for t in plain), np.int64, len(plain))
    data = " ".join(plain).encode("utf-8")
    del plain
    hashes, starts, ends = _hashed_words(data)
    distinct = np.sort(hashes)
    new = np.ones(len(distinct), dtype=bool)
    new[1:] = distinct[1:] != distinct[:-1]
    distinct = distinct[new]
    flat = np.searchsorted(distinct, hashes)
    del hashes
    where = np.zeros(len(distinct), dtype=np.int64)
    where[flat] = np.arange(len(flat))  # any one place of each distinct word
    words = [
        data[start:end].decode("utf-8")
        for start, end in zip(starts[where].tolist(), ends[where].tolist(), strict=True)
    ]
    return words, flat, lengths


def _hashed_words(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hash, start, end) of each word of `data` (words are separated by single spaces; an
    empty text between two spaces holds none): hash = sum of byte i * BASE^i over the word's
    bytes (modulo 2^64), mixed with its length. From prefix sums over the whole text, each
    divided by BASE^start (an odd BASE has an inverse modulo 2^64), some bytes at a time."""
    text = np.frombuffer(data, dtype=np.uint8)
    spaces = np.flatnonzero(text == 32)
    starts = np.concatenate([[0], spaces + 1])
    ends = np.append(spaces, len(text))
    del spaces
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    hashes = np.zeros(len(starts), dtype=np.uint64)
    power, inverse = _powers(min(len(text), _SPAN))
    first = 0
    while first < len(starts):
        last = max(first + 1, int(np.searchsorted(ends, starts[first] + _SPAN, "right")))
        at, stop = int(starts[first]), int(ends[last - 1])
        if stop - at > len(power):  # one word longer than a span
            power, inverse = _powers(stop - at)
        prefix = np.zeros(stop - at + 1, dtype=np.uint64)
        np.cumsum(text[at:stop] * power[: stop - at], out=prefix[1:])
        begin, end = starts[first:last] - at, ends[first:last] - at
        hashes[first:last] = (prefix[end] - prefix[begin]) * inverse[begin]
        hashes[first:last] ^= (end - begin).astype(np.uint64) * _MIX
        first = last
    return hashes, starts, ends


def _powers(count: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE^i and BASE^-i modulo 2^64, for i < count (numpy's uint64 products wrap)."""
    out = []
    for base in (_BASE, pow(_BASE, -1, 1 << 64)):
        steps = np.full(max(count, 1), base, dtype=np.uint64)
        steps[0] = 1
        out.append(np.cumprod(steps))
    return out[0], out[1]


class Parts:
    """What each distinct word becomes (a list of ids per word), packed for numpy."""

    def __init__(self, parts: list[list[int]]) -> None:
        sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        total = int(sizes.sum())
        self._fill(np.fromiter(chain.from_iterable(parts), np.int64, total), sizes)

    @classmethod
    def packed(cls, ids: np.ndarray, sizes: np.ndarray) -> Parts:
        """From the parts laid end to end and the number of ids of each."""
        parts = cls.__new__(cls)
        parts._fill(ids.astype(np.int64, copy=False), sizes.astype(np.int64, copy=False))
        return parts

    def _fill(self, ids: np.ndarray, sizes: np.ndarray) -> None:
        self.ids, self.sizes = ids, sizes
        self.firsts = np.cumsum(sizes) - sizes

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
