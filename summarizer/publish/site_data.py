"""What the site shows, read back from the digests: `{out}/data/{D}.jsonl` and the placements.

The JSON lines already hold every paper of a digested day with every summary the store has for it,
so the site is built from them (and works for days digested by older versions). Which category a
paper was placed under comes from the store; without one, it is worked out the way a digest places
it (primary category when configured, else the first configured category it is listed in).
Rows are outside text: each is checked here, and what fails a check is left out or shown missing.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..core.records import Brief, Detailed, UpdatedFrom
from .badges import code_url, venue
from .citation import coins_title
from .jsonl import jsonl_records
from .reasons import reason_zh
from .render import id_key

log = logging.getLogger(__name__)

DAY_FILE = re.compile(r"(\d{4}-\d{2}-\d{2})\.jsonl")
_NEW_ID = re.compile(r"\d{4}\.\d{4,5}")
_OLD_ID = re.compile(r"[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}")
CATEGORY = re.compile(r"[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?")
ARXIV = "https://arxiv.org"


def valid_id(paper_id: str) -> bool:
    return bool(_NEW_ID.fullmatch(paper_id) or _OLD_ID.fullmatch(paper_id))


@dataclass(frozen=True)
class SitePaper:
    """One paper of a day as the site shows it; links are built here from the checked id only."""

    id: str
    version: int
    title: str
    authors: list[str]
    category: str
    primary_category: str
    categories: list[str]
    published: str
    abstract: str
    brief: Brief | None
    detailed: Detailed | None
    missing: list[str] = field(default_factory=list)
    score: float | None = None
    why: str | None = None
    summarized: bool = True
    comment: str | None = None
    journal_ref: str | None = None
    code: str | None = None  # the repository the abstract or comment names (badges.code_url)
    venue: str | None = None  # where it appeared or was accepted (badges.venue)
    updated_from: UpdatedFrom | None = None  # a revised paper: where it was listed before

    @property
    def earlier_page(self) -> str | None:
        """The earlier listing of a revised paper, relative to a day page (days/{D}.html)."""
        if self.updated_from is None:
            return None
        return f"{self.updated_from.day.isoformat()}.html#{self.anchor}"

    @property
    def anchor(self) -> str:
        return "p-" + self.id.replace("/", "-")

    @property
    def versioned_id(self) -> str:
        return f"{self.id}v{self.version}"

    @property
    def abs_url(self) -> str:
        return f"{ARXIV}/abs/{self.id}"

    @property
    def pdf_url(self) -> str:
        return f"{ARXIV}/pdf/{self.versioned_id}"

    @property
    def html_url(self) -> str:
        return f"{ARXIV}/html/{self.versioned_id}"

    @property
    def short_title(self) -> str:
        return " ".join(self.title.split())

    @property
    def coins(self) -> str:
        return coins_title(paper_id=self.id, title=self.title, authors=self.authors)

    @property
    def marker(self) -> str | None:
        """The plain note shown where a summary would be, or None when the TL;DR is there."""
        if not self.summarized:
            return "未总结（不在今日推荐范围内）"
        if self.brief is None and (self.missing or self.detailed is None):
            return "总结暂缺：本次运行未能生成，下次运行将自动补上"
        return None


@dataclass(frozen=True)
class SiteDay:
    day: date
    categories: list[str]  # the categories that hold a paper, in display order
    papers: list[SitePaper]

    def in_category(self, category: str) -> list[SitePaper]:
        return [p for p in self.papers if p.category == category]

    def recommended(self, limit: int = 10) -> list[SitePaper]:
        """The best-scored papers that match something, best first, as the digest's recommended
        section picks them (empty when the day was not ranked)."""
        scored = [p for p in self.papers if p.score is not None and p.score > 0 and p.summarized]
        # Ties in one order everywhere (rank, digest, site, push): score down, then id up.
        return sorted(scored, key=lambda p: (-(p.score or 0.0), id_key(p.id)))[:limit]


def day_files(data_dir: Path) -> dict[date, Path]:
    """Every `{D}.jsonl` under `data_dir`, by day (other files ignored)."""
    found: dict[date, Path] = {}
    if not data_dir.is_dir():
        return found
    for path in data_dir.iterdir():
        match = DAY_FILE.fullmatch(path.name)
        if match and path.is_file():
            try:
                found[date.fromisoformat(match.group(1))] = path
            except ValueError:
                continue
    return dict(sorted(found.items()))


def _place(row: dict[str, Any], configured: list[str]) -> str:
    primary = row.get("primary_category") or ""
    if primary in configured:
        return primary
    listed = row.get("categories") or []
    return next((c for c in configured if c in listed), primary)


def _summary(model: type[Brief] | type[Detailed], value: Any, paper_id: str) -> Any:
    if not isinstance(value, dict):
        return None
    try:
        return model.model_validate(value, context={"language": "any"})
    except ValidationError:
        log.warning("%s: a stored %s summary is malformed; shown as missing", paper_id, model)
        return None


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _optional(value: Any) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def paper_from_row(
    row: dict[str, Any], *, category: str | None, configured: list[str]
) -> SitePaper:
    paper_id = str(row.get("id", ""))
    if not valid_id(paper_id):
        raise ValueError(f"not an arXiv id: {paper_id[:40]!r}")
    placed = category if category is not None else _place(row, configured)
    if not CATEGORY.fullmatch(placed):
        placed = "other"
    score = row.get("score")
    why = row.get("why")
    version = row.get("version")
    abstract = str(row.get("abstract", "")).strip()
    comment, journal_ref = _optional(row.get("comment")), _optional(row.get("journal_ref"))
    return SitePaper(
        id=paper_id,
        version=version if isinstance(version, int) and version > 0 else 1,
        title=str(row.get("title", "")),
        authors=_strings(row.get("authors")),
        category=placed,
        primary_category=str(row.get("primary_category", "")),
        categories=_strings(row.get("categories")),
        published=str(row.get("published", "")),
        abstract=abstract,
        brief=_summary(Brief, row.get("brief"), paper_id),
        detailed=_summary(Detailed, row.get("detailed"), paper_id),
        missing=_strings(row.get("missing")),
        score=float(score) if isinstance(score, int | float) else None,
        why=reason_zh(str(why)) if why else None,
        summarized=row.get("summarized") is not False,
        comment=comment,
        journal_ref=journal_ref,
        code=code_url(abstract, comment),
        venue=venue(comment, journal_ref),
        updated_from=_updated_from(row.get("updated_from"), paper_id),
    )


def _updated_from(value: Any, paper_id: str) -> UpdatedFrom | None:
    """A revised paper's `updated_from` ({"version": N, "day": "YYYY-MM-DD"}); a malformed one is
    dropped (the paper is shown, unmarked)."""
    if value is None:
        return None
    try:
        return UpdatedFrom.model_validate(value)
    except ValidationError:
        log.warning("%s: a malformed updated_from is ignored", paper_id)
        return None


def read_day(day: date, text: str, *, placed: dict[str, str], configured: list[str]) -> SiteDay:
    """One day from the text of its JSON lines; a line that is not a paper is skipped, logged."""
    papers: list[SitePaper] = []
    for number, line in jsonl_records(text):
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not an object")
            pid = str(row.get("id", ""))
            papers.append(paper_from_row(row, category=placed.get(pid), configured=configured))
        except ValueError as exc:
            log.warning("%s line %d skipped: %s", day, number, exc)
    used = {p.category for p in papers}
    order = [c for c in dict.fromkeys(configured) if c in used] + sorted(used - set(configured))
    rank = {c: i for i, c in enumerate(order)}
    papers.sort(key=lambda p: rank[p.category])  # stable: keeps the file's ascending-id order
    return SiteDay(day=day, categories=order, papers=papers)
