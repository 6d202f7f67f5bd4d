"""Offline similarity of papers to the profile: BM25 over title and abstract (bm25s).

The profile becomes one query: the words at least two profile papers share, each weighted by
how many use it, so the words of the reader's topic count and one paper's stray words do not.
The corpus is the day's papers with the profile papers (so word weights do not swing with one
small day); a score is divided by the best score of a profile paper, which puts it in [0, 1].
Each profile paper is also a query of its own, to name the one a paper is closest to.

bm25s keeps the BM25 weights in a sparse index, so a query costs a few array additions: a
1000-paper day against a 500-paper profile takes about a second (rank-bm25 loops over every
document for every query word in Python and needed minutes).
"""

from __future__ import annotations

import logging
from collections import Counter

import bm25s
import numpy as np

from .text import tokens

logging.getLogger("bm25s").setLevel(logging.WARNING)


def similarities(papers: list[str], profile: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(topic score per paper, array (papers x profile) of per-profile-paper scores), in [0, 1].

    The second picks the profile paper each paper is closest to."""
    n = len(papers)
    if not papers or not profile:
        return np.zeros(n), np.zeros((n, len(profile)))
    corpus = [tokens(text) or ["\0"] for text in [*papers, *profile]]  # no empty document
    index = bm25s.BM25(method="lucene")  # Lucene's IDF never goes negative on a small day
    index.index(corpus, show_progress=False)
    profile_terms = [list(dict.fromkeys(doc)) for doc in corpus[n:]]
    weight = Counter(term for terms in profile_terms for term in terms)
    # A word only one profile paper uses says little about the topic (unless that is the profile).
    shared = {term: count for term, count in weight.items() if count >= 2} or weight
    query = [term for term, count in shared.items() for _ in range(count)]
    topic = _scaled(index.get_scores(query), n)
    each = np.column_stack([_scaled(index.get_scores(terms), n) for terms in profile_terms])
    return topic, each


def _scaled(scores: np.ndarray, n: int) -> np.ndarray:
    """The first `n` scores divided by the best of the rest (the profile papers)."""
    top = float(scores[n:].max())
    return np.clip(scores[:n] / top, 0.0, 1.0) if top > 0 else np.zeros(n)
