"""The thin orchestrator: fetch, select, summarize (cached), render, write; a day at a time."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from ..core.errors import InputError, OutputError, StoreError, SummarizerError
from ..core.records import Brief, Detailed, Digest, Entry, Paper, Summary, SummaryKind, Usage
from ..core.redaction import redact
from ..core.selection import Plan
from ..llm.client import ModelClient
from ..llm.cost import Budget, load_prices, price_for
from ..llm.estimate import unmade_usage
from ..llm.limits import AdaptiveLimiter, Pacer
from ..llm.modes import ModeSwitch
from ..publish.files import write_atomic_parts
from ..publish.render import jsonl_lines, render_jekyll, toc_parts
from ..rank import Ranking, build_ranker
from ..sources.arxiv import ArxivSource
from ..sources.ids import parse_paper_ref
from ..store.database import Store
from .interrupts import Interrupted
from .report import DayReport, QuietReporter, Reporter
from .settings import RunSettings
from .summarizing import Summarizing, pages_in_thread, stop_if_interrupted

log = logging.getLogger(__name__)
Format = Literal["toc", "jekyll", "all"]
KINDS: dict[str, tuple[SummaryKind, ...]] = {
    "toc": ("brief",),
    "jekyll": ("detailed",),
    "all": ("brief", "detailed"),
}


def digest_paths(out: Path, day: date, fmt: Format | str) -> dict[str, Path]:
    """The files a digest of `day` in format `fmt` writes, by layout."""
    paths = {}
    if fmt in ("toc", "all"):
        paths["toc"] = out / f"{day}.md"
    if fmt in ("jekyll", "all"):
        paths["jekyll"] = out / "_posts" / f"{day}-arxiv.md"
    paths["jsonl"] = out / "data" / f"{day}.jsonl"
    return paths


class Pipeline(Summarizing):
    """One run: one arXiv client, one model client, one store."""

    def __init__(
        self,
        settings: RunSettings,
        *,
        client: ModelClient | None = None,
        reporter: Reporter | None = None,
    ) -> None:
        self.settings = settings
        self.source = ArxivSource(
            api_url=settings.sources.arxiv_api_url,
            page_size=settings.sources.arxiv_page_size,
            delay=settings.sources.arxiv_delay_seconds,
            timeout=settings.sources.arxiv_timeout,
        )
        self.store = Store(settings.output.cache_path)
        self.reporter = reporter or QuietReporter()
        self._client = client
        self.prices = load_prices(settings.llm.prices)
        self.price = price_for(settings.llm.model, self.prices)
        self.budget = Budget(limit=settings.llm.max_cost, price=self.price)
        self.limiter = AdaptiveLimiter(settings.llm.concurrency)
        self.pacer = Pacer(rpm=settings.llm.rpm, tpm=settings.llm.tpm)
        # Set by the batch engine: what its batches spent per (kind, paper id) in this run, to
        # report as made (not cached); and the attempts left for live retries after a batch.
        self.batch_spent: dict[tuple[SummaryKind, str], tuple[Usage, float]] = {}
        self.max_attempts = settings.llm.max_attempts
        # One response mode for the whole run, every day of a backfill included.
        self.modes = ModeSwitch(
            setting=settings.llm.response_mode, profile=settings.llm.provider_profile
        )
        self.ranker = build_ranker(
            settings.rank,
            settings.llm,
            store=self.store,
            fetch=lambda refs: self.source.by_ids(refs, strict=False),
        )

    def close(self) -> None:
        if self.ranker is not None:
            self.ranker.close()
        self.store.close()

    # digest ---------------------------------------------------------------------------------
    def digest(self, plan: Plan, *, fmt: Format) -> DayReport:
        report = DayReport(day=plan.day)
        started = datetime.now(UTC)
        try:
            self._digest(plan, fmt, report)
        except InputError:
            raise  # bad input or settings (a missing key): nothing done, nothing written
        except (Interrupted, KeyboardInterrupt) as exc:
            with contextlib.suppress(SummarizerError, sqlite3.Error, OSError):
                self._record_run(fmt, started, report, status="interrupted", error=exc)
            raise
        except StoreError:
            raise  # the store cannot take a run record either
        except BaseException as exc:
            with contextlib.suppress(SummarizerError, sqlite3.Error, OSError):  # keep the cause
                self._record_run(fmt, started, report, status="failed", error=exc)
            raise
        status = "complete" if report.complete else "incomplete"
        self._record_run(fmt, started, report, status=status)
        return report

    def _record_run(
        self,
        fmt: Format,
        started: datetime,
        report: DayReport,
        *,
        status: str,
        error: BaseException | None = None,
    ) -> None:
        stats = report.stats(model=self.settings.llm.model, priced=self.price is not None)
        if error is not None:
            stats["error"] = redact(f"{type(error).__name__}: {error}")
            if getattr(error, "detail", ""):
                stats["provider_error"] = redact(str(error.detail))  # type: ignore[attr-defined]
        self.store.record_run(
            command=f"digest --format {fmt}",
            day=report.day,
            started_at=started,
            status=status,
            stats=stats,
        )

    def _digest(self, plan: Plan, fmt: Format, report: DayReport) -> None:
        kinds = KINDS[fmt]
        if self.ranker is None:  # every paper is summarized: start with the first page
            papers, summaries = self._fetch_and_ensure(plan, kinds, report)
            ranking = Ranking(kept=papers)
        else:  # ranking (a top N) needs the whole day first
            papers = plan.papers(self.source.search, store=self.store)
            report.fetched, report.found = plan.fetched, len(papers)
            ranking = self._rank(papers, kinds, report)
            papers = ranking.kept
            summaries = self._ensure(ranking.chosen, kinds, report)
        chosen = ranking.chosen
        # The JSON lines hold every kind the store has, whichever format this run writes.
        for other in KINDS["all"]:
            if other not in kinds:
                summaries.update({(other, pid): s for pid, s in self.stored(chosen, other).items()})
        asked = {p.id for p in chosen}
        entries = [
            Entry(
                paper=p,
                category=plan.categories_by_id[p.id],
                brief=_brief(summaries.get(("brief", p.id))),
                detailed=_detailed(summaries.get(("detailed", p.id))),
                missing=[k for k in kinds if p.id in asked and (k, p.id) not in summaries],
            )
            for p in papers
        ]
        entries = [ranking.annotate(e) for e in entries]
        del summaries  # the entries hold what the files need; a big day's peak is the render
        digest = Digest(
            day=plan.day,
            window_start=plan.window.start,
            window_end=plan.window.end,
            categories=plan.categories,
            fetched=plan.fetched,
            entries=entries,
            anchor=plan.anchor,
            display_tz=plan.display_tz,
            recommended=ranking.recommended(),
            top=ranking.top,
        )
        parts = {"toc": toc_parts, "jekyll": lambda d: [render_jekyll(d)], "jsonl": jsonl_lines}
        paths = digest_paths(self.settings.output.dir, plan.day, fmt)
        for layout, path in paths.items():  # written a piece at a time
            try:
                write_atomic_parts(path, parts[layout](digest))
            except OSError as exc:
                # The summaries are stored already: the next run writes the files for free.
                raise OutputError(
                    f"cannot write {path}: {exc.strerror or exc}; the summaries are stored, "
                    "fix the output directory (SUMMARIZER_OUTPUT_DIR, --out) and run again"
                ) from None
            report.files.append(path)
        self.store.place(
            scheme=plan.scheme,
            day=plan.day,
            entries=[(e.paper.id, e.category) for e in entries],
            complete=report.complete,
        )

    def _rank(
        self, papers: list[Paper], kinds: tuple[SummaryKind, ...], report: DayReport
    ) -> Ranking:
        """Exclusions, scores and the top N (summarizer.rank), before any model request."""
        if self.ranker is None:
            return Ranking(kept=papers)
        ranking = self.ranker.rank(papers)
        report.excluded, report.below_top = len(ranking.excluded), len(ranking.below_top)
        report.saved = unmade_usage(
            ranking.below_top,
            kinds,
            stored=self.stored,
            language=self.settings.llm.language,
            body_tokens=self.settings.llm.full_text_tokens if self.settings.llm.full_text else 0,
        )
        report.saved_cost = self.price.cost(report.saved) if self.price else None
        report.note = "; ".join(n for n in (report.note, ranking.note) if n)
        return ranking

    def rank_one(self, paper: Paper) -> Ranking | None:
        """The ranking of one paper alone (for `paper`), or None with no relevance setting."""
        return self.ranker.rank([paper]) if self.ranker and self.ranker.ranked else None

    # one paper ------------------------------------------------------------------------------
    def paper(self, ref: str, *, detailed: bool) -> tuple[Paper, dict[str, Summary], DayReport]:
        paper_id, version = parse_paper_ref(ref)
        (paper,) = self.source.by_ids([(paper_id, version)])
        kinds: tuple[SummaryKind, ...] = ("brief", "detailed") if detailed else ("brief",)
        report = DayReport(day=paper.published.date(), fetched=1, found=1)
        summaries = self._ensure([paper], kinds, report)
        return paper, {kind: s for (kind, _), s in summaries.items()}, report

    # summaries ---------------------------------------------------------------------------------
    def _fetch_and_ensure(
        self, plan: Plan, kinds: tuple[SummaryKind, ...], report: DayReport
    ) -> tuple[list[Paper], dict[tuple[SummaryKind, str], Summary]]:
        """The day's papers and their summaries. The selection rules are per paper (given the
        store), so summarizing starts with the first page of the listing, not after the last."""
        selector = plan.selector(self.store)
        pages = self.source.pages(categories=plan.categories, window=plan.query_window)
        have, todo, held, interrupted = self._ensure_pages(
            lambda: pages_in_thread(pages, selector.take), kinds, report
        )
        papers = selector.papers()
        report.fetched, report.found = plan.fetched, len(papers)
        found = self._tally(papers, have, todo, held, report)
        stop_if_interrupted(interrupted, report)
        return papers, found


def _brief(summary: Summary | None) -> Brief | None:
    return summary.brief() if summary else None


def _detailed(summary: Summary | None) -> Detailed | None:
    return summary.detailed() if summary else None
