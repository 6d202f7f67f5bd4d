"""Why a day page is short or empty: what its last run and its papers say, in the reader's words.

From the store's run records (the last digest run of each day: its status, its error, what
ranking left out) and from the day's own papers (summaries missing, papers below the top N), a
few plain notes the day page shows above the papers, each with the command that helps where one
does. A day whose last run stopped before writing anything still gets a page saying so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .site_data import SiteDay

STOPPED = frozenset({"failed", "interrupted"})


@dataclass(frozen=True)
class RunNote:
    """What the site needs of a day's last digest run."""

    status: str  # complete, incomplete, failed, interrupted
    error: str = ""
    excluded: int = 0

    @property
    def stopped(self) -> bool:
        return self.status in STOPPED

    def key(self) -> str:
        """Part of the day's build hash: a new run that says something else rebuilds the page."""
        return json.dumps([self.status, self.error, self.excluded], ensure_ascii=False)


@dataclass(frozen=True)
class Note:
    kind: str  # empty, stopped, missing, below-top, excluded: a CSS class
    text: str
    command: str = ""  # shown as code after the text


def run_notes(runs: Iterable[dict[str, Any]]) -> dict[date, RunNote]:
    """The last digest run of each day, from the store's run records (in the order made)."""
    found: dict[date, RunNote] = {}
    for run in runs:
        if not str(run.get("command", "")).startswith("digest") or not run.get("day"):
            continue
        try:
            day = date.fromisoformat(str(run["day"]))
        except ValueError:
            continue
        stats = run.get("stats")
        if not isinstance(stats, dict):
            stats = {}
        excluded = stats.get("excluded")
        found[day] = RunNote(
            status=str(run.get("status") or ""),
            error=" ".join(str(stats.get("error") or "").split())[:300],
            excluded=excluded if isinstance(excluded, int) else 0,
        )
    return found


def day_notes(day: SiteDay, run: RunNote | None, *, configured: list[str]) -> list[Note]:
    """What the page of `day` says about why it holds what it holds."""
    command = f"summarizer digest --date {day.day.isoformat()}"
    notes: list[Note] = []
    if run is not None and run.stopped:
        what = "中断" if run.status == "interrupted" else "失败"
        reason = f"：{run.error}" if run.error else ""
        kept = "本页保留的是之前生成的内容" if day.papers else "这一天还没有生成日报"
        text = f"这一天最近一次运行{what}{reason}。{kept}；处理后重新运行"
        notes.append(Note("stopped", text, command))
    elif not day.papers:
        where = "、".join(configured) or "所选分类"
        notes.append(Note("empty", f"arXiv 在这一天的投稿窗口里没有 {where} 的新论文。"))
    missing = sum(1 for p in day.papers if p.summarized and (p.missing or p.marker))
    if missing:
        text = f"{missing} 篇论文的总结暂缺（上次运行未能生成）；已生成的不会重复付费，运行"
        notes.append(Note("missing", text, command))
    below = sum(1 for p in day.papers if not p.summarized)
    if below:
        text = f"{below} 篇未总结：不在设定的前 N 篇之内（SUMMARIZER_TOP）。"
        notes.append(Note("below-top", text))
    if run is not None and run.excluded:
        text = f"另有 {run.excluded} 篇含排除词（SUMMARIZER_EXCLUDE），未列入本页。"
        notes.append(Note("excluded", text))
    return notes
