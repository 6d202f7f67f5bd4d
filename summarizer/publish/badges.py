"""Badges from arXiv's own metadata, found at build time: a code repository and a venue.

`code_url` finds the first GitHub or GitLab repository named in the abstract or the comment and
gives its canonical address (`https://github.com/owner/repo`): LaTeX wrappers (`\\url{..}`,
`\\href{..}{..}`, `\\_`) undone, the scheme and `www.` made uniform, sub-pages (`/tree/main/..`),
`.git` and trailing punctuation cut. Project pages (`owner.github.io`) and user pages are not
repositories. `venue` says where the paper appeared or will appear: the journal reference when
arXiv has one, else what the comment says it was accepted to ("Accepted to ICASSP 2026");
"submitted to" and "under review" are not venues.
"""

from __future__ import annotations

import re

# GitHub's own pages that look like an owner: github.com/features/..., /orgs/x/..., ...
_NOT_OWNERS = frozenset(
    ("about", "apps", "collections", "contact", "customer-stories", "enterprise", "events",
     "explore", "features", "issues", "login", "marketplace", "new", "notifications", "orgs",
     "organizations", "pricing", "pulls", "search", "security", "settings", "site", "sponsors",
     "team", "topics", "trending", "users")
)  # fmt: skip
_HOST = re.compile(
    r"(?<![\w.@/-])(?:https?://)?(?:www\.)?(?P<host>github\.com|gitlab(?:\.[a-z0-9-]+)*\.[a-z]{2,})/"
    r"(?P<path>[A-Za-z0-9._/-]*)",
    re.IGNORECASE,
)
_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")
_HREF = re.compile(r"\\href\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_URL = re.compile(r"\\url\s*\{([^{}]*)\}")
_LATEX_ESCAPES = {"\\_": "_", "\\%": "%", "\\#": "#", "\\&": "&", "\\~{}": "~", "\\~": "~"}


def _unlatex(text: str) -> str:
    """`\\href{url}{text}` and `\\url{url}` as plain text, `\\_` as `_` (arXiv comments are
    often LaTeX)."""
    text = _HREF.sub(lambda m: f" {m.group(1)} {m.group(2)} ", text)
    text = _URL.sub(lambda m: f" {m.group(1)} ", text)
    for escaped, plain in _LATEX_ESCAPES.items():
        text = text.replace(escaped, plain)
    return text


def _repo_name(segment: str) -> str:
    """A repository name without the sentence's full stop or `.git`."""
    name = segment.rstrip(".")
    if name.lower().endswith(".git"):
        name = name[:-4].rstrip(".")
    return name


def _repository(host: str, path: str) -> str | None:
    parts = path.split("/")
    if host == "github.com":
        if len(parts) < 2 or not _OWNER.fullmatch(parts[0]):
            return None
        owner, name = parts[0], _repo_name(parts[1])
        if owner.lower() in _NOT_OWNERS or not name or not _SEGMENT.fullmatch(name):
            return None
        return f"https://github.com/{owner}/{name}"
    # GitLab: groups and subgroups, then the project; its pages start at a "-" segment
    if "-" in parts:
        parts = parts[: parts.index("-")]
    parts = [p for p in parts if p]
    if parts:
        parts[-1] = _repo_name(parts[-1])
    if len(parts) < 2 or not all(_SEGMENT.fullmatch(p) and p.strip(".") for p in parts):
        return None
    return f"https://{host}/{'/'.join(parts)}"


def code_url(*texts: str | None) -> str | None:
    """The first GitHub or GitLab repository named in `texts`, canonical; None when none is."""
    for text in texts:
        if not text:
            continue
        for match in _HOST.finditer(_unlatex(text)):
            found = _repository(match.group("host").lower(), match.group("path"))
            if found:
                return found
    return None


# --- venue --------------------------------------------------------------------------------------

_ACCEPTED = re.compile(
    r"\b(?:accepted|to\s+appear|appearing|published|presented|camera[- ]ready)\b"
    r"(?:\s+(?:version|paper|submission))?"
    r"(?:\s+(?:as|for)\s+(?:an?\s+)?(?:[a-z-]+\s+){0,3}?"
    r"(?:paper|presentation|talk|article|contribution|publication|poster|oral|version))?"
    r"\s*(?::|\b(?:at|to|in|by|on|for)\b)\s*(?:the\s+)?(?P<venue>.+)",
    re.IGNORECASE | re.DOTALL,
)
# "ICASSP 2026 accepted", "Interspeech 2025 (accepted)"
_NAMED_ACCEPTED = re.compile(
    r"(?P<venue>\b[A-Z][A-Za-z]*[A-Z][A-Za-z-]*\s*'?\d{2,4}|\b[A-Z][a-z]+\s+(?:19|20)\d{2})"
    r"\s*\(?\s*accepted\b"
)
_NEGATED = re.compile(r"\b(?:not|never|submitted|under\s+review|rejected)\b[^.;]*$", re.I)
# Where a venue's name ends: a clause break, or a comma or full stop before what is plainly
# something else (a page count, "Code:", a link, "vol. 3").
_STOP = re.compile(
    r"\s*(?:[;\n]|\s-\s|[,.]\s+(?=(?:\d|code|project|demo|data|github|gitlab|https?:|www\.|"
    r"available|see|the\s|this|our|we\s|copyright|©|vol|pp|no\.|doi|pages?)\b))",
    re.IGNORECASE,
)
# A full stop ends the sentence after a number, a ")" or a lower-case word; after a capitalized
# word it is an abbreviation ("Proc.", "Trans.") and the name goes on.
_FULL_STOP = re.compile(r"(?:\d|\)|(?<![A-Za-z])[a-z]+)\.(?=\s|$)")
_ACRONYM = re.compile(
    r"\(\s*(?P<name>[A-Z][A-Za-z]*[A-Z][A-Za-z-]*)(?:\s*'?(?P<year>\d{2,4}))?\s*\)"
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
MAX_VENUE = 80


def _shorten(text: str) -> str:
    text = " ".join(text.split()).strip(" ,.:;")
    if len(text) <= MAX_VENUE:
        return text
    cut = text[:MAX_VENUE].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.:;") + "…"


def _venue_phrase(phrase: str) -> str:
    """The venue named at the start of `phrase` (what follows "accepted to")."""
    ends = [m.start() for m in (_STOP.search(phrase),) if m]
    ends += [m.end() - 1 for m in (_FULL_STOP.search(phrase),) if m]
    head = phrase[: min(ends)] if ends else phrase
    acronym = _ACRONYM.search(head)
    if acronym and len(head) > 30:  # "the 2026 IEEE International Conference ... (ICASSP)"
        year = acronym.group("year") or next(iter(_YEAR.findall(head)), "")
        return f"{acronym.group('name')} {year}".strip()
    return _shorten(head)


def venue(comment: str | None, journal_ref: str | None) -> str | None:
    """Where the paper appeared: the journal reference, else the comment's "accepted to X"."""
    if journal_ref and journal_ref.strip():
        return _shorten(journal_ref)
    if not comment:
        return None
    for match in _ACCEPTED.finditer(comment):
        before = comment[: match.start()]
        clause = re.split(r"[.;]\s", before)[-1]
        if _NEGATED.search(clause):
            continue
        found = _venue_phrase(match.group("venue"))
        if re.search(r"[A-Z]|\d{2}", found) and re.search(r"[A-Za-z]{2}", found):
            return found
    named = _NAMED_ACCEPTED.search(comment)
    return _shorten(named.group("venue")) if named else None
