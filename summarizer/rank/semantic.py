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
from .text import text_hash

log = logging.getLogger(__name__)
MODEL = "wordllama/l2_supercat_256"  # the name its vectors are stored under
_CHUNK = 512  # texts per count matrix: memory stays flat whatever the day's size


class ModelUnavailable(Exception):
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
        return cls(table=np.ascontiguousarray(loaded.embedding, dtype=np.float32), tokenizer=tokenizer)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (len(texts) x 256, float32), each the normalized mean of its tokens'."""
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        tokens_of: dict[str, list[int]] = {}
        for start in range(0, len(texts), _CHUNK):
            chunk = [text.split() for text in texts[start : start + _CHUNK]]
            new = list(set(chain.from_iterable(chunk)).difference(tokens_of))
            for word, encoding in zip(new, self._encode(new), strict=True):
                tokens_of[word] = encoding
            ids = [list(chain.from_iterable(map(tokens_of.__getitem__, w))) for w in chunk]
            out[start : start + len(chunk)] = self._pooled(ids)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1)

    def _encode(self, words: list[str]) -> list[list[int]]:
        if not words:
            return []
        return [e.ids for e in self.tokenizer.encode_batch(words, add_special_tokens=False)]

    def _pooled(self, ids: list[list[int]]) -> np.ndarray:
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
        np.clip(flat, 0, len(self.table) - 1, out=flat)  # as wordllama does
        used, column = np.unique(flat, return_inverse=True)
        row = np.repeat(np.arange(len(ids)), lengths)
        counts = np.bincount(row * len(used) + column, minlength=len(ids) * len(used))
        sums = counts.reshape(len(ids), len(used)).astype(np.float32) @ self.table[used]
        return sums / np.maximum(lengths, 1)[:, None]


class ModelVectors:
    """Unit vectors by key from the bundled model, stored per (key, model) like the endpoint's:
    only keys not stored, or whose text changed, are embedded."""

    def __init__(self, *, store: Store, model: BundledModel) -> None:
        self.store = store
        self.model = model
        self.name = MODEL
        self.embedded = 0

    def vectors(self, texts: dict[str, str]) -> dict[str, np.ndarray]:
        stored = self.store.embeddings(texts, model=MODEL)
        todo = [k for k, text in texts.items() if stored.get(k, ("",))[0] != text_hash(text)]
        fresh = self.model.embed([texts[k] for k in todo]) if todo else np.zeros((0, 0))
        self.store.save_embeddings(
            [(k, text_hash(texts[k]), v.tolist()) for k, v in zip(todo, fresh, strict=True)],
            model=MODEL,
        )
        self.embedded += len(todo)
        found = {k: np.asarray(v, dtype=np.float32) for k, (_, v) in stored.items() if k in texts}
        found.update(zip(todo, fresh, strict=True))
        return {k: found[k] for k in texts}

    def close(self) -> None:
        """Nothing to release (the Protocol the endpoint's client also follows)."""
