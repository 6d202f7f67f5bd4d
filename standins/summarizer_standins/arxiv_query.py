"""The arXiv API's `search_query` language, as far as the stand-in needs it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from summarizer.core.records import Paper


class QueryError(ValueError):
    """A request the real API would answer with HTTP 400."""


_TOKEN = re.compile(
    r"\s*(?:(?P<paren>[()])|(?P<op>ANDNOT|AND|OR)(?=[\s()]|$)"
    r'|(?P<field>[A-Za-z]+):(?P<value>\[[^\]]*\]|"[^"]*"|[^\s()]+))'
)
_RANGE = re.compile(r"\[\s*([0-9]{12})\s+TO\s+([0-9]{12})\s*\]")
_TEXT_FIELDS: dict[str, Callable[[Paper], str]] = {
    "ti": lambda p: p.title,
    "abs": lambda p: p.abstract,
    "au": lambda p: " | ".join(p.authors),
    "all": lambda p: " ".join([p.title, p.abstract, *p.authors]),
}
Predicate = Callable[[Paper], bool]


def parse_query(text: str, *, updated: Callable[[Paper], datetime] | None = None) -> Predicate:
    """Parse `search_query`: `field:value` terms joined by AND, OR, ANDNOT and parentheses
    (AND and ANDNOT bind tighter than OR). Fields: cat, submittedDate, lastUpdatedDate (the time
    `updated` gives, by default `_updated`), ti, abs, au, all."""
    tokens: list[tuple[str, str]] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise QueryError(f"malformed search_query near {text[pos : pos + 30]!r}")
        kind = m.lastgroup if m.lastgroup != "value" else "field"
        tokens.append((kind or "", m.group(0).strip()))
        pos = m.end()
    if not tokens:
        raise QueryError("empty search_query")
    parser = _Parser(tokens, updated or _updated)
    predicate = parser.any_of()
    if parser.pos != len(tokens):
        raise QueryError(f"unexpected {tokens[parser.pos][1]!r} in search_query")
    return predicate


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], updated: Callable[[Paper], datetime]) -> None:
        self.tokens, self.pos = tokens, 0
        self.updated = updated

    def _peek(self) -> str:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else ""

    def any_of(self) -> Predicate:
        parts = [self.all_of()]
        while self._peek() == "OR":
            self.pos += 1
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else lambda p: any(f(p) for f in parts)

    def all_of(self) -> Predicate:
        result = self.term()
        while self._peek() in {"AND", "ANDNOT"}:
            negate = self._peek() == "ANDNOT"
            self.pos += 1
            result = _both(result, self.term(), negate)
        return result

    def term(self) -> Predicate:
        if self.pos >= len(self.tokens):
            raise QueryError("search_query ends too early")
        kind, text = self.tokens[self.pos]
        self.pos += 1
        if text == "(":
            inner = self.any_of()
            if self._peek() != ")":
                raise QueryError("unbalanced parentheses in search_query")
            self.pos += 1
            return inner
        if kind != "field":
            raise QueryError(f"unexpected {text!r} in search_query")
        name, value = text.split(":", 1)
        return _field(name, value, self.updated)


def _both(left: Predicate, right: Predicate, negate: bool) -> Predicate:
    def both(paper: Paper) -> bool:
        return left(paper) and right(paper) != negate

    return both


def _field(name: str, value: str, updated: Callable[[Paper], datetime]) -> Predicate:
    if name == "cat":
        wanted = value.strip('"').casefold()
        return lambda p: any(c.casefold() == wanted for c in p.categories)
    if name in {"submittedDate", "lastUpdatedDate"}:
        m = _RANGE.fullmatch(value)
        if m is None:
            raise QueryError(f"{name} wants [YYYYMMDDHHMM TO YYYYMMDDHHMM], got {value!r}")
        low, high = (datetime.strptime(x, "%Y%m%d%H%M").replace(tzinfo=UTC) for x in m.groups())
        high += timedelta(minutes=1)  # inclusive by minute
        stamp = _published if name == "submittedDate" else updated
        return lambda p: low <= stamp(p) < high
    if name in _TEXT_FIELDS:
        needle = " ".join(value.strip('"').replace("_", " ").split()).casefold()
        get = _TEXT_FIELDS[name]
        return lambda p: needle in " ".join(get(p).split()).casefold()
    raise QueryError(f"unsupported search field {name!r}")


def _published(paper: Paper) -> datetime:
    return _utc(paper.published)


def _updated(paper: Paper) -> datetime:
    """The stand-in's default `updated`: `published` plus a day for each later version (a
    version added with its own time keeps that: `ArxivStandin.add(..., updated=...)`)."""
    return _utc(paper.published) + timedelta(days=paper.version - 1)


def _utc(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
