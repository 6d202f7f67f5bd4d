"""Units of the hardened ranking inputs: the keyword index finds what one pattern per keyword
finds, the quick LaTeX path decodes as pylatexenc does, vectors are checked, the embeddings
endpoint is retried once and given up on after a timeout, arXiv id lookups are split and paced,
parsed profiles are kept by file hash."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware
from hypothesis import given, settings
from hypothesis import strategies as st
from summarizer_standins.arxiv_api import ArxivStandin
from summarizer_standins.embeddings import embeddings_answer
from summarizer_standins.openai_api import ModelStandin
from summarizer_standins.server import BackgroundServer, read_body, send

from summarizer.core.errors import ModelFatalError
from summarizer.publish.highlight import keyword_pattern
from summarizer.rank.embeddings import Embedder, EmbeddingFailed, _problem
from summarizer.rank.interests import KeywordIndex
from summarizer.rank.profile import ProfilePaper, _latex_decoding, load_profile
from summarizer.sources.arxiv import ArxivSource
from summarizer.store.database import Store
from summarizer.store.profiles import KEEP_PARSED, ProfileStore

# --- keywords --------------------------------------------------------------------------------

WORDS = ["beam", "beams", "beamforming", "Speech", "speech enhancement", "enhancements", "LoRa",
         "语音", "语音 增强", "c++", "-based", "café", "x", "AI", "s", "es", "naïve"]  # fmt: skip
TEXT_PIECES = [*WORDS, " ", "  ", "\n", "-", ".", ",", "ses", "es", "s", "Beam", "BEAMS", "语",
               "增强", "e", "(", "speech\tenhancement", "Café", "ΑΙ", "_", "\u00a0", "é", "ß",
               "\u0130", "\u0131", "\u017f", "\u212a", "ẞ", "ς", "Σ", "²"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=12),
    st.lists(st.sampled_from(TEXT_PIECES) | st.text(max_size=4), max_size=30),
)
def test_the_keyword_index_finds_what_one_pattern_per_keyword_finds(
    keywords: list[str], pieces: list[str]
) -> None:
    text = "".join(pieces)
    one_by_one = [k for k in keywords if (p := keyword_pattern([k])) and p.search(text)]
    assert KeywordIndex(keywords).found(text) == one_by_one


def test_the_keyword_index_confirms_only_candidates() -> None:
    index = KeywordIndex([f"zq{i}x" for i in range(5_000)] + ["speech enhancement", "语音"])
    assert index.found("Speech  Enhancements for 中文语音识别") == ["speech enhancement", "语音"]
    assert len(index._patterns) == 1  # only the Chinese one: nothing else compiled or searched


# --- BibTeX: LaTeX decoded only where there is something to decode --------------------------

PLAIN = st.text(st.characters(blacklist_characters="{}\\$%~&#^_`'", codec="utf-8"), max_size=8)
BRACED = st.lists(PLAIN | PLAIN.map(lambda t: "{" + t + "}"), max_size=6).map("".join)
LATEX = st.sampled_from(["\\'e", "$f_0$", "--", "``q''", "~", "\\&", '{\\"u}', "50\\%"])


QUICK, REFERENCE = _latex_decoding(), LatexDecodingMiddleware()


@settings(max_examples=300, deadline=None)
@given(st.lists(BRACED | LATEX, max_size=5).map("".join))
def test_the_quick_latex_path_decodes_as_pylatexenc(text: str) -> None:
    quick = QUICK._transform_python_value_string(text)
    assert quick == REFERENCE._transform_python_value_string(text)


def test_a_parsed_profile_is_kept_by_file_hash(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    profile = tmp_path / "p.csv"
    profile.write_text(
        '"Title","Abstract Note","Author","Date Added","Url","Extra"\n'
        '"Beat tracking","Beats.","Müller, Meinard","2025-11-18 10:00:00",'
        '"https://arxiv.org/abs/2511.14250v2",""\n'
    )
    (paper,) = load_profile(profile, store=store, fetch=lambda refs: [])
    assert paper.arxiv_id == "2511.14250" and paper.added == datetime(2025, 11, 18, 10, tzinfo=UTC)
    assert ProfilePaper.from_record(paper.record()) == paper
    cache = ProfileStore(store)
    for i in range(KEEP_PARSED + 2):
        cache.save_parsed(f"hash{i}", [paper.record()])
    kept = {row[0] for row in store._read("SELECT file_hash FROM parsed_profiles")}
    assert kept == {f"hash{i}" for i in range(2, KEEP_PARSED + 2)}
    store._write("UPDATE parsed_profiles SET papers = x'00ff' WHERE file_hash = 'hash5'")
    assert cache.parsed("hash5") is None  # damaged: parsed again, never trusted


# --- embeddings ------------------------------------------------------------------------------


def test_vectors_are_checked() -> None:
    assert _problem([[0.1, 0.2], [0.3, 0.4]]) is None
    assert _problem([[1, 2]]) is None  # integers are numbers
    assert _problem([[math.nan, 1.0]]) == "vectors with NaN or infinite values"
    assert _problem([[1e39, 1.0]]) == "vectors with NaN or infinite values"  # not a float32
    assert _problem([[1.0], [1.0, 2.0]]) == "vectors of different lengths (1, 2)"
    assert _problem([["0.1"]]) == _problem([[True]]) == "vectors with values that are not numbers"
    assert _problem([[]]) == _problem(["AAAA"]) == "vectors that are not lists of numbers"


class FlakyEmbeddings(BackgroundServer):
    """/v1/embeddings answering the statuses queued in `statuses` first, then properly."""

    def __init__(self, *statuses: int) -> None:
        super().__init__()
        self.statuses = list(statuses)
        self.requests = 0

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        import json

        body = json.loads(read_body(handler))
        self.requests += 1
        if self.statuses:
            status = self.statuses.pop(0)
            return send(handler, status, b'{"error": {}}', "application/json", {"Retry-After": "0"})
        status, payload, _ = embeddings_answer(body)
        send(handler, status, json.dumps(payload).encode(), "application/json")


def embedder(url: str, tmp_path: Path, timeout: float = 5) -> Embedder:
    return Embedder(
        store=Store(tmp_path / "s.db"), model="m", api_key="sk-x", base_url=url, timeout=timeout
    )


def test_a_passing_fault_is_retried_once_and_a_refused_key_stops(tmp_path: Path) -> None:
    with FlakyEmbeddings(503) as server:
        client = embedder(f"http://127.0.0.1:{server.port}/v1", tmp_path)
        assert len(client.vectors({"a": "music beats"})) == 1
        assert server.requests == 2 and client.requests == 2
    with FlakyEmbeddings(503, 502) as server:
        client = embedder(f"http://127.0.0.1:{server.port}/v1", tmp_path / "2")
        with pytest.raises(EmbeddingFailed, match="HTTP 502"):
            client.vectors({"a": "music beats"})
        assert server.requests == 2
    with FlakyEmbeddings(403) as server:
        client = embedder(f"http://127.0.0.1:{server.port}/v1", tmp_path / "3")
        with pytest.raises(ModelFatalError, match="refused access .HTTP 403"):
            client.vectors({"a": "music beats"})


def test_after_a_timeout_the_endpoint_is_given_up_on_for_the_run(tmp_path: Path) -> None:
    with ModelStandin() as model:
        model.embedding_fault, model.hang_seconds = "hang", 30.0
        client = embedder(model.base_url, tmp_path, timeout=0.5)
        with pytest.raises(EmbeddingFailed, match="no complete answer within 0.5 s"):
            client.vectors({"a": "music beats"})
        with pytest.raises(EmbeddingFailed, match="SUMMARIZER_EMBEDDING_TIMEOUT"):
            client.vectors({"b": "another day"})  # a backfill's next day: not asked again
        assert model.embedding_requests == 1 and client.requests == 1


# --- arXiv id lookups ---------------------------------------------------------------------------


def test_id_lookups_are_split_and_paced_and_long_urls_refused(sample: Any) -> None:
    with ArxivStandin(sample.papers) as arxiv_api:
        source = ArxivSource(api_url=arxiv_api.url, delay=0.3, retries=0, resumes=0)
        refs: list[tuple[str, int | None]] = [(p.id, None) for p in sample.papers]
        refs += [(f"2501.{i:05d}", None) for i in range(250 - len(refs))]
        found = source.by_ids(refs, strict=False)
        assert {p.id for p in found} == {p.id for p in sample.papers}
        sizes = [len(e["id_list"]) for e in arxiv_api.log]
        assert sizes == [100, 100, 50]
        arrivals = [e["at"] for e in arxiv_api.log]
        # arXiv's terms: one request every 3 s (`delay`, 3 against the real API); each request
        # is sent that long after the previous answer came, so it arrives at least that late.
        assert all(b - a >= 0.3 for a, b in zip(arrivals, arrivals[1:], strict=False))
        long_url = ",".join(f"2501.{i:05d}" for i in range(700))  # arxiv.py#15: 642 ids: 414
        response = httpx.get(arxiv_api.url, params={"id_list": long_url})
        assert response.status_code == 414 and arxiv_api.log[-1]["status"] == 414
