"""Reading a glossary file: CSV with the header `term,zh,avoid` (`avoid`: variants separated by
`|`), `#` comment lines and blank lines allowed, UTF-8 with or without a byte-order mark. Every
fault is one line naming the file and the line: a glossary is small enough to fix by hand."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import InputError
from ..core.text_safety import shorten, unsafe_characters

COLUMNS = ("term", "zh", "avoid")
MAX_ENTRIES = 5_000
MAX_CELL = 120  # characters: a term or a rendering, not a paragraph
_LATIN = re.compile(r"[A-Za-z]")
WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+")  # a Latin word, accented letters included
_TERM = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+(?:[ \-]+[0-9A-Za-z\u00c0-\u024f]+)*")


@dataclass(frozen=True)
class Term:
    """One glossary row: the English term, its Chinese rendering, the variants to avoid."""

    term: str
    zh: str
    avoid: tuple[str, ...] = ()
    line: int = 0

    @property
    def words(self) -> int:
        return len(WORD.findall(self.term))


def term_key(text: str) -> str:
    """What two spellings of one term share: `Pre-training`, `pre training`, `pretraining`."""
    return "".join(WORD.findall(text)).casefold()


class GlossaryFileError(InputError):
    """A glossary file that cannot be used; the message names the file and the line."""


def _bad(source: str, line: int, why: str) -> GlossaryFileError:
    where = f"{source} line {line}" if line else source
    return GlossaryFileError(f"glossary {where}: {why}")


def _decoded(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _bad(source, line, "not UTF-8 text (save the file as UTF-8)") from None


def read_glossary(path: Path, *, setting: str = "SUMMARIZER_GLOSSARY") -> list[Term]:
    """The entries of the reader's glossary file at `path`."""
    source = f"{path} ({setting})"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GlossaryFileError(
            f"glossary {source}: cannot read it: {exc.strerror or exc}"
        ) from None
    return parse_glossary(_decoded(data, source), source=source)


def _lines(text: str) -> list[str]:
    """The file's lines with comments blanked, so the CSV reader's line numbers stay true."""
    return ["" if line.lstrip().startswith("#") else line for line in text.splitlines()]


def _header(row: list[str], line: int, source: str) -> list[str]:
    names = [cell.strip().casefold() for cell in row]
    if names not in (list(COLUMNS), list(COLUMNS[:2])):
        shown = shorten(",".join(row), 60)
        raise _bad(source, line, f"the first row must be the header term,zh,avoid, got {shown!r}")
    return names


def _cell(value: str, line: int, source: str, name: str) -> str:
    text = " ".join(value.split())
    if bad := unsafe_characters(text):
        raise _bad(source, line, f"{name} holds a control character ({bad[0]})")
    if len(text) > MAX_CELL:
        raise _bad(source, line, f"{name} is longer than {MAX_CELL} characters")
    return text


def _entry(row: list[str], names: list[str], line: int, source: str) -> Term:
    if len(row) > len(names):
        raise _bad(
            source,
            line,
            f"{len(row)} cells where the header has {len(names)} (quote a cell that holds a comma)",
        )
    cells = dict(zip(names, row, strict=False))
    term = _cell(cells.get("term", ""), line, source, "term")
    zh = _cell(cells.get("zh", ""), line, source, "zh")
    if not term or not zh:
        raise _bad(source, line, "both term and zh are needed")
    if not _LATIN.search(term) or not _TERM.fullmatch(term):
        raise _bad(
            source,
            line,
            f"term {shorten(term, 40)!r} must be English words joined by spaces or hyphens",
        )
    avoid = [_cell(v, line, source, "avoid") for v in cells.get("avoid", "").split("|")]
    variants = tuple(dict.fromkeys(v for v in avoid if v))
    if zh in variants:
        raise _bad(source, line, f"{zh!r} is both the rendering and a variant to avoid")
    return Term(term=term, zh=zh, avoid=variants, line=line)


def parse_glossary(text: str, *, source: str) -> list[Term]:
    """The entries of a glossary's text; GlossaryFileError naming the line at the first fault."""
    reader = csv.reader(_lines(text.removeprefix("\ufeff")), strict=True)
    names: list[str] | None = None
    entries: list[Term] = []
    seen: dict[str, Term] = {}
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if names is None:
                names = _header(row, reader.line_num, source)
                continue
            entry = _entry(row, names, reader.line_num, source)
            key = term_key(entry.term)
            if key in seen:
                first = seen[key]
                raise _bad(source, entry.line, f"{entry.term!r} is already on line {first.line}")
            seen[key] = entry
            entries.append(entry)
            if len(entries) > MAX_ENTRIES:
                raise _bad(source, entry.line, f"more than {MAX_ENTRIES:,} entries")
    except csv.Error as exc:
        raise _bad(source, reader.line_num, f"not valid CSV ({exc})") from None
    if names is None:
        raise _bad(source, 0, "it is empty; the first row must be the header term,zh,avoid")
    _check_variants(entries, source)
    return entries


def _check_variants(entries: list[Term], source: str) -> None:
    """A variant to avoid that is another entry's rendering would undo that entry."""
    rendering = {entry.zh: entry for entry in entries}
    for entry in entries:
        for variant in entry.avoid:
            other = rendering.get(variant)
            if other is not None:
                raise _bad(
                    source,
                    entry.line,
                    f"{variant!r} is avoided here but is the rendering of {other.term!r} "
                    f"on line {other.line}",
                )
