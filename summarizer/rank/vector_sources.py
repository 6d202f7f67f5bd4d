"""Where the vectors that rank by meaning come from: the registry of vector sources, tried in order.

An embeddings endpoint when SUMMARIZER_EMBEDDING_MODEL names one, then the model bundled in the
`wordllama` wheel (offline, no key). A source that is not asked for in this run is skipped; one
that cannot serve says why and the next serves; when none can, the day is ranked by words
(rank.similarity). A new source is one more entry in VECTOR_SOURCES: its maker, and what the log
and the run table say when it cannot serve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..store.database import Store
from .vectors import VectorSource


@dataclass(frozen=True)
class SourceOptions:
    """What the makers of the sources are given: the store (vectors are kept per key and
    model), the endpoint's client maker when the run names an embedding model, and whether the
    bundled model may serve."""

    store: Store
    endpoint: Callable[[], VectorSource] | None = None
    bundled: bool = True


@dataclass(frozen=True)
class VectorSourceEntry:
    """One source: `make` gives it, or None when this run does not ask for it (raising
    VectorsUnavailable when it cannot be made); `warning` (logged) and `note` (the run table)
    say why it could not serve, the reason in `{why}`; `how` follows "embedded N texts" when the
    source counts no tokens."""

    name: str
    make: Callable[[SourceOptions], VectorSource | None]
    warning: str
    note: str
    how: str = ""


def _endpoint(options: SourceOptions) -> VectorSource | None:
    return options.endpoint() if options.endpoint is not None else None


def _bundled(options: SourceOptions) -> VectorSource | None:
    if not options.bundled:
        return None
    from .semantic import BundledModel, ModelVectors

    return ModelVectors(store=options.store, model=BundledModel.load())


VECTOR_SOURCES: tuple[VectorSourceEntry, ...] = (
    VectorSourceEntry(
        name="embeddings endpoint",
        make=_endpoint,
        warning=(
            "the embedding endpoint failed ({why}); ranking with the bundled model instead. "
            "SUMMARIZER_EMBEDDING_BASE_URL names an endpoint serving /v1/embeddings; "
            "unset SUMMARIZER_EMBEDDING_MODEL to use the bundled model alone"
        ),
        note="embeddings failed ({why})",
    ),
    VectorSourceEntry(
        name="bundled model",
        make=_bundled,
        warning="{why}; ranking by words alone",
        note="ranked by words: {why}",
        how=" with the bundled model",
    ),
)
