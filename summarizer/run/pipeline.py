"""The thin orchestrator: fetch, select, summarize (cached), render, write; a day at a time."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from ..batch.collect import Spent
from ..core.errors import InputError, OutputError, StoreError, SummarizerError
from ..core.records import Digest, Entry, Made, Paper, Summary, SummaryKind, UpdatedFrom
from ..core.redaction import redact
from ..core.selection import Listing, Plan, Selector
from ..llm.estimate import unmade_usage
from ..publish.files import write_atomic_parts
from ..publish.jsonl import jsonl_lines
from ..publish.render import render_jekyll, toc_parts
from ..rank import Ranking
from ..sources.ids import parse_paper_ref
from .context import RunContext
from .interrupts import Interrupted
from .report import DayReport, Reporter
from .summarizing import Summarizing, pages_in_thread, stop_if_interrupted

log = logging.getLogger(__name__)
Format = Literal["toc", "jekyll", "all"]
Take = Callable[[list[Paper]], list[Paper]]
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


class Pipeline:
    """One run's digests and papers, over its context (one arXiv client, one model client, one
    store); the summaries come from its `Summarizing` service."""

    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.summaries = Summarizing(context)

    def reporting_to(self, reporter: Reporter) -> Pipeline:
        """The same run (same store, budget, limits), its papers' progress shown by `reporter`."""
        return Pipeline(self.context.reporting_to(reporter))

    def close(self) -> None:
        self.context.close()

    def stored(self, papers: list[Paper], kind: SummaryKind) -> dict[str, Summary]:
        """The summaries of `papers` this run's prompt and model would make, by paper id."""
        return self.context.keys.stored(papers, kind)

    def to_summarize(self, plan: Plan) -> list[Paper]:
        """The day's papers a digest summarizes: exclusions and SUMMARIZER_TOP applied."""
        papers = self.day_papers(plan)
        ranker = self.context.ranker
        return ranker.rank(papers).chosen if ranker is not None else papers

    def day_papers(self, plan: Plan) -> list[Paper]:
        """The day's papers, its revised papers among them (`plan.updated_from` says which),
        the whole listing read first."""
        source = self.context.source
        revised = source.revised if self.context.updates else None
        selector = plan.select(source.search, store=self.context.store, revised=revised)
        return selector.papers() + selector.updates()

    # digest ---------------------------------------------------------------------------------
    def digest(
        self,
        plan: Plan,
        *,
        fmt: Format,
        attempts: int | None = None,
        batch_made: Spent | None = None,
    ) -> DayReport:
        """Write the digest of `plan`'s day. `attempts`: what each paper may still be asked
        (the run's by default; fewer after a batch tried it); `batch_made`: what batches of this
        run spent per (kind, paper id), to report as made."""
        report = DayReport(day=plan.day)
        started = datetime.now(UTC)
        try:
            self._digest(plan, fmt, report, _Terms(attempts, batch_made))
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
        stats = report.stats(model=self.context.keys.model, priced=self.context.price is not None)
        if error is not None:
            stats["error"] = redact(f"{type(error).__name__}: {error}")
            if getattr(error, "detail", ""):
                stats["provider_error"] = redact(str(error.detail))  # type: ignore[attr-defined]
        self.context.store.runs.record(
            command=f"digest --format {fmt}",
            day=report.day,
            started_at=started,
            status=status,
            stats=stats,
        )

    def _digest(self, plan: Plan, fmt: Format, report: DayReport, terms: _Terms) -> None:
        kinds = KINDS[fmt]
        if self.context.ranker is None:  # every paper is summarized: start with the first page
            papers, summaries = self._fetch_and_ensure(plan, kinds, report, terms)
            ranking = Ranking(kept=papers)
        else:  # ranking (a top N) needs the whole day first
            papers = self.day_papers(plan)
            report.fetched, report.found = plan.fetched, len(papers)
            ranking = self._rank(papers, kinds, report)
            papers = ranking.kept
            summaries = self.summaries.ensure(
                ranking.chosen,
                kinds,
                report,
                attempts=terms.attempts,
                batch_made=terms.batch_made,
            )
        chosen = ranking.chosen
        # The JSON lines hold every kind the store has, whichever format this run writes; a
        # paper below the top N shows the summaries the store already holds for it.
        others = tuple(k for k in KINDS["all"] if k not in kinds)
        summaries.update(self.summaries.held(chosen, others) if others else {})
        summaries.update(self.summaries.held(ranking.below_top, KINDS["all"]))
        asked = {p.id for p in chosen}
        corrected = {key: self._corrected(s, report) for key, s in summaries.items()}
        entries = [
            _entry(
                p,
                plan.categories_by_id[p.id],
                corrected,
                missing=[k for k in kinds if p.id in asked and (k, p.id) not in summaries],
                updated_from=plan.updated_from.get(p.id),
            )
            for p in papers
        ]
        report.updates = sum(e.updated_from is not None for e in entries)
        entries = [_shown_summarized(ranking.annotate(e), kinds) for e in entries]
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
        self._write(digest, plan.day, fmt, report)
        self.context.store.placements.place(
            scheme=plan.scheme,
            day=plan.day,
            entries=[(e.paper.id, e.category) for e in entries if e.updated_from is None],
            complete=report.complete,
            listings=[Listing(e.paper, plan.day, e.category, e.updated_from) for e in entries],
        )

    def _corrected(self, summary: Summary | None, report: DayReport) -> Summary | None:
        """`summary` with the reader's glossary applied: one stored before the glossary (or
        this entry of it) existed shows the reader's terms too, at no request."""
        glossary = self.context.summary.guidance.glossary
        if summary is None or not glossary.corrects:
            return summary
        payload, count = glossary.correct(summary.payload)
        report.corrected += count
        return summary.model_copy(update={"payload": payload}) if count else summary

    def _write(self, digest: Digest, day: date, fmt: Format, report: DayReport) -> None:
        parts = {"toc": toc_parts, "jekyll": lambda d: [render_jekyll(d)], "jsonl": jsonl_lines}
        paths = digest_paths(self.context.output_dir, day, fmt)
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

    def _rank(
        self, papers: list[Paper], kinds: tuple[SummaryKind, ...], report: DayReport
    ) -> Ranking:
        """Exclusions, scores and the top N (summarizer.rank), before any model request."""
        ranker = self.context.ranker
        if ranker is None:
            return Ranking(kept=papers)
        ranking = ranker.rank(papers)
        report.excluded, report.below_top = len(ranking.excluded), len(ranking.below_top)
        report.saved = unmade_usage(
            ranking.below_top,
            kinds,
            stored=self.stored,
            language=self.context.summary.language,
            body_tokens=self.context.summary.body_tokens,
            guidance=self.context.summary.guidance,
        )
        price = self.context.price
        report.saved_cost = price.cost(report.saved) if price else None
        report.note = "; ".join(n for n in (report.note, ranking.note) if n)
        return ranking

    def rank_one(self, paper: Paper) -> Ranking | None:
        """The ranking of one paper alone (for `paper`), or None with no relevance setting."""
        ranker = self.context.ranker
        return ranker.rank([paper]) if ranker and ranker.ranked else None

    # one paper ------------------------------------------------------------------------------
    def paper(self, ref: str, *, detailed: bool) -> tuple[Paper, dict[str, Summary], DayReport]:
        paper_id, version = parse_paper_ref(ref)
        (paper,) = self.context.source.by_ids([(paper_id, version)])
        kinds: tuple[SummaryKind, ...] = ("brief", "detailed") if detailed else ("brief",)
        report = DayReport(day=paper.published.date(), fetched=1, found=1)
        summaries = self.summaries.ensure([paper], kinds, report)
        # Every kind the store holds, as the JSON lines show it, not only the kinds asked for.
        others = tuple(k for k in KINDS["all"] if k not in kinds)
        summaries.update(self.summaries.held([paper], others))
        found = {kind: self._corrected(s, report) for (kind, _), s in summaries.items()}
        return paper, {kind: s for kind, s in found.items() if s is not None}, report

    # summaries ---------------------------------------------------------------------------------
    def _fetch_and_ensure(
        self, plan: Plan, kinds: tuple[SummaryKind, ...], report: DayReport, terms: _Terms
    ) -> tuple[list[Paper], dict[tuple[SummaryKind, str], Summary]]:
        """The day's papers and their summaries. The selection rules are per paper (given the
        store), so summarizing starts with the first page of the listing, not after the last."""
        selector = plan.selector(self.context.store, updates=self.context.updates)
        pages = self._listing(plan, selector)
        found = self.summaries.ensure_pages(
            lambda: pages_in_thread(pages, _taken), kinds, report, attempts=terms.attempts
        )
        papers = selector.papers() + selector.updates()
        report.fetched, report.found = plan.fetched, len(papers)
        summaries = self.summaries.tally(papers, found, report, batch_made=terms.batch_made)
        stop_if_interrupted(found.interrupted, report)
        return papers, summaries

    def _listing(self, plan: Plan, selector: Selector) -> Iterator[tuple[list[Paper], Take]]:
        """The pages of the day's listing, each with what selects from it: the revisions this
        day listed before, the papers submitted in the query's window, then (when an earlier
        digest could be revised) the papers updated in the day's window: one more query."""
        source = self.context.source
        if recorded := selector.recorded_updates():
            yield recorded, list
        for page in source.pages(categories=plan.categories, window=plan.query_window):
            yield page, selector.take
        if selector.revisable:
            for page in source.revised_pages(categories=plan.categories, window=plan.window):
                yield page, selector.take_revised


