"""Units of the ranking stage: keyword matching and highlighting, profile files, BM25 and
embedding similarity, the stored vectors, and the stand-in's embeddings endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from summarizer_standins.embeddings import embedding_vectors
from summarizer_standins.openai_api import ModelStandin

from summarizer.core.errors import InputError
from summarizer.core.records import Paper
from summarizer.publish.highlight import highlight_markdown, highlight_spans
from summarizer.publish.markup import escape_markdown
from summarizer.rank.embeddings import BATCH, Embedder
from summarizer.rank.interests import Interests
from summarizer.rank.lexical import similarities
from summarizer.rank.profile import load_profile, read_ids
from summarizer.rank.ranker import Ranker
from summarizer.rank.text import tokens
from summarizer.store.database import Store
from tests.support import build
from tests.support.cli import assert_one_line_exit_2
from tests.support.files import PROFILES


def paper(pid: str, title: str, abstract: str = "", authors: list[str] | None = None) -> Paper:
    return build.paper(
        pid,
        title=title,
        abstract=abstract,
        authors=authors or ["A. Author"],
        categories=["eess.AS"],
    )


# --- keywords, authors, exclusions, highlights ----------------------------------------------


def test_keywords_match_whole_words_plurals_phrases_and_chinese() -> None:
    interests = Interests(keywords=("beamformer", "speech enhancement", "语音"))
    p = paper("1", "Neural Beamformers for\nSpeech   Enhancement", "中文语音识别")
    assert interests.matched_keywords(p) == ["beamformer", "speech enhancement", "语音"]
    assert interests.matched_keywords(paper("2", "Beamformerless speechy")) == []


def test_followed_authors_match_without_accents_case_or_name_order() -> None:
    interests = Interests(authors=("Meinard Muller", "Chen, Yuan-Jie"))
    p = paper("1", "t", authors=["Meinard Müller", "Yuan-Jie Chen", "Someone Else"])
    assert interests.matched_authors(p) == ["Meinard Muller", "Chen, Yuan-Jie"]


def test_exclude_names_the_word_that_excluded() -> None:
    interests = Interests(exclude=("radar", "6G"))
    assert interests.excluded_by(paper("1", "A 6G receiver")) == "6G"
    assert interests.excluded_by(paper("2", "t", "Radars see")) == "radar"
    assert interests.excluded_by(paper("3", "Radarsat imagery at 6GHz")) is None


@given(st.text(max_size=80), st.lists(st.text(min_size=1, max_size=8), max_size=3))
def test_highlight_spans_give_the_text_back(text: str, keywords: list[str]) -> None:
    spans = highlight_spans(text, keywords)
    assert "".join(piece for piece, _ in spans) == text


@given(st.text(max_size=80))
def test_no_keyword_means_plain_escaping(text: str) -> None:
    assert highlight_markdown(text, [], escape_markdown) == escape_markdown(text)


def test_highlighted_markdown_stays_inert() -> None:
    text = "<script>x</script> Deepfake](javascript:1) & deepfakes"
    out = highlight_markdown(text, ["deepfake"], escape_markdown)
    assert out == (
        "&lt;script&gt;x&lt;/script&gt; **Deepfake**]\\(javascript:1) &amp; **deepfakes**"
    )


# --- profile files ----------------------------------------------------------------------------


def test_ids_file_takes_comments_versions_prefixes_and_urls(tmp_path: Path) -> None:
    text = "# mine\n2511.14250v2\narXiv:2601.02586  # music\n\nhttps://arxiv.org/abs/2603.05012\n"
    refs = read_ids(tmp_path / "p.txt", text)
    assert refs == [("2511.14250", 2), ("2601.02586", None), ("2603.05012", None)]
    with pytest.raises(InputError, match="line 2 is not an arXiv id"):
        read_ids(tmp_path / "p.txt", "2511.14250\nnot an id\n")


@pytest.mark.parametrize("name", ["music.bib", "music-zotero.csv"])
def test_bibtex_and_zotero_profiles_need_no_network(name: str, tmp_path: Path) -> None:
    def no_fetch(refs: object) -> list[Paper]:
        raise AssertionError("no arXiv lookup for a file that carries its own abstracts")

    papers = load_profile(PROFILES / name, store=Store(tmp_path / "s.db"), fetch=no_fetch)
    assert [p.title[:15] for p in papers] == [
        "Count The Notes",
        "A Controllable ",
        "Sparse Spectral",
        "Streaming Beat ",
    ]
    assert all(p.abstract and p.authors for p in papers)
    assert "Meinard Müller" in papers[0].authors or "Müller, Meinard" in papers[0].authors


def test_ids_are_fetched_once_in_one_call_and_stored(tmp_path: Path) -> None:
    profile = tmp_path / "ids.txt"
    profile.write_text("2601.00001\n2601.00002\n2601.00009\n")
    calls: list[list[tuple[str, int | None]]] = []

    def fetch(refs: list[tuple[str, int | None]]) -> list[Paper]:
        calls.append(refs)
        return [paper(pid, f"title {pid}") for pid, _ in refs if pid != "2601.00009"]

    store = Store(tmp_path / "s.db")
    first = load_profile(profile, store=store, fetch=fetch)
    assert [p.key for p in first] == ["2601.00001", "2601.00002"] and len(calls) == 1
    again = load_profile(profile, store=store, fetch=fetch)
    assert [p.key for p in again] == ["2601.00001", "2601.00002"]
    assert calls[1] == [("2601.00009", None)]  # only the one arXiv did not know


def test_a_missing_profile_file_is_exit_2(cli, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_PROFILE", str(tmp_path / "nope.bib"))
    assert_one_line_exit_2(cli("digest", "--date", "2026-01-07"), "SUMMARIZER_PROFILE")


def test_an_unreadable_profile_is_exit_2(cli, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "p.csv"
    bad.write_text("Name,Year\nx,2020\n")
    monkeypatch.setenv("SUMMARIZER_PROFILE", str(bad))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    monkeypatch.setenv("ARXIV_API_URL", "http://127.0.0.1:9/api/query")
    ranker = Ranker(
        interests=Interests(),
        profile_path=bad,
        top=None,
        store=Store(tmp_path / "s.db"),
        fetch=lambda refs: [],
    )
    with pytest.raises(InputError, match="Title"):
        ranker.rank([paper("1", "t")])


# --- lexical similarity ----------------------------------------------------------------------


def test_tokens_stem_english_and_pair_chinese_characters() -> None:
    assert tokens("The Musical beats of 5G 语音增强") == [
        "music",
        "beat",
        "5g",
        "语音",
        "音增",
        "增强",
    ]


def test_tfidf_similarity_prefers_the_profile_topic_in_unit_range() -> None:
    day = ["Channel estimation for massive MIMO", "Beat tracking of music with state-space models"]
    profile = ["Music transcription of piano recordings", "Music source separation"]
    found = similarities(day, profile)
    assert found.topic[0] == 0 < found.topic[1] <= 1 and found.each().shape == (2, 2)
    assert found.each()[0].tolist() == [0, 0] and found.each()[1].min() > 0
    topic = similarities(["无线信道估计", "音乐节拍跟踪"], ["音乐转录", "音乐声源分离"]).topic
    assert topic[0] == 0 < topic[1]


def test_word_pairs_tell_a_topic_from_its_words_used_apart() -> None:
    profile = ["Speech enhancement with diffusion", "Low-latency speech enhancement"]
    day = ["Speech enhancement for hearing aids", "Speech recognition enhancement by data"]
    topic = similarities(day, profile).topic
    assert topic[0] > topic[1] > 0


# --- embeddings ------------------------------------------------------------------------------


def test_vectors_are_stored_per_paper_and_model_and_batched(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with ModelStandin() as model:
        embedder = Embedder(
            store=store, model="m1", api_key="sk-x", base_url=model.base_url, timeout=5
        )
        texts = {f"k{i}": f"paper number {i} about beams" for i in range(BATCH + 6)}
        first = embedder.vectors(texts)
        assert model.embedding_requests == 2 and model.embedded_inputs == BATCH + 6
        again = embedder.vectors(texts)
        assert model.embedding_requests == 2
        assert all(abs(float(first[k] @ again[k]) - 1) < 1e-5 for k in texts)
        embedder.vectors({**texts, "k0": "a new version of the abstract"})
        assert model.embedding_requests == 3 and model.embedded_inputs == BATCH + 7
        other = Embedder(
            store=store, model="m2", api_key="sk-x", base_url=model.base_url, timeout=5
        )
        other.vectors({"k1": texts["k1"]})
        assert model.embedding_requests == 4  # vectors are per model
        embedder.close()
        other.close()


def test_a_lower_cap_on_inputs_per_request_is_found_by_halving(tmp_path: Path) -> None:
    with ModelStandin() as model:
        model.max_embedding_inputs = 10  # DashScope's text-embedding-v3/v4
        embedder = Embedder(
            store=Store(tmp_path / "s.db"),
            model="m",
            api_key="sk-x",
            base_url=model.base_url,
            timeout=5,
        )
        vectors = embedder.vectors({f"k{i}": f"text {i} of beams" for i in range(25)})
        embedder.close()
    assert len(vectors) == 25 and embedder.batch == 6  # 25 refused, 12 refused, 6 taken
    assert model.embedded_inputs == 25
    assert model.embedding_requests == 2 + 5  # two refused, then 6 + 6 + 6 + 6 + 1


def test_standin_embeddings_speak_float_and_base64(tmp_path: Path) -> None:
    with ModelStandin() as model:
        client = openai.OpenAI(api_key="sk-x", base_url=model.base_url, max_retries=0)
        as_float = client.embeddings.create(
            model="m", input=["music beats"], encoding_format="float"
        )
        as_b64 = client.embeddings.create(model="m", input="music beats")  # SDK default: base64
        client.close()
    expected, near, far = embedding_vectors(
        ["music beats", "beats of music", "channel estimation for MIMO radar"]
    )
    assert as_float.data[0].embedding == pytest.approx(expected, abs=1e-6)
    assert as_b64.data[0].embedding == pytest.approx(expected, abs=1e-6)
    assert model.requests == 0 and model.embedding_requests == 2  # chat counters untouched
    close = sum(a * b for a, b in zip(expected, near, strict=True))
    apart = sum(a * b for a, b in zip(expected, far, strict=True))
    assert close > 0.9 and apart < close - 0.2  # the bundled model's vectors: unit, meaningful


def test_a_failing_embedding_endpoint_falls_back_to_the_bundled_model(
    stage, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUMMARIZER_PROFILE", str(PROFILES / "music.bib"))
    monkeypatch.setenv("SUMMARIZER_EMBEDDING_MODEL", "text-embedding-3-small")
    monkeypatch.setenv("SUMMARIZER_EMBEDDING_BASE_URL", stage.model.base_url + "/missing")
    run = cli("digest", "--date", "2026-01-07")
    assert run.code == 0, run.err
    assert "ranking with the bundled model instead" in run.err and "embeddings failed" in run.err
    assert "embedded 31 texts with the bundled model" in run.err
    rows = [json.loads(x) for x in (stage.out / "data" / "2026-01-07.jsonl").open()]
    best = sorted(rows, key=lambda r: -r["score"])[:3]  # as tests/e2e/test_rank.py measures
    assert {r["id"] for r in best} >= {"2601.02586", "2601.02591"}


def test_highlighted_jekyll_text_keeps_liquid_and_markup_inert() -> None:
    from summarizer.core.records import Digest, Entry
    from summarizer.publish.render import render_jekyll, render_toc

    nasty = paper("2601.00001", "{{ site.secret }} and <b>site</b>", "{% raw %} site](x)")
    entry = Entry(
        paper=nasty, category="eess.AS", score=0.5, why="keywords: site", keywords=["site"]
    )
    when = datetime(2026, 1, 6, tzinfo=UTC)
    digest = Digest(
        day=when.date(),
        window_start=when,
        window_end=when,
        categories=["eess.AS"],
        fetched=1,
        entries=[entry],
        recommended=["2601.00001"],
    )
    post, toc = render_jekyll(digest), render_toc(digest)
    for text in (post, toc):
        assert "<b>" not in text and "](x)" not in text and "**site**" in text
    assert "{{" not in post and "{%" not in post


def test_blank_ranking_settings_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer.run.settings import load_settings

    for name in ("KEYWORDS", "EXCLUDE", "AUTHORS", "PROFILE", "EMBEDDING_MODEL", "TOP"):
        monkeypatch.setenv(f"SUMMARIZER_{name}", " ")
    settings = load_settings().rank
    assert not settings.relevance_set and not settings.exclude
    monkeypatch.setenv("SUMMARIZER_KEYWORDS", " beam forming , ,语音 ")
    monkeypatch.setenv("SUMMARIZER_EMBEDDING_BASE_URL", "ftp://x")
    with pytest.raises(InputError, match="SUMMARIZER_EMBEDDING_BASE_URL"):
        load_settings()
    monkeypatch.delenv("SUMMARIZER_EMBEDDING_BASE_URL")
    assert load_settings().rank.keywords == ["beam forming", "语音"]
    home = Path.home()
    monkeypatch.setenv("HOME", str(PROFILES))
    monkeypatch.setenv("SUMMARIZER_PROFILE", "~/music.bib")
    assert load_settings().rank.profile == PROFILES / "music.bib"
    monkeypatch.setenv("HOME", str(home))


@given(
    st.lists(st.integers(min_value=0, max_value=5), min_size=0, max_size=30),
    st.integers(min_value=1, max_value=40),
)
def test_the_top_n_are_the_n_best_and_the_rest_are_listed(scores: list[int], top: int) -> None:
    from summarizer.core.records import Entry
    from summarizer.rank.ranker import Ranking, RankRecord

    papers = [paper(f"2601.{i:05d}", f"t{i}") for i in range(len(scores))]
    ranking = Ranking(
        kept=papers,
        records={
            p.id: RankRecord(score=s / 4, why="") for p, s in zip(papers, scores, strict=True)
        },
        top=top,
    )
    chosen = {p.id for p in ranking.chosen}
    assert len(chosen) == min(top, len(papers))
    assert chosen.isdisjoint(p.id for p in ranking.below_top)
    assert len(chosen) + len(ranking.below_top) == len(papers)
    if ranking.below_top:  # nobody left out scores above anybody chosen
        worst_in = min(ranking.records[i].score for i in chosen)
        assert all(ranking.records[p.id].score <= worst_in for p in ranking.below_top)
    marked = [ranking.annotate(Entry(paper=p, category="eess.AS")) for p in papers]
    assert {e.paper.id for e in marked if e.summarized} == chosen


def test_embeddings_may_use_their_own_endpoint_and_key(stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with ModelStandin(expected_key="sk-embeddings-only") as other:
        monkeypatch.setenv("SUMMARIZER_PROFILE", str(PROFILES / "music.bib"))
        monkeypatch.setenv("SUMMARIZER_EMBEDDING_MODEL", "text-embedding-v3")
        monkeypatch.setenv("SUMMARIZER_EMBEDDING_BASE_URL", other.base_url)
        monkeypatch.setenv("SUMMARIZER_EMBEDDING_API_KEY", "sk-embeddings-only")
        run = cli("digest", "--date", "2026-01-07")
    assert run.code == 0, run.err
    assert other.embedding_requests == 1 and stage.model.embedding_requests == 0
    assert other.requests == 0 and stage.model.requests == 27
    assert "sk-embeddings-only" not in run.out + run.err


def test_a_refused_embedding_key_stops_the_run_with_one_line(stage, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with ModelStandin(expected_key="sk-right") as other:
        monkeypatch.setenv("SUMMARIZER_PROFILE", str(PROFILES / "music.bib"))
        monkeypatch.setenv("SUMMARIZER_EMBEDDING_MODEL", "text-embedding-v3")
        monkeypatch.setenv("SUMMARIZER_EMBEDDING_BASE_URL", other.base_url)
        monkeypatch.setenv("SUMMARIZER_EMBEDDING_API_KEY", "sk-wrong-SECRET-1234")
        run = cli("digest", "--date", "2026-01-07")
    assert run.code == 3, (run.out, run.err)
    assert "embedding endpoint refused access" in run.err and "Traceback" not in run.err
    assert len(run.err.strip().splitlines()) == 1
    assert "sk-wrong-SECRET-1234" not in run.out + run.err
    assert stage.model.requests == 0 and not (stage.out / "2026-01-07.md").exists()
