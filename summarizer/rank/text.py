"""Words of a paper for lexical ranking: English stemmed, Chinese as character bigrams."""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

# Latin words and numbers; runs of Han characters, which have no spaces to split on.
_TOKEN = re.compile(
    r"[a-z][a-z0-9]*|[0-9]+[a-z][a-z0-9]*|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Function words and the boilerplate of every abstract: they match everything, so they rank
# nothing. Kept short on purpose; BM25's IDF already damps the common rest.
_STOP_TEXT = """
    a about above after again against all also an and any are as at be because been being
    between both but by can could did do does doing during each few for from further had has
    have having here how however i if in into is it its itself just more most no nor not of off
    on once only or other our ours out over own same should so some such than that the their them
    then there these they this those through to too under until up very via was we were what when
    where which while who whom why will with would you your paper propose proposed approach
    method methods results show shows using use based new novel work study"""
STOPWORDS = frozenset(_STOP_TEXT.split())


@functools.cache
def _stemmer() -> Any:
    import snowballstemmer  # only when a profile is ranked; C speed with PyStemmer installed

    return snowballstemmer.stemmer("english")


def _pieces(text: str) -> list[tuple[str, bool]]:
    """(piece, is_latin) before stemming: Latin words (stop words dropped) to stem, and Chinese
    as overlapping character bigrams (single characters for a one-character run): the usual
    dictionary-free Chinese indexing."""
    out: list[tuple[str, bool]] = []
    for word in _TOKEN.findall(text.lower()):
        if _HAN.match(word):
            out += (
                [(word, False)]
                if len(word) == 1
                else [(word[i : i + 2], False) for i in range(len(word) - 1)]
            )
        elif word not in STOPWORDS and len(word) > 1:
            out.append((word, True))
    return out


def tokens(text: str) -> list[str]:
    """Stemmed English words (stop words dropped) and Chinese character bigrams."""
    return terms_of_words([text])[0]


def terms_of_words(words: list[str]) -> list[list[str]]:
    """tokens() of each of `words`, with every distinct Latin word stemmed in one call."""
    pieces = [_pieces(word) for word in words]
    latin = list({piece for found in pieces for piece, is_latin in found if is_latin})
    stem = dict(zip(latin, _stemmer().stemWords(latin), strict=True))
    return [[stem[p] if is_latin else p for p, is_latin in found] for found in pieces]


def paper_text(title: str, abstract: str) -> str:
    """What a paper is compared by: its title (given twice the weight) and its abstract."""
    title = " ".join(title.split())
    return f"{title}. {title}. {' '.join(abstract.split())}"


def text_hash(text: str) -> str:
    """What a stored vector was made from (as rank.embeddings keys the endpoint's vectors)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
