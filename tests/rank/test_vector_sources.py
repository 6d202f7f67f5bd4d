"""The registry of vector sources: tried in order, a source not asked for skipped, one that
cannot be made said once and skipped after, one that fails when asked said each time; the next
serves, and with none the day is ranked by words."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from summarizer.rank import similarity as similarity_module
from summarizer.rank.bags import Words
from summarizer.rank.similarity import Similarity
from summarizer.rank.vector_sources import VECTOR_SOURCES, SourceOptions, VectorSourceEntry
from summarizer.rank.vectors import VectorsUnavailable
from summarizer.store.database import Store

TEXTS = {"a": "speech enhancement", "b": "beamforming arrays"}


class Served:
    """A source that gives every text the same unit vector and counts what it embedded."""

    def __init__(self) -> None:
        self.embedded = 0
        self.closed = False

    def vectors(self, texts: dict[str, str], *, words: Words | None = None) -> dict:  # type: ignore[type-arg]
        self.embedded += len(texts)
        return {key: np.ones(4) / 2 for key in texts}

    def close(self) -> None:
        self.closed = True


class FailsWhenAsked(Served):
    def vectors(self, texts: dict[str, str], *, words: Words | None = None) -> dict:  # type: ignore[type-arg]
        raise VectorsUnavailable("HTTP 502")


def entry(name: str, make, **kwargs) -> VectorSourceEntry:  # type: ignore[no-untyped-def]
    return VectorSourceEntry(
        name=name, make=make, warning=f"{name}: {{why}}", note=f"{name} failed ({{why}})", **kwargs
    )


def cannot_load(options: SourceOptions) -> None:
    raise VectorsUnavailable("no model here")


@pytest.fixture
def similarity(tmp_path: Path) -> Similarity:
    return Similarity(store=Store(tmp_path / "s.sqlite3"))


def vectors_twice(similarity: Similarity) -> list[tuple[object, str]]:
    words = Words.split(list(TEXTS.values()))
    return [similarity._vectors(TEXTS, words) for _ in range(2)]


def test_the_endpoint_comes_first_then_the_bundled_model() -> None:
    assert [e.name for e in VECTOR_SOURCES] == ["embeddings endpoint", "bundled model"]
    assert VECTOR_SOURCES[0].make(SourceOptions(store=None)) is None  # type: ignore[arg-type]


def test_an_unmade_source_is_said_once_and_the_next_serves(
    similarity: Similarity, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    served = Served()
    sources = (
        entry("not asked", lambda options: None),
        entry("broken", cannot_load),
        entry("fine", lambda options: served, how=" by the fine one"),
    )
    monkeypatch.setattr(similarity_module, "VECTOR_SOURCES", sources)
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        (first, first_note), (second, second_note) = vectors_twice(similarity)
    assert set(first) == set(second) == set(TEXTS)  # type: ignore[call-overload]
    assert first_note == "broken failed (no model here); embedded 2 texts by the fine one"
    assert second_note == "broken failed (no model here); embedded 2 texts by the fine one"
    assert [r.getMessage() for r in caplog.records] == ["broken: no model here"]
    similarity.close()
    assert served.closed


def test_a_source_failing_when_asked_is_said_each_time_and_none_left_is_words(
    similarity: Similarity, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sources = (entry("down", lambda options: FailsWhenAsked()), entry("broken", cannot_load))
    monkeypatch.setattr(similarity_module, "VECTOR_SOURCES", sources)
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        results = vectors_twice(similarity)
    assert results == [(None, "down failed (HTTP 502); broken failed (no model here)")] * 2
    said = [r.getMessage() for r in caplog.records]
    assert said == ["down: HTTP 502", "broken: no model here", "down: HTTP 502"]
