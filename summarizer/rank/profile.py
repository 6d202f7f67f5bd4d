"""The reader's profile file: arXiv ids one a line, a BibTeX file, or a Zotero CSV export.

Ids are looked up on arXiv once, all in ONE id_list query, and kept in the store; BibTeX and
Zotero entries carry their own title and abstract.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import InputError
from ..core.records import Paper
from ..sources.ids import parse_paper_ref
from ..store.database import Store

log = logging.getLogger(__name__)
FetchIds = Callable[[list[tuple[str, int | None]]], list[Paper]]


@dataclass(frozen=True)
class ProfilePaper:
    """One paper of the reader's library. `key` is its arXiv id, or a hash of its text."""

    key: str
    title: str
    abstract: str = ""
    authors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, title: str, abstract: str, authors: list[str]) -> ProfilePaper:
        title, abstract = " ".join(title.split()), " ".join(abstract.split())
        digest = hashlib.sha256(f"{title}\n{abstract}".encode()).hexdigest()[:16]
        return cls(key=f"profile:{digest}", title=title, abstract=abstract, authors=authors)


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
        text,
        append_middleware=[middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors()],
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
        papers.append(ProfilePaper.of(title, abstract, [str(a) for a in authors]))
    return papers


def read_zotero_csv(path: Path, text: str) -> list[ProfilePaper]:
    """Zotero's "Export Collection… → CSV": columns `Title`, `Abstract Note`, `Author`
    (authors `Family, Given; Family, Given`)."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "Title" not in reader.fieldnames:
        raise _fail(path, "a CSV profile needs a `Title` column (Zotero's CSV export)")
    papers = []
    for row in reader:
        title = row.get("Title") or ""
        if title.strip():
            authors = [a.strip() for a in (row.get("Author") or "").split(";") if a.strip()]
            papers.append(ProfilePaper.of(title, row.get("Abstract Note") or "", authors))
    return papers


def load_profile(path: Path, *, store: Store, fetch: FetchIds) -> list[ProfilePaper]:
    """The profile's papers. Ids not yet in the store are fetched in one call of `fetch`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, f"cannot be read ({type(exc).__name__})") from None
    kind = _kind(path, text)
    if kind == "bibtex":
        papers = read_bibtex(path, text)
    elif kind == "csv":
        papers = read_zotero_csv(path, text)
    else:
        papers = _papers_of_ids(read_ids(path, text), store=store, fetch=fetch)
    if not papers:
        raise _fail(path, "holds no paper")
    return papers


def _papers_of_ids(
    refs: list[tuple[str, int | None]], *, store: Store, fetch: FetchIds
) -> list[ProfilePaper]:
    known = store.profile_papers([pid for pid, _ in refs])
    wanted = [(pid, version) for pid, version in refs if pid not in known]
    if wanted:
        found = fetch(wanted)
        store.save_profile_papers(found)
        known.update({p.id: p for p in found})
        lost = [pid for pid, _ in wanted if pid not in known]
        if lost:
            log.warning("profile: arXiv does not know %s; left out", ", ".join(lost))
    return [
        ProfilePaper(key=p.id, title=p.title, abstract=p.abstract, authors=p.authors)
        for pid, _ in refs
        if (p := known.get(pid)) is not None
    ]
