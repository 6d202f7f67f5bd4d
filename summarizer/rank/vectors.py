"""What a source of the vectors that rank by meaning is: `VectorSource`, and the exception it
raises when it cannot serve (the registry of sources is rank/vector_sources.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # numpy and the model load only when a profile is ranked
    import numpy as np

    from .bags import Words


class VectorSource(Protocol):
    """Unit vectors by key, stored per (key, model): the endpoint's Embedder or ModelVectors."""

    embedded: int  # texts embedded so far (not found in the store)

    def vectors(
        self, texts: dict[str, str], *, words: Words | None = None
    ) -> dict[str, np.ndarray]:
        """`words`: the texts split at white space already, in their order (for a source that
        reads words; one that sends the texts ignores it)."""
        ...

    def close(self) -> None: ...


class VectorsUnavailable(Exception):
    """A source that cannot serve, when made or when asked; the message says why in one line."""
