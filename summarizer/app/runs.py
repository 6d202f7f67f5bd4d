"""What the run commands share once their arguments are checked: the settings, the run built from
them (`run_context`: the one place the application makes a run, with the console as its display),
the batch engine, the plan of a day, the run table and the site. Imported by the commands inside
their bodies (this module loads the heavy stages); errors are raised, and `cli` turns them into
messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from ..core.errors import InputError
from . import console, tables

if TYPE_CHECKING:
    from ..batch.run import BatchRun
    from ..core.selection import Plan
    from ..publish.settings import DigestFormat
    from ..run.context import RunContext
    from ..run.pipeline import Pipeline
    from ..run.report import DayReport
    from ..run.settings import RunSettings


def load_run_settings(kwargs: dict[str, Any]) -> RunSettings:
    """Logging, then the settings (a bad one reported before the heavy stages load), with the
    key kept out of every message and unknown setting names warned about."""
    from ..core.redaction import protect_secret
    from ..run.settings import load_settings

    console.configure_logging(kwargs.pop("verbose", 0))
    settings = load_settings(**kwargs)
    protect_secret(settings.llm.openai_api_key)
    for line in settings.warnings:
        console.warn(line)
    return settings


def run_context(settings: RunSettings) -> RunContext:
    """The run of `settings`, shown on the console."""
    from ..run.context import build_context
    from .display import ConsoleDisplay
    from .progress import ProgressReporter

    return build_context(settings, reporter=ProgressReporter(), display=ConsoleDisplay())


def setup(kwargs: dict[str, Any]) -> Pipeline:
    """Settings first (a bad one is reported before the heavy stages load), then the pipeline."""
    settings = load_run_settings(kwargs)
    push_hooks().protect_push_secrets(settings.deliver)
    from ..run.pipeline import Pipeline

    return Pipeline(run_context(settings))


@dataclass(frozen=True)
class OpenRun:
    """A digest or backfill run, ready: its pipeline, the format it writes, its batch engine."""

    pipeline: Pipeline
    fmt: DigestFormat
    batch: BatchRun | None

    @property
    def settings(self) -> RunSettings:
        return self.pipeline.context.settings


def open_run(
    kwargs: dict[str, Any],
    *,
    fmt: str | None,
    push: bool,
    no_wait: bool,
    batch: bool = True,
    site: bool = False,
) -> OpenRun:
    """The run of `digest` and `backfill`: settings, pipeline, push settings and site folder
    checked (exit 2 before anything is spent), the batch engine when the run uses the Batch API
    (not `batch`: none, as for a dry run)."""
    pipeline = setup({**kwargs, "format": fmt})
    settings = pipeline.context.settings
    if push:
        push_hooks().check(settings)
    if site:
        from ..run.site import check_site_folder

        check_site_folder(settings)
    engine = batch_engine(pipeline, no_wait=no_wait) if batch else None
    # --format, else SUMMARIZER_FORMAT, else toc
    return OpenRun(pipeline=pipeline, fmt=settings.publish.format, batch=engine)


def push_hooks() -> Any:
    from . import push as hooks  # the delivery stage: loaded when a command gets that far

    return hooks


def summary(pipeline: Pipeline, reports: list[DayReport], *, site: bool = False) -> int:
    """The run table, the files written (once), the site, then what is missing; the status."""
    context = pipeline.context
    tables.day_table(reports, price_known=context.price is not None, model=context.keys.model)
    tables.files_written(reports)
    if site:
        build_site(context.settings)
    return tables.finish(reports)


def batch_engine(pipeline: Pipeline, *, no_wait: bool) -> BatchRun | None:
    """The batch engine when the run uses the provider's Batch API (--batch, SUMMARIZER_BATCH)."""
    settings = pipeline.context.settings
    if not settings.batch.enabled:
        if no_wait:
            pipeline.close()
            raise InputError("--no-wait needs --batch (or SUMMARIZER_BATCH=on)")
        return None
    from ..batch.requests import require_batch_api
    from ..run.batched import batch_engine as engine_of

    try:
        require_batch_api(settings.llm)
    except InputError:
        pipeline.close()
        raise
    return engine_of(pipeline.context)


def close_run(pipeline: Pipeline, batch: BatchRun | None) -> None:
    if batch is not None:
        batch.close()
        if batch.submitted and batch.ledger.batches(open_only=True):
            console.say(
                f"{batch.submitted} batch(es) submitted; `summarizer batch status` shows them, "
                "and the same command collects them once they are done."
            )
    pipeline.close()


def plan_or_none(
    pipeline: Pipeline, day: date, *, window: str, anchor: str, tz: str
) -> Plan | None:
    from ..core.days import NoMailing
    from ..core.selection import plan_day

    context = pipeline.context
    try:
        plan = plan_day(
            day,
            categories=context.categories,
            mode=window,  # type: ignore[arg-type]
            anchor=anchor,
            tz=tz,
            late_days=context.late_days,
        )
    except NoMailing as exc:
        console.say(f"{exc}; nothing to do.")
        return None
    except ValueError as exc:
        raise InputError(str(exc)) from None
    # A digest of a mailing not yet announced would be written empty or partial, and the day
    # recorded as done.
    ready = plan.ready_at
    if ready > datetime.now(UTC):
        raise InputError(
            f"the digest of {day} cannot be made before {ready:%Y-%m-%d %H:%M} UTC, "
            "when its papers are announced"
        )
    return plan


def build_site(settings: Any, *, full: bool = False, force: bool = False) -> None:
    from ..run.site import publish_site  # only the commands that build a site load Jinja2

    report = publish_site(settings, full=full, force=force)
    index = report.site_dir / "index.html"
    console.say(
        f"site: {report.days} days, {len(report.written)} files written, "
        f"{report.unchanged} unchanged; open {index} or serve it with "
        f"`python -m http.server -d {report.site_dir}`"
    )
