"""A day's digest as pushes show it: read from `{out}/data/{D}.jsonl`, recommended papers first."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..core.errors import InputError
from ..publish.jsonl import jsonl_records
from ..publish.reasons import reason_zh
from ..publish.render import BRIEF_MISSING, id_key
from .base import DayDigest, Item

# Every link a push carries points at arXiv or at the reader's own site: an id that could make
# anything else of `https://arxiv.org/abs/{id}` gets no link at all.
# As the rank stage's recommended section: its 10 best, or SUMMARIZER_TOP's N.
RECOMMENDED = 10
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]*(?:/[0-9]{7})?")


def jsonl_path(out: Path, day: date) -> Path:
    return out / "data" / f"{day}.jsonl"


def latest_written(out: Path) -> date:
    """The newest day whose digest data is on disk."""
    days = []
    for path in (out / "data").glob("*.jsonl"):
        try:
            days.append(date.fromisoformat(path.stem))
        except ValueError:
            continue
    if not days:
        raise InputError(f"no digest in {out} yet: run `summarizer digest` first")
    return max(days)


def site_day_url(site_url: str | None, day: date) -> str | None:
    """The day's page on the site (`{site}/days/{D}.html`), only for an http(s) base URL."""
    if not site_url:
        return None
    parsed = urlparse(site_url.strip())
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        return None
    return f"{site_url.strip().rstrip('/')}/days/{day}.html"


def safe_link(url: str | None, *, site_url: str | None) -> str | None:
    """`url` when it points at https://arxiv.org/ or under the site URL, else None."""
    if not url:
        return None
    if url.startswith("https://arxiv.org/"):
        return url
    if site_url and (url == site_url or url.startswith(site_url.rstrip("/") + "/")):
        return url
    return None


def _item(row: dict[str, Any], *, recommended: bool) -> Item:
    paper_id = str(row.get("id", ""))
    if not _SAFE_ID.fullmatch(paper_id):
        raise InputError(f"a malformed arXiv id {paper_id[:40]!r}")
    why = row.get("why")
    if isinstance(why, list):
        why = "；".join(str(w) for w in why if w)
    label, text = _chinese(row)
    return Item(
        id=paper_id,
        title=" ".join(str(row.get("title", "")).split()),
        authors=[str(a) for a in row.get("authors") or []],
        category=str(row.get("primary_category", "")),
        label=label,
        tldr=text,
        score=_score(row),
        why=reason_zh(str(why)) if why else None,
        summarized=row.get("summarized") is not False,
        recommended=recommended,
        updated_from=_earlier_day(row.get("updated_from")),
    )


def _earlier_day(value: Any) -> date | None:
    """The day a revised paper was listed before (JSONL `updated_from`), when well formed."""
    if not isinstance(value, dict) or not isinstance(value.get("day"), str):
        return None
    try:
        return date.fromisoformat(value["day"])
    except ValueError:
        return None


def _chinese(row: dict[str, Any]) -> tuple[str, str | None]:
    """The Chinese text a push shows: the TL;DR, else (a Jekyll-only day) the translation."""
    brief, detailed = row.get("brief"), row.get("detailed")
    if isinstance(brief, dict) and brief.get("tldr"):
        return "TL;DR", str(brief["tldr"])
    if isinstance(detailed, dict) and detailed.get("translation"):
        return "译文", str(detailed["translation"])
    return "TL;DR", None


def _score(row: dict[str, Any]) -> float | None:
    score = row.get("score")
    return float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None


def recommended_ids(records: list[dict[str, Any]], *, limit: int) -> list[str]:
    """The rank stage's recommended section: the best `limit` papers that match something (score
    above 0), best first; none when nothing was ranked."""
    scored = [(s, str(r.get("id"))) for r in records if (s := _score(r)) is not None and s > 0]
    return [pid for _, pid in sorted(scored, key=lambda pair: (-pair[0], id_key(pair[1])))][:limit]


class UnreadableDay(InputError):
    """The day's JSON lines hold a line that is not a paper's record: the day cannot be pushed
    whole. `line` is its number (from 1)."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path} line {line} cannot be read: {reason}")
        self.path, self.line, self.reason = path, line, reason


def read_records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Every record of a day's JSON lines with its line number; UnreadableDay at the first line
    that is not a JSON object."""
    records = []
    for number, line in jsonl_records(path.read_text("utf-8")):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            reason = f"not JSON ({exc.msg} at column {exc.colno})"
            raise UnreadableDay(path, number, reason) from None
        if not isinstance(record, dict):
            raise UnreadableDay(path, number, "not a JSON object")
        records.append((number, record))
    return records


def load_day(
    out: Path, day: date, *, site_url: str | None = None, recommend: int = RECOMMENDED
) -> DayDigest:
    """The day's digest from its JSONL file; InputError when the day was never digested,
    UnreadableDay when a line of it is not a paper's record."""
    path = jsonl_path(out, day)
    try:
        numbered = read_records(path)
    except FileNotFoundError:
        raise InputError(
            f"no digest of {day} in {path.parent.parent}: run `summarizer digest --date {day}` "
            "first"
        ) from None
    records = [record for _, record in numbered]
    picks = recommended_ids(records, limit=recommend)
    items: dict[str, Item] = {}
    for number, r in numbered:
        try:
            items[str(r.get("id"))] = _item(r, recommended=str(r.get("id")) in picks)
        except InputError as exc:
            raise UnreadableDay(path, number, str(exc)) from None
    # Recommended papers first, best first; then every paper not among them by id, the revised
    # ones (listed under 更新 in the digest) last.
    recommended = [items[pid] for pid in picks]
    rest = sorted(
        (i for i in items.values() if not i.recommended),
        key=lambda i: (i.updated_from is not None, id_key(i.id)),
    )
    return DayDigest(
        day=day,
        items=recommended + rest,
        records=records,
        site_url=site_day_url(site_url, day),
    )


def tldr_text(item: Item) -> str:
    """The TL;DR, or a plain marker: never an invented summary."""
    if item.tldr:
        return item.tldr
    if not item.summarized:
        return "（未总结：不在今日推荐的前列）"
    return BRIEF_MISSING
