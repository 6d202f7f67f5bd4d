"""The reader's profile file: arXiv ids one a line, a BibTeX file, or a Zotero CSV export; and the
whole profile, that file with the reader's Zotero library (`zotero.py`).

Ids are looked up on arXiv once (in requests of the size arXiv accepts) and kept in the store;
BibTeX and Zotero entries carry their own title and abstract. A parsed BibTeX or CSV file is kept
in the store by the hash of its bytes: a 50,000-entry BibTeX file is parsed once, not every run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ..core.errors import InputError
from ..core.records import Paper
from ..sources.ids import parse_paper_ref
from ..store.database import Store
from ..store.profiles import ProfileStore

log = logging.getLogger(__name__)
FetchIds = Callable[[list[tuple[str, int | None]]], list[Paper]]
FETCH_CHUNK = 1000  # ids looked up and stored at a time: what arXiv gave is kept if it then fails
PARSER = b"profile-parser-2\0"  # part of a parsed file's key: a changed parser parses again
# `arXiv:2401.01234`, arxiv.org/abs/..., or arXiv's DOI 10.48550/arXiv.2401.01234
ARXIV_REF = re.compile(
    r"(?i)(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*|10\.48550/arxiv\.)"
    r"(\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[a-z]{2})?/\d{7})"
)


@dataclass(frozen=True)
class ProfilePaper:
    """One paper of the reader's library. `key` is its arXiv id, or a hash of its text."""

    key: str
    title: str
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    added: datetime | None = None  # when the reader added it (Zotero), for recency weighting
    arxiv_id: str | None = None  # the arXiv paper it is, when its entry names one

    def __post_init__(self) -> None:
        if self.added is not None and self.added.tzinfo is None:  # a CSV's "Date Added": UTC
            object.__setattr__(self, "added", self.added.replace(tzinfo=UTC))

    @classmethod
    def of(
        cls,
        title: str,
        abstract: str,
        authors: list[str],
        *,
        added: datetime | None = None,
        arxiv_id: str | None = None,
    ) -> ProfilePaper:
        title, abstract = " ".join(title.split()), " ".join(abstract.split())
        digest = hashlib.sha256(f"{title}\n{abstract}".encode()).hexdigest()[:16]
        return cls(
            key=f"profile:{digest}",
            title=title,
            abstract=abstract,
            authors=authors,
            added=added,
            arxiv_id=arxiv_id,
        )

    def record(self) -> dict[str, Any]:
        """As JSON, for the store."""
        return asdict(self) | {"added": self.added.isoformat() if self.added else None}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ProfilePaper:
        added = record.get("added")
        return cls(**record | {"added": datetime.fromisoformat(added) if added else None})


def arxiv_id_in(*texts: str | None) -> str | None:
    """The arXiv id the first of `texts` that names one names (an `extra`, a URL, a DOI)."""
    for text in texts:
        if text and (match := ARXIV_REF.search(text)):
            return match.group(1)
    return None


def parse_added(value: str | None) -> datetime | None:
    """A date-added as Zotero writes it (`2024-01-05T09:12:33Z`, or `2024-01-05 09:12:33` in a
    CSV export; a ProfilePaper reads one without a zone as UTC); None when missing or
    unreadable."""
    try:
        return datetime.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


def _fail(path: Path, why: str) -> InputError:
    return InputError(f"invalid setting SUMMARIZER_PROFILE: {path}: {why}")


