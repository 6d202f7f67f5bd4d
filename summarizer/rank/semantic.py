"""The bundled semantic model: wordllama's static token embeddings, offline, with no key.

The `wordllama` wheel ships the l2_supercat model (a 32,000-token vocabulary, 256 dimensions,
16 MB) and its tokenizer. Its loader looks for the tokenizer under `tokenizer/` while the wheel
ships it under `tokenizers/`, and downloads what it does not find; loading with the package
directory as `cache_dir` and `disable_download=True` finds both bundled files and never reaches
for the network (a missing file is an error, not a download).

A text's vector is the mean of its tokens' vectors (what `WordLlama.embed` computes). Tokens never
span white space, so each distinct word of a day is tokenized once and the mean is taken as a
count matrix times the used rows of the table (one BLAS product per chunk): a 10,000-paper day
embeds in about a second, where `WordLlama.embed` (padded batches) needs ten or more.
Vectors are stored per (paper, model), as the endpoint's are, so a re-run embeds nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from ..store.database import Store
from .bags import Parts, Words
from .text import text_hash
from .vectors import VectorsUnavailable

log = logging.getLogger(__name__)
MODEL = "wordllama/l2_supercat_256"  # the name its vectors are stored under
_STORED = 2048  # keys read, embedded and written at a time
_CHUNK = 128  # texts per count matrix (measured best of 32-256); memory stays flat


class ModelUnavailable(VectorsUnavailable):
    """The bundled model could not be loaded; the message says why in one line."""


@dataclass(frozen=True)
class BundledModel:
    """The token table and tokenizer of wordllama's l2_supercat model."""

    table: np.ndarray  # token id -> vector (float32)
    tokenizer: Any  # tokenizers.Tokenizer

    @classmethod
    def load(cls) -> BundledModel:
        """The model from inside the installed wheel; never a download."""
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            import wordllama  # its import calls logging.basicConfig(level=INFO)
        except ImportError as exc:
            raise ModelUnavailable(f"the wordllama package is not installed ({exc})") from None
        finally:
            root.handlers[:], root.level = handlers, level
        package = Path(wordllama.__file__).parent
        try:
            loaded = wordllama.WordLlama.load(
                config="l2_supercat", dim=256, cache_dir=package, disable_download=True
            )
        except Exception as exc:  # wordllama raises FileNotFoundError, ValueError, OSError...
            raise ModelUnavailable(
                f"wordllama's bundled model could not be loaded from {package} "
                f"({type(exc).__name__}: {exc})"
            ) from None
        tokenizer = loaded.tokenizer
        tokenizer.no_padding()  # wordllama pads batches; a word at a time needs no padding
        return cls(
            table=np.ascontiguousarray(loaded.embedding, dtype=np.float32), tokenizer=tokenizer
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (len(texts) x 256, float32), each the direction of the mean of its
        tokens' vectors (equal to `WordLlama.embed(norm=True)` for texts whose words are
        separated by single spaces, as paper texts are)."""
        return self.embed_words(Words.split(texts))

    def embed_words(self, words: Words) -> np.ndarray:
        """`embed` of texts split already."""
        out = np.zeros((len(words.lengths), self.table.shape[1]), dtype=np.float32)
        parts = self._encode(words.distinct)
        ends = np.cumsum(words.lengths)
        for start in range(0, len(out), _CHUNK):
            stop = min(start + _CHUNK, len(out))
            first = int(ends[start - 1]) if start else 0
            ids, lengths = parts.expand(
                words.flat[first : int(ends[stop - 1])], words.lengths[start:stop]
            )
            np.clip(ids, 0, len(self.table) - 1, out=ids)  # as wordllama does
            out[start:stop] = self._summed(ids, lengths)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1)

    def _encode(self, words: list[str]) -> Parts:
        """Each word's token ids. Read off a batch's encodings straight into arrays: a list of
        ids per word, kept, would be tens of thousands of lists (a full garbage collection)."""
        ids, sizes = [], []
        for start in range(0, len(words), 8192):  # Encoding objects are large: a batch at a time
            batch = self.tokenizer.encode_batch_fast(
                words[start : start + 8192], add_special_tokens=False
            )
            sizes.append(np.fromiter(map(len, batch), dtype=np.int64, count=len(batch)))
            ids.append(np.fromiter(chain.from_iterable(e.ids for e in batch), dtype=np.int64))
        if not sizes:
            return Parts.packed(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        return Parts.packed(np.concatenate(ids), np.concatenate(sizes))

    def _summed(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """The sum of each text's token vectors: a count matrix over the tokens used, times their
        rows of the table (one BLAS product instead of gathering a row per token)."""
        used = np.flatnonzero(np.bincount(ids, minlength=len(self.table)))  # no sort
        column = np.zeros(len(self.table), dtype=np.int64)
        column[used] = np.arange(len(used))
        column = column[ids]
        row = np.repeat(np.arange(len(lengths)), lengths)
        counts = np.bincount(row * len(used) + column, minlength=len(lengths) * len(used))
        return counts.reshape(len(lengths), len(used)).astype(np.float32) @ self.table[used]


class ModelVectors:
    """Unit vectors by key from the bundled model, stored per (key, model) like the endpoint's:
    only keys not stored, or whose text changed, are embedded."""

    def __init__(self, *, store: Store, model: BundledModel) -> None:
        self.store = store
        self.model = model
        self.name = MODEL
        self.embedded = 0

    def vectors(
        self, texts: dict[str, str], *, words: Words | None = None
    ) -> dict[str, np.ndarray]:
        """`words`: the texts split already, in the order of `texts`."""
        keys = list(texts)
        stored = self._stored(texts)
        todo = [n for n, k in enumerate(keys) if k not in stored]
        if words is None:
            fresh = self.model.embed([texts[keys[n]] for n in todo])
        else:
            fresh = self.model.embed_words(words.rows(todo))
        for start in range(0, len(todo), _STORED):  # a slice at a time: memory stays flat
            some = [keys[n] for n in todo[start : start + _STORED]]
            rows = [
                (k, text_hash(texts[k]), v.tobytes())
                for k, v in zip(some, fresh[start : start + _STORED], strict=True)
            ]
            self.store.ranking.save_embeddings(rows, model=MODEL)
        self.embedded += len(todo)
        stored |= {keys[n]: v for n, v in zip(todo, fresh, strict=True)}
        return {k: stored[k] for k in keys}

    def _stored(self, texts: dict[str, str]) -> dict[str, np.ndarray]:
        """The stored vectors of these texts (of the same text), read as one array per slice."""
        found: dict[str, np.ndarray] = {}
        keys = list(texts)
        dims = self.model.table.shape[1]
        for start in range(0, len(keys), _STORED):
            part = {k: texts[k] for k in keys[start : start + _STORED]}
            blobs = self.store.ranking.embedding_blobs(part, model=MODEL)
            usable = [
                k
                for k, (hashed, blob) in blobs.items()
                if hashed == text_hash(part[k]) and len(blob) == 4 * dims
            ]
            table = np.frombuffer(b"".join(blobs[k][1] for k in usable), dtype=np.float32)
            found.update(zip(usable, table.reshape(len(usable), dims), strict=True))
        return found

    def close(self) -> None:
        """Nothing to release (the Protocol the endpoint's client also follows)."""
