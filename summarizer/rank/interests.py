"""Keywords, followed authors and excluded words, matched against a paper."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..core.records import Paper
from ..publish.highlight import keyword_pattern as _pattern


def _fold(name: str) -> str:
    """An author name compared without accents, case, dots or order of given and family name."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or name
    return " ".join(sorted(re.sub(r"[.\-,]", " ", plain.casefold()).split()))


@dataclass(frozen=True)
class Interests:
    """What the reader asked for by name: keywords (raise and highlight), followed authors
    (raise) and excluded words (leave the paper out)."""

    keywords: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def matched_keywords(self, paper: Paper) -> list[str]:
        """The configured keywords found in the title or abstract, in configured order."""
        text = f"{paper.title}\n{paper.abstract}"
        return [k for k in self.keywords if (p := _pattern([k])) and p.search(text)]

    def in_title(self, paper: Paper, keywords: list[str] | tuple[str, ...]) -> list[str]:
        return [k for k in keywords if (p := _pattern([k])) and p.search(paper.title)]

    def matched_authors(self, paper: Paper) -> list[str]:
        followed = {_fold(a): a for a in self.authors}
        return [followed[_fold(a)] for a in paper.authors if _fold(a) in followed]

    def excluded_by(self, paper: Paper) -> str | None:
        """The first excluded word the title or abstract holds, or None."""
        text = f"{paper.title}\n{paper.abstract}"
        return next((w for w in self.exclude if (p := _pattern([w])) and p.search(text)), None)
