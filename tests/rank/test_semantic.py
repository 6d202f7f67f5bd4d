"""The bundled semantic model: the real l2_supercat weights from the installed wordllama wheel,
loaded with no network, its vectors, their storage, and what a run does when it cannot load."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np
import pytest

from summarizer.rank.interests import Interests
from summarizer.rank.profile import ProfilePaper
from summarizer.rank.ranker import Ranker
from summarizer.rank.semantic import MODEL, BundledModel, ModelUnavailable, ModelVectors
from summarizer.rank.text import paper_text
from summarizer.store.database import Store
from tests.app.test_startup import imported_by
from tests.conftest import TESTS
from tests.rank.test_rank import paper

PROFILES = TESTS / "fixtures" / "profiles"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to connect anywhere fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def model() -> BundledModel:
    return BundledModel.load()


def test_the_wheel_ships_the_weights_and_the_tokenizer() -> None:
    import wordllama

    package = Path(wordllama.__file__).parent
    assert (package / "weights" / "l2_supercat_256.safetensors").stat().st_size > 10_000_000
    assert (package / "tokenizers" / "l2_supercat_tokenizer_config.json").is_file()


def test_the_model_loads_without_the_network(no_network: None) -> None:
    loaded = BundledModel.load()
    assert loaded.table.shape == (32000, 256) and loaded.table.dtype == np.float32


def test_vectors_are_wordllamas_own(model: BundledModel) -> None:
    import wordllama

    reference = wordllama.WordLlama.load(
        cache_dir=Path(wordllama.__file__).parent, disable_download=True
    )
    texts = [
        paper_text(f"Title {n}", "Speech enhancement with diffusion. " * n) for n in range(1, 4)
    ]
    texts += [paper_text("无线信道估计", "中文 摘要")]
    ours = model.embed(texts)
    assert np.allclose(ours, reference.embed(texts, norm=True), atol=1e-5)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    # white space only differs: wordllama makes a trailing space a token of its own
    (ours,) = model.embed([paper_text("x", "")])
    assert np.allclose(ours, reference.embed(["x. x."], norm=True)[0], atol=1e-5)
    assert model.embed([""]).tolist() == [[0.0] * 256]  # no token, no direction


def test_texts_on_one_topic_are_closer_than_texts_on_two(model: BundledModel) -> None:
    se, denoise, channel = model.embed(
        [
            "Speech enhancement removes background noise from recorded speech.",
            "A neural network suppresses noise in voice recordings of phone calls.",
            "Channel estimation for massive MIMO base stations with few pilots.",
        ]
    )
    assert float(se @ denoise) > float(se @ channel) + 0.05


def test_a_missing_tokenizer_is_a_one_line_reason_not_a_download(
    no_network: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import wordllama

    monkeypatch.setattr(wordllama, "__file__", str(tmp_path / "__init__.py"))
    with pytest.raises(ModelUnavailable) as raised:
        BundledModel.load()
    message = str(raised.value)
    assert "could not be loaded" in message and "\n" not in message


def test_vectors_are_stored_and_a_rerun_embeds_nothing(model: BundledModel, tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    vectors = ModelVectors(store=store, model=model)
    texts = {f"k{n}": f"paper {n} on beamforming" for n in range(5)}
    first = vectors.vectors(texts)
    assert vectors.embedded == 5 and set(store.ranking.embeddings(texts, model=MODEL)) == set(texts)
    again = ModelVectors(store=store, model=model).vectors(texts)
    assert all(np.allclose(first[k], again[k], atol=1e-6) for k in texts)
    changed = ModelVectors(store=store, model=model)
    changed.vectors({**texts, "k0": "a new abstract on radar"})
    assert changed.embedded == 1


def _ranker(store: Store, **kwargs: object) -> Ranker:
    profile = [ProfilePaper.of("Music source separation", "Separating music stems.", [])]
    return Ranker(
        interests=Interests(), profile_path=None, top=None, store=store, fetch=lambda refs: [],
        profile=profile, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


DAY = [
    paper(f"2601.{n:05d}", f"Paper {n} on music beats" if n % 2 else f"MIMO {n}") for n in range(10)
]


def test_a_model_that_cannot_load_leaves_ranking_by_words(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def unavailable() -> BundledModel:
        raise ModelUnavailable("wordllama's bundled model could not be loaded from /x (Boom)")

    monkeypatch.setattr(BundledModel, "load", staticmethod(unavailable))
    ranker = _ranker(Store(tmp_path / "s.db"))
    first, second = ranker.rank(DAY), ranker.rank(DAY)
    assert (
        first.note
        == second.note
        == ("ranked by words: wordllama's bundled model could not be loaded from /x (Boom)")
    )
    assert [r.message for r in caplog.records].count(
        "wordllama's bundled model could not be loaded from /x (Boom); ranking by words alone"
    ) == 1  # said once, not once a day
    assert first.order[0].title.endswith("music beats")


def test_one_paper_alone_is_ranked_by_words_and_loads_no_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def never() -> BundledModel:
        raise AssertionError("no model for a day too small to center on")

    monkeypatch.setattr(BundledModel, "load", staticmethod(never))
    record = _ranker(Store(tmp_path / "s.db")).rank(DAY[1:2]).records["2601.00001"]
    assert 0 < record.score < 1 and "closest to “Music source separation”" in record.why


def test_a_digest_whose_model_cannot_load_still_completes(stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import wordllama

    monkeypatch.setattr(wordllama, "__file__", str(stage.out.parent / "nowhere" / "__init__.py"))
    monkeypatch.setenv("SUMMARIZER_PROFILE", str(PROFILES / "music.bib"))
    run = cli("digest", "--date", "2026-01-07")
    assert run.code == 0, run.err
    assert "ranking by words alone" in run.err and "Traceback" not in run.err
    rows = [json.loads(x) for x in (stage.out / "data" / "2026-01-07.jsonl").open()]
    assert all(r["why"] for r in rows)


def test_help_loads_no_model(isolated: Path) -> None:
    proc, modules = imported_by("--help", cwd=isolated)
    assert proc.returncode == 0
    assert not {
        m for m in modules if m.split(".")[0] in {"wordllama", "tokenizers", "safetensors", "numpy"}
    }
