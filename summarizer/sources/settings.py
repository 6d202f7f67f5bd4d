"""The settings of the sources stage: where arXiv is, which categories, how politely to ask."""

from __future__ import annotations

import difflib
import ipaddress
from functools import cache
from importlib import resources
from urllib.parse import urlparse

from pydantic import field_validator

from ..core.text_safety import shorten
from ..settings.group import Group, setting
from ..settings.kinds import URL, CommaList, OnOff

REAL_ARXIV_DELAY = 3.0


@cache
def known_categories() -> frozenset[str]:
    text = resources.files("summarizer").joinpath("data/categories.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip()[:1].isalpha())


def _suggest(category: str) -> str:
    known = sorted(known_categories())
    by_case = [c for c in known if c.casefold() == category.casefold()]
    close = by_case or difflib.get_close_matches(category, known, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else " (see https://arxiv.org/category_taxonomy)"


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SourcesSettings(Group):
    """arXiv's API and web site, the categories of a digest, and the arXiv client's pace."""

    arxiv_api_url: URL = setting("https://export.arxiv.org/api/query", env="ARXIV_API_URL")
    arxiv_web_url: URL = setting("https://arxiv.org", env="ARXIV_WEB_URL")
    categories: CommaList = setting(["eess.SP", "eess.AS", "cs.SD"])
    arxiv_delay: float | None = setting(None, env="ARXIV_DELAY_SECONDS", ge=0)
    arxiv_timeout: float = setting(30.0, env="ARXIV_TIMEOUT", gt=0)
    arxiv_page_size: int = setting(500, env="ARXIV_PAGE_SIZE", gt=0, le=2000)
    # Digest days to look back for papers that reached the API after their window was digested.
    late_days: int = setting(3, ge=0, le=20)
    # Revised papers: a new version of a paper an earlier digest holds, with a changed abstract,
    # summarized again and listed under 更新 on the day arXiv lists the revision.
    updates: OnOff = setting(True)

    @field_validator("categories")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one category is needed")
        unknown = [c for c in value if c not in known_categories()]
        if unknown:
            shown = ", ".join(shorten(c, 40) for c in unknown[:5])
            raise ValueError(f"unknown arXiv category {shown}{_suggest(unknown[0][:40])}")
        return list(dict.fromkeys(value))

    @property
    def arxiv_delay_seconds(self) -> float:
        """arXiv asks for 3 s between requests; only a loopback stand-in may go faster."""
        if is_loopback(self.arxiv_api_url):
            return self.arxiv_delay or 0.0
        return max(self.arxiv_delay or REAL_ARXIV_DELAY, REAL_ARXIV_DELAY)
