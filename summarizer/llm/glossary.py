"""The glossary: how technical terms are rendered in Chinese, so that one term reads the same in
every summary of every day.

Two sources: the default glossary shipped in `data/glossary.csv` (it only guides the model) and
the reader's own, `SUMMARIZER_GLOSSARY` (it guides, and corrects). The reader's entries override
the default ones with the same term. A term met in a paper's title or abstract reaches the model
in that paper's request, with its rendering (`terminology`); the system prompt stays the same
for every paper. After an answer is parsed, the reader's variants to avoid are replaced by the
entry's rendering (`correct`), at no request; the default glossary never changes an answer.
Terms are matched case-insensitively on word boundaries, with a plural `s`/`es`, and `-` or a
space between words optional (`pre-training`, `pretraining`): a dictionary look-up per word of
the text, whatever the size of the glossary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..core.records import Paper
from .glossary_file import WORD, Term, parse_glossary, read_glossary, term_key

MAX_HINTS = 24  # terms listed for one paper; an abstract rarely holds more
CHINESE = frozenset({"zh", "zh-cn", "zh-hans", "chinese", "中文"})
_EDGE_BEFORE = r"(?<![A-Za-z0-9])"
_EDGE_AFTER = r"(?![A-Za-z0-9])"
_LATIN = re.compile(r"[A-Za-z]")
_JOINED = re.compile(r"[\s\-]+")  # what may stand between the words of a term


def _term_pattern(term: str) -> str:
    """A term as a pattern: spaces are any run of spaces or hyphens, a hyphen is optional."""
    out = []
    for char in term:
        if char.isspace():
            out.append(r"[\s\-]+")
        elif char == "-":
            out.append(r"[\s\-]?")
        else:
            out.append(re.escape(char))
    return "".join(out)


def _latin(variant: str) -> str:
    """A variant written in Latin letters matches whole words only (and their plural)."""
    return _EDGE_BEFORE + _term_pattern(variant) + r"(?:e?s)?" + _EDGE_AFTER


@dataclass(frozen=True)
class Glossary:
    """The run's glossary: `guide` (every entry, the reader's over the default) and `fixes` (the
    reader's entries that list variants to avoid)."""

    guide: tuple[Term, ...] = ()
    fixes: tuple[Term, ...] = ()
    _by_key: dict[str, Term] = field(default_factory=dict, init=False, repr=False, compare=False)
    # The keys of an entry's first words (`speech` of `speech enhancement`): a word that starts
    # no entry costs one look-up.
    _starts: set[str] = field(default_factory=set, init=False, repr=False, compare=False)
    # (entry number in `fixes`, what a text must hold for one of its variants to be there): a
    # text holding none is left alone at the cost of a substring search per variant.
    _probes: list[tuple[int, str]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    _longest: int = field(default=0, init=False, repr=False, compare=False)  # words in an entry
    _firsts: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_key.update({term_key(t.term): t for t in self.guide})
        object.__setattr__(self, "_longest", max((t.words for t in self.guide), default=0))
        for entry in self.guide:
            words = WORD.findall(entry.term.casefold())
            self._starts.update("".join(words[:n]) for n in range(1, len(words)))
        plurals = {key + end for key in self._by_key for end in ("s", "es")}
        firsts = frozenset(self._by_key) | frozenset(self._starts) | plurals
        object.__setattr__(self, "_firsts", firsts)
        for number, entry in enumerate(self.fixes):
            for variant in entry.avoid:
                latin = WORD.findall(variant.casefold()) if _LATIN.search(variant) else []
                self._probes.append((number, latin[0] if latin else variant.casefold()))

    @property
    def corrects(self) -> bool:
        return bool(self.fixes)

    # --- guiding --------------------------------------------------------------------------
    def terms_in(self, text: str) -> list[Term]:
        """The entries `text` uses, in order of first use, each once: at each word, the longest
        entry starting there (its words joined by spaces or hyphens, or written as one word)."""
        words = [w.casefold() for w in WORD.findall(text)]
        # Only a word that is an entry, starts one or is an entry's plural can start a match
        # (a set look-up at C speed); the walk below visits those alone.
        firsts = self._firsts
        candidates = [at for at, w in enumerate(words) if w in firsts]
        if not candidates:
            return []
        between = WORD.split(text)  # between[n]: what stands before word n
        found: dict[str, Term] = {}
        resume = 0
        for at in candidates:
            if at < resume:
                continue
            best, span = self._longest_at(between, words, at)
            if best is not None:
                found.setdefault(best.term, best)
                resume = at + span
        return list(found.values())

    def _longest_at(self, between: list[str], words: list[str], at: int) -> tuple[Term | None, int]:
        """The longest entry starting at word `at`, and how many words it spans."""
        best, span, key = None, 1, ""
        for end in range(at, min(at + self._longest, len(words))):
            if end > at and not _JOINED.fullmatch(between[end]):
                break
            key += words[end]
            entry = self._entry_of(key)
            if entry is not None:
                best, span = entry, end - at + 1
            if key not in self._starts:
                break
        return best, span

    def _entry_of(self, key: str) -> Term | None:
        """The entry of `key` as written, or less a plural `s` or `es`."""
        entry = self._by_key.get(key)
        if entry is None and key[-1:] == "s":
            entry = self._by_key.get(key[:-1])
            if entry is None and key[-2:] == "es":
                entry = self._by_key.get(key[:-2])
        return entry

    def terminology(self, paper: Paper) -> str:
        """The lines of `paper`'s request that give its terms' renderings ("" when none)."""
        terms = self.terms_in(f"{paper.title}\n{paper.abstract}")[:MAX_HINTS]
        if not terms:
            return ""
        lines = "\n".join(f"{t.term} → {t.zh}" for t in terms)
        return f"\nTerminology (render these terms as given):\n{lines}\n"

    # --- correcting -----------------------------------------------------------------------
    def correct(self, value: Any) -> tuple[Any, int]:
        """`value` (an answer's JSON) with every variant to avoid replaced by its entry's
        rendering, in every string value (never a key); and how many were replaced."""
        if not self.fixes:
            return value, 0
        count = 0

        def fix(text: str) -> str:
            nonlocal count
            folded = text.casefold()
            present = tuple(sorted({n for n, probe in self._probes if probe in folded}))
            if not present:
                return text
            pattern, replacement = _corrector(tuple(self.fixes[n] for n in present))

            def swap(match: re.Match[str]) -> str:
                nonlocal count
                new = replacement.get(match.lastgroup or "")
                if new is None:  # a rendering, or a variant quoted beside it: left alone
                    return match.group(0)
                count += 1
                return new

            return pattern.sub(swap, text)

        return _map_strings(value, fix), count


def _map_strings(value: Any, fix: Any) -> Any:
    if isinstance(value, str):
        return fix(value)
    if isinstance(value, dict):
        return {k: _map_strings(v, fix) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_strings(v, fix) for v in value]
    return value


@lru_cache(maxsize=1024)
def _corrector(fixes: tuple[Term, ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern with a named group per variant (replaced) and per rendering (kept, so that a
    variant inside a correct rendering is never touched; likewise `词元（token）` when the English
    word itself is a variant: the model quoting the paper's term beside the rendering). Made for
    the entries a text may need, so it stays small however big the glossary."""
    alternatives: list[tuple[str, str]] = []
    replacement: dict[str, str] = {}
    for number, entry in enumerate(fixes):
        alternatives.append((entry.zh, f"keep{number}"))
        for index, variant in enumerate(entry.avoid):
            name = f"fix{number}_{index}"
            replacement[name] = entry.zh
            if _LATIN.search(variant):
                quoted = re.escape(entry.zh) + r"\s*[（(]\s*" + _term_pattern(variant)
                alternatives.append((quoted + r"(?:e?s)?\s*[)）]", f"keep{number}_{index}"))
                alternatives.append((_latin(variant), name))
            else:
                alternatives.append((re.escape(variant), name))
    # Longer first, the kept ones before an equally long variant: the leftmost longest wins.
    ordered = sorted(alternatives, key=lambda a: (-len(a[0]), not a[1].startswith("keep")))
    body = "|".join(f"(?P<{name}>{pattern})" for pattern, name in ordered)
    return re.compile(body, re.IGNORECASE), replacement


@cache
def default_terms() -> tuple[Term, ...]:
    """The shipped glossary (data/glossary.csv)."""
    text = resources.files("summarizer").joinpath("data/glossary.csv").read_text("utf-8")
    return tuple(parse_glossary(text, source="summarizer/data/glossary.csv"))


def merge(default: Iterable[Term], own: Iterable[Term]) -> Glossary:
    """The reader's entries over the default ones; a default entry whose rendering the reader
    avoids is dropped (it would ask the model for what is then corrected away)."""
    own = list(own)
    mine = {term_key(t.term) for t in own}
    avoided = {v for t in own for v in t.avoid}
    kept = [t for t in default if term_key(t.term) not in mine and t.zh not in avoided]
    return Glossary(guide=(*kept, *own), fixes=tuple(t for t in own if t.avoid))


def load_glossary(path: Path | None, *, language: str) -> Glossary:
    """The run's glossary: the default one when summaries are in Simplified Chinese, with the
    reader's file (`SUMMARIZER_GLOSSARY`) over it. A bad file: InputError naming the line."""
    own = read_glossary(path) if path is not None else []
    default = default_terms() if language.lower() in CHINESE else ()
    return merge(default, own)


__all__ = ["Glossary", "Term", "default_terms", "load_glossary", "merge"]
