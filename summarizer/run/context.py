"""The run as one explicit object: what one command's run uses (its store, arXiv source, prices
and budget, rate limits, response mode, ranker, the model and batch clients, the display), built
in one place from the settings by `build_context`. The run's parts take it, or the plain values
they need from it; nothing carries a run's state by inheritance."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..batch.requests import BatchOptions
from ..core.records import Paper, Summary, SummaryKind
from ..llm.client import ModelClient, OpenAIChat
from ..llm.cost import Budget, Price, load_prices, price_for
from ..llm.fields import field_of
from ..llm.glossary import load_glossary
from ..llm.limits import AdaptiveLimiter, Pacer
from ..llm.modes import ModeSwitch
from ..llm.prompts import load_template
from ..llm.request import Guidance
from ..llm.settings import LLMSettings, ResponseMode
from ..rank import build_ranker
from ..sources.arxiv import ArxivSource
from ..store.database import Store
from ..store.writer import Key
from .report import Display, QuietDisplay, QuietReporter, Reporter
from .settings import RunSettings

if TYPE_CHECKING:
    from ..llm.batch_client import BatchClient
    from ..llm.providers import Profile
    from ..rank import Ranker


@dataclass(frozen=True)
class FullText:
    """The paper's body for the prompt (SUMMARIZER_FULL_TEXT): its HTML, else its PDF, cut to a
    token budget. Called with a paper: (text, source), or ("", "abstract") when there is none."""

    web_url: str
    tokens: int

    def __call__(self, paper: Paper) -> tuple[str, str]:
        from ..sources.fulltext import fetch_body  # pypdf and friends: only with --full-text

        body = fetch_body(
            paper_id=paper.id,
            version=paper.version,
            abstract=paper.abstract,
            web_url=self.web_url,
            budget_tokens=self.tokens,
        )
        return ("", "abstract") if body.source == "abstract" else (body.text, body.source)


@dataclass(frozen=True)
class SummaryKeys:
    """Which summaries a run serves: those of this model and these prompt versions."""

    store: Store
    model: str
    full_text: bool

    def prompt_version(self, kind: SummaryKind) -> str:
        version = load_template(kind).cache_version
        return version + "+fulltext" if self.full_text else version

    def key(self, kind: SummaryKind, paper: Paper) -> Key:
        """The store's identity of the summary of `paper` this run would make."""
        return Key(paper.id, paper.version, kind, self.prompt_version(kind), self.model)

    def stored(self, papers: list[Paper], kind: SummaryKind) -> dict[str, Summary]:
        """The summaries of `papers` this run's prompt and model would make, by paper id."""
        found = self.store.papers.summaries(
            papers, kind=kind, prompt_version=self.prompt_version(kind), model=self.model
        )
        return {pid: s for pid, s in found.items() if s.readable()}


@dataclass(frozen=True)
class SummaryOptions:
    """How the model is asked: in which language and response mode, with which body, by which
    reviewer and glossary."""

    language: str
    response_mode: ResponseMode
    profile: Profile
    full_text: FullText | None
    guidance: Guidance = Guidance()

    @property
    def body_tokens(self) -> int:
        """The prompt's body budget an estimate counts (0: the abstract only)."""
        return self.full_text.tokens if self.full_text else 0


@dataclass(frozen=True)
class RunContext:
    """One command's run. `settings` is there for the application's hooks (push, site); the run
    itself reads the values below."""

    settings: RunSettings
    store: Store
    source: ArxivSource
    keys: SummaryKeys
    prices: dict[str, Price]
    price: Price | None
    budget: Budget
    limiter: AdaptiveLimiter
    pacer: Pacer
    # One response mode for the whole run, every day of a backfill included.
    modes: ModeSwitch
    ranker: Ranker | None
    # Clients made when the first request is due (a day served from the store needs no key).
    connect_model: Callable[[], ModelClient]
    connect_batches: Callable[[], BatchClient]
    summary: SummaryOptions
    batch: BatchOptions
    attempts: int  # per (kind, paper), batch and live together
    output_dir: Path
    categories: list[str]
    late_days: int
    updates: bool = True  # revised papers listed under 更新 (SUMMARIZER_UPDATES)
    reporter: Reporter = field(default_factory=QuietReporter)
    display: Display = field(default_factory=QuietDisplay)

    def reporting_to(self, reporter: Reporter) -> RunContext:
        """The same run, its papers' progress shown by `reporter`."""
        return replace(self, reporter=reporter)

    def close(self) -> None:
        try:
            if self.ranker is not None:
                self.ranker.close()
        finally:
            self.store.close()