def _kind(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if suffix == ".bib" or first.startswith("@"):
        return "bibtex"
    if suffix == ".csv" or ("Title" in first and "," in first):
        return "csv"
    return "ids"


def read_ids(path: Path, text: str) -> list[tuple[str, int | None]]:
    """arXiv ids or URLs one a line; blank lines and `#` comments skipped."""
    refs: list[tuple[str, int | None]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("http") else line
        if not line.strip():
            continue
        try:
            refs.append(parse_paper_ref(line.strip()))
        except InputError:
            raise _fail(path, f"line {number} is not an arXiv id: {line.strip()[:60]!r}") from None
    return list(dict.fromkeys(refs))


def read_bibtex(path: Path, text: str) -> list[ProfilePaper]:
    import bibtexparser  # only for a BibTeX profile
    from bibtexparser import middlewares

    library = bibtexparser.parse_string(
        text, append_middleware=[_latex_decoding(), middlewares.SeparateCoAuthors()]
    )
    if library.failed_blocks and not library.entries:
        raise _fail(path, "no BibTeX entry could be read")
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        log.warning("%s: skipped a BibTeX entry that could not be read (line %d)", path, line)
    papers = []
    for entry in library.entries:
        fields = {k.lower(): v for k, v in entry.fields_dict.items()}
        title = str(fields["title"].value) if "title" in fields else ""
        if not title.strip():
            continue
        abstract = str(fields["abstract"].value) if "abstract" in fields else ""
        authors = fields["author"].value if "author" in fields else []
        named = [str(fields[k].value) for k in ("url", "doi", "note") if k in fields]
        eprint = f"arXiv:{fields['eprint'].value}" if "eprint" in fields else None
        arxiv_id = arxiv_id_in(eprint, *named)
        papers.append(
            ProfilePaper.of(title, abstract, [str(a) for a in authors], arxiv_id=arxiv_id)
        )
    return papers


def _latex_decoding() -> Any:
    """bibtexparser's LaTeX decoding, which costs ~1 ms per field in pylatexenc (13 minutes for a
    50,000-entry file), skipped for text with nothing to decode: no macro, math, comment, tie or
    special pair of characters, only braces, which it would remove."""
    from bibtexparser.middlewares import LatexDecodingMiddleware

    latex = re.compile(r"[\\$%~&#^_]|--|``|''|!`|\?`")

    class Decoding(LatexDecodingMiddleware):
        def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
            if latex.search(python_string) is None:
                return python_string.replace("{", "").replace("}", ""), ""
            return super()._transform_python_value_string(python_string)

    return Decoding()


def read_zotero_csv(path: Path, text: str) -> list[ProfilePaper]:
    """Zotero's "Export Collection… → CSV": columns `Title`, `Abstract Note`, `Author`
    (authors `Family, Given; Family, Given`), `Date Added`, `Url`, `DOI`, `Extra`."""
    # A cell may be of any length (a Notes cell easily passes csv's default limit of 128 KiB).
    csv.field_size_limit(max(csv.field_size_limit(), min(sys.maxsize, 2**31 - 1)))
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "Title" not in reader.fieldnames:
        raise _fail(path, "a CSV profile needs a `Title` column (Zotero's CSV export)")
    papers = []
    for row in reader:
        title = row.get("Title") or ""
        if title.strip():
            authors = [a.strip() for a in (row.get("Author") or "").split(";") if a.strip()]
            paper = ProfilePaper.of(
                title,
                row.get("Abstract Note") or "",
                authors,
                added=parse_added(row.get("Date Added")),
                arxiv_id=arxiv_id_in(row.get("Extra"), row.get("Url"), row.get("DOI")),
            )
            papers.append(paper)
    return papers


class Library(Protocol):
    """Where else the reader's papers are (a Zotero library)."""

    def papers(self) -> list[ProfilePaper]: ...


def reader_profile(
    path: Path | None, *, zotero: Library | None, store: Store, fetch: FetchIds
) -> list[ProfilePaper]:
    """The reader's whole profile: the profile file's papers, then the Zotero library's, each
    paper once."""
    papers = load_profile(path, store=store, fetch=fetch) if path else []
    if zotero is not None:
        papers += zotero.papers()
    once: dict[str, ProfilePaper] = {}
    for paper in papers:
        once.setdefault(paper.key, paper)
    return list(once.values())


def load_profile(path: Path, *, store: Store, fetch: FetchIds) -> list[ProfilePaper]:
    """The profile file's papers. Ids not yet in the store are looked up with `fetch`."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, f"cannot be read ({type(exc).__name__})") from None
    kind = _kind(path, text)
    if kind == "ids":
        papers = _papers_of_ids(read_ids(path, text), store=store, fetch=fetch)
    else:
        papers = _parsed_file(path, raw, text, kind=kind, store=store)
    if not papers:
        raise _fail(path, "holds no paper")
    return papers


def _parsed_file(
    path: Path, raw: bytes, text: str, *, kind: str, store: Store
) -> list[ProfilePaper]:
    """A BibTeX or CSV file's papers: parsed once, then read from the store by the file's hash."""
    cache = ProfileStore(store)
    file_hash = hashlib.sha256(PARSER + raw).hexdigest()
    records = cache.parsed(file_hash)
    if records is not None:
        return [ProfilePaper.from_record(r) for r in records]
    papers = read_bibtex(path, text) if kind == "bibtex" else read_zotero_csv(path, text)
    if papers:
        cache.save_parsed(file_hash, [p.record() for p in papers])
    return papers


def _papers_of_ids(
    refs: list[tuple[str, int | None]], *, store: Store, fetch: FetchIds
) -> list[ProfilePaper]:
    known = store.ranking.profile_papers([pid for pid, _ in refs])
    wanted = [(pid, version) for pid, version in refs if pid not in known]
    for start in range(0, len(wanted), FETCH_CHUNK):
        found = fetch(wanted[start : start + FETCH_CHUNK])
        store.ranking.save_profile_papers(found)
        known.update({p.id: p for p in found})
    lost = [pid for pid, _ in wanted if pid not in known]
    if lost:
        shown = ", ".join(lost[:10]) + (f" and {len(lost) - 10:,} more" if len(lost) > 10 else "")
        log.warning("profile: arXiv does not know %s; left out", shown)
    return [
        ProfilePaper(key=p.id, title=p.title, abstract=p.abstract, authors=p.authors, arxiv_id=p.id)
        for pid, _ in refs
        if (p := known.get(pid)) is not None
    ]