def _taken(item: tuple[list[Paper], Take]) -> list[Paper]:
    page, take = item
    return take(page)


@dataclass(frozen=True)
class _Terms:
    """How one digest asks: the attempts left per paper, what batches of the run made."""

    attempts: int | None
    batch_made: Spent | None


def _entry(
    paper: Paper,
    category: str,
    summaries: dict[tuple[SummaryKind, str], Summary | None],
    *,
    missing: list[SummaryKind],
    updated_from: UpdatedFrom | None,
) -> Entry:
    """The paper's digest entry with its summaries and who made each."""
    held = {kind: s for kind in KINDS["all"] if (s := summaries.get((kind, paper.id)))}
    brief, detailed = held.get("brief"), held.get("detailed")
    return Entry(
        paper=paper,
        category=category,
        brief=brief.brief() if brief else None,
        detailed=detailed.detailed() if detailed else None,
        missing=missing,
        updated_from=updated_from,
        made={k: Made.of(s) for k, s in held.items()},
    )


def _shown_summarized(entry: Entry, kinds: tuple[SummaryKind, ...]) -> Entry:
    """A paper below the top N whose summaries of every kind the run writes are held already
    is shown summarized: the cut saves requests, it does not hide what was paid for."""
    if entry.summarized or any(getattr(entry, kind) is None for kind in kinds):
        return entry
    return entry.model_copy(update={"summarized": True})