def model_client(llm: LLMSettings) -> ModelClient:
    """The chat client of the settings' endpoint, model and key (InputError without a key)."""
    return OpenAIChat(
        api_key=llm.require_key(),
        base_url=llm.openai_base_url,
        organization=llm.openai_org_id,
        project=llm.openai_project_id,
        model=llm.model,
        timeout=llm.timeout,
        profile=llm.provider_profile,
    )


def batch_client(llm: LLMSettings) -> BatchClient:
    from ..llm.batch_client import OpenAIBatches

    return OpenAIBatches(
        api_key=llm.require_key(),
        base_url=llm.openai_base_url,
        organization=llm.openai_org_id,
        project=llm.openai_project_id,
        timeout=llm.timeout,
    )


def _summary_options(settings: RunSettings) -> SummaryOptions:
    llm = settings.llm
    full_text = (
        FullText(web_url=settings.sources.arxiv_web_url, tokens=llm.full_text_tokens)
        if llm.full_text
        else None
    )
    return SummaryOptions(
        language=llm.language,
        response_mode=llm.response_mode,
        profile=llm.provider_profile,
        full_text=full_text,
        guidance=guidance_of(settings),
    )


def guidance_of(settings: RunSettings) -> Guidance:
    """The run's reviewer field (from its categories) and glossary (InputError for a bad file)."""
    return Guidance(
        field=field_of(settings.sources.categories),
        glossary=load_glossary(settings.llm.glossary, language=settings.llm.language),
    )


def _batch_options(settings: RunSettings, summary: SummaryOptions) -> BatchOptions:
    return BatchOptions(
        base_url=settings.llm.openai_base_url,
        model=settings.llm.model,
        language=summary.language,
        attempts=settings.llm.max_attempts,
        poll=settings.batch.poll,
        work_dir=settings.output.dir / ".batch",
        extra=dict(summary.profile.extra),
        read_body=summary.full_text,
        guidance=summary.guidance,
    )


def build_context(
    settings: RunSettings,
    *,
    reporter: Reporter | None = None,
    display: Display | None = None,
) -> RunContext:
    """The run of `settings`: the one place a run's parts are made from the settings."""
    sources, llm = settings.sources, settings.llm
    source = ArxivSource(
        api_url=sources.arxiv_api_url,
        page_size=sources.arxiv_page_size,
        delay=sources.arxiv_delay_seconds,
        timeout=sources.arxiv_timeout,
    )
    store = Store(settings.output.cache_path)
    try:
        prices = load_prices(llm.prices)
        price = price_for(llm.model, prices)
        budget = Budget(limit=llm.max_cost, price=price)
        limiter = AdaptiveLimiter(llm.concurrency)
        pacer = Pacer(rpm=llm.rpm, tpm=llm.tpm)
        modes = ModeSwitch(setting=llm.response_mode, profile=llm.provider_profile)
        ranker = build_ranker(
            settings.rank, llm, store=store, fetch=lambda refs: source.by_ids(refs, strict=False)
        )
    except BaseException:
        with contextlib.suppress(Exception):
            store.close()
        raise
    summary = _summary_options(settings)
    return RunContext(
        settings=settings,
        store=store,
        source=source,
        keys=SummaryKeys(store=store, model=llm.model, full_text=llm.full_text),
        prices=prices,
        price=price,
        budget=budget,
        limiter=limiter,
        pacer=pacer,
        modes=modes,
        ranker=ranker,
        connect_model=lambda: model_client(llm),
        connect_batches=lambda: batch_client(llm),
        summary=summary,
        batch=_batch_options(settings, summary),
        attempts=llm.max_attempts,
        output_dir=settings.output.dir,
        categories=sources.categories,
        late_days=sources.late_days,
        updates=sources.updates,
        reporter=reporter or QuietReporter(),
        display=display or QuietDisplay(),
    )
