"""Keywords, followed authors and excluded words, matched against a paper.

A keyword means what `publish.highlight.keyword_pattern` makes of it alone: a whole word or
phrase, any case, a plural `s`/`es`, any whitespace between its words; one ending in a non-ASCII
letter (Chinese) matches anywhere. Searching each keyword's pattern in each paper costs keywords
times papers regex searches (10,000 keywords made a 32-paper day 45 times slower), so keywords are
indexed by their first word: a text's own words pick the few keywords that could be in it, and
only those are confirmed. An ASCII keyword is confirmed by plain string search in the lowered text
(a case-insensitive regex search costs ~60 us per abstract); others by their pattern.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ..core.records import Paper
from ..publish.highlight import keyword_pattern

_WORD = re.compile(r"\w+")
# The only non-ASCII characters that lowercase to ASCII or that a case-insensitive pattern takes
# for an ASCII letter (found by trying every code point): a text holding one is searched by pattern.
_ASCII_LOOKALIKES = re.compile("[\u0130\u0131\u017f\u212a]")


def _fold(name: str) -> str:
    """An author name compared without accents, case, dots or order of given and family name."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or name
    return " ".join(sorted(re.sub(r"[.\-,]", " ", plain.casefold()).split()))


class KeywordIndex:
    """Which of `keywords` a text holds, in their order, each found as its own pattern finds it."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords = tuple(keywords)
        self._by_first_word: dict[str, list[int]] = defaultdict(list)
        self._anywhere: list[tuple[int, str]] = []  # (index, first word): a substring test first
        self._patterns: dict[int, re.Pattern[str] | None] = {}
        self._ascii: dict[int, str] = {}  # index -> the ASCII keyword lowered, single-spaced
        for index, keyword in enumerate(self.keywords):
            phrase = keyword.strip()
            if not phrase:
                continue
            first = _WORD.match(phrase.casefold())
            if phrase.isascii():
                self._ascii[index] = " ".join(phrase.lower().split())
            if phrase[-1].isascii() and first is not None:
                # Bounded by non-word characters: the text's word there IS this first word
                # (plus `s`/`es` when the keyword is that one word).
                self._by_first_word[first.group()].append(index)
            else:
                self._anywhere.append((index, phrase.split()[0].casefold()))

    def found(self, text: str) -> list[str]:
        if not self._by_first_word and not self._anywhere:
            return []  # no keyword: nothing to look for (a ranked day calls this per paper)
        folded = text.casefold()
        candidates: set[int] = set()
        index = self._by_first_word
        words = set(_WORD.findall(folded))
        if len(index) < len(words):  # few keywords: look their first words up in the text's
            for first, found in index.items():
                if first in words or f"{first}s" in words or f"{first}es" in words:
                    candidates.update(found)
        else:
            for word in words:
                candidates.update(index.get(word, ()))
                if word.endswith("s"):
                    candidates.update(index.get(word[:-1], ()))
                    if word.endswith("es"):
                        candidates.update(index.get(word[:-2], ()))
        candidates.update(i for i, first in self._anywhere if first in folded)
        lowered = None if _ASCII_LOOKALIKES.search(text) else " ".join(text.lower().split())
        return [self.keywords[i] for i in sorted(candidates) if self._holds(i, text, lowered)]

    def _holds(self, index: int, text: str, lowered: str | None) -> bool:
        if lowered is not None and index in self._ascii:
            return _occurs(self._ascii[index], lowered)
        if index not in self._patterns:
            self._patterns[index] = keyword_pattern([self.keywords[index]])
        pattern = self._patterns[index]
        return pattern is not None and pattern.search(text) is not None


def _occurs(phrase: str, text: str) -> bool:
    """`keyword_pattern`'s match of an ASCII phrase, in lowered single-spaced text: no word
    character before it, then nothing, `s` or `es`, then no word character."""
    at = text.find(phrase)
    while at != -1:
        end = at + len(phrase)
        if at == 0 or not _word_character(text[at - 1]):
            for tail in ("", "s", "es"):
                after = end + len(tail)
                if text.startswith(tail, end) and (
                    after == len(text) or not _word_character(text[after])
                ):
                    return True
        at = text.find(phrase, at + 1)
    return False


def _word_character(char: str) -> bool:
    return char.isalnum() or char == "_"  # what `\w` matches in a str pattern


@dataclass(frozen=True)
class Interests:
    """What the reader asked for by name: keywords (raise and highlight), followed authors
    (raise) and excluded words (leave the paper out)."""

    keywords: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @functools.cached_property
    def _keywords(self) -> KeywordIndex:
        return KeywordIndex(self.keywords)

    @functools.cached_property
    def _excluded(self) -> KeywordIndex:
        return KeywordIndex(self.exclude)

    @functools.cached_property
    def _followed(self) -> dict[str, str]:
        return {_fold(a): a for a in self.authors}

    def matched_keywords(self, paper: Paper) -> list[str]:
        """The configured keywords found in the title or abstract, in configured order."""
        return self._keywords.found(f"{paper.title}\n{paper.abstract}")

    def in_title(self, paper: Paper, keywords: list[str] | tuple[str, ...]) -> list[str]:
        """Those of `keywords` (the configured ones, or any) found in the title."""
        ours = set(self.keywords)
        if all(k in ours for k in keywords):
            in_title = set(self._keywords.found(paper.title))
            return [k for k in keywords if k in in_title]
        return [k for k in keywords if (p := keyword_pattern([k])) and p.search(paper.title)]

    def matched_authors(self, paper: Paper) -> list[str]:
        followed = self._followed
        return [followed[_fold(a)] for a in paper.authors if _fold(a) in followed]

    def excluded_by(self, paper: Paper) -> str | None:
        """The first excluded word the title or abstract holds, or None."""
        found = self._excluded.found(f"{paper.title}\n{paper.abstract}")
        return found[0] if found else None
