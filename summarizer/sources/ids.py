"""arXiv ids as people paste them: bare, versioned, `arXiv:`-prefixed, or any abs/pdf/html URL.

Light on purpose (no arXiv client): the CLI checks an id before it loads the heavy stages.
"""

from __future__ import annotations

import re

from ..core.errors import InputError

NEW_ID = re.compile(r"^(\d{4}\.\d{4,5})(?:v([1-9]\d*))?$")
OLD_ID = re.compile(r"^([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v([1-9]\d*))?$")
# Scheme and `www.`/`export.` optional; `?query` and `#fragment` (as browsers copy them) dropped.
URL_ID = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(.+?)(?:\.pdf)?/*(?:[?#].*)?$",
    re.IGNORECASE,
)
PREFIX = re.compile(r"^arxiv:\s*", re.IGNORECASE)


def parse_paper_ref(text: str) -> tuple[str, int | None]:
    """`2511.14600`, `2511.14600v2`, `arXiv:2511.14600`, `hep-th/9901001`, or an abs/pdf/html URL
    with or without scheme and `www.` -> (id without version, version or None)."""
    ref = text.strip().strip("<>")
    if match := URL_ID.match(ref):
        ref = match.group(1)
    ref = PREFIX.sub("", ref)
    for pattern in (NEW_ID, OLD_ID):
        if match := pattern.match(ref):
            return match.group(1), int(match.group(2)) if match.group(2) else None
    shown = repr(text) if len(text) <= 80 else f"{text[:60]!r}… ({len(text):,} characters)"
    raise InputError(
        f"{shown} is not an arXiv id or URL "
        "(e.g. 2511.14600, arXiv:2511.14600v2, arxiv.org/abs/2511.14600, hep-th/9901001)"
    )


def split_versioned(short_id: str) -> tuple[str, int]:
    paper_id, version = parse_paper_ref(short_id)
    return paper_id, version or 1
