"""What the run commands share once their arguments are checked: settings, the pipeline, the
batch engine, the plan of a day, the run table and the site. Imported by `cli` inside its commands
(this module loads the heavy stages); errors are raised, and `cli` turns them into messages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from ..core.errors import InputError
from . import console

if TYPE_CHECKING:
    from ..batch.run import BatchRun
    from ..core.selection import Plan
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


def setup(kwargs: dict[str, Any], *, days: int | None = None) -> Pipeline:
    """Settings first (a bad one is reported before the heavy stages load), then the pipeline."""
    settings = load_run_settings(kwargs)
    push_hooks().protect_push_secrets(settings.deliver)
    from ..run.pipeline import Pipeline

    return Pipeline(settings, reporter=console.ProgressReporter())


def push_hooks() -> Any:
    from . import push as hooks  # the delivery stage: loaded when a command gets that far

    return hooks


def summary(pipeline: Pipeline, reports: list[DayReport], *, site: bool = False) -> int:
    """The run table, the files written (once), the site, then what is missing; the status."""

    price_known = pipeline.price is not None
    console.day_table(reports, price_known=price_known, model=pipeline.settings.llm.model)
    console.files_written(reports)
    if site:
        build_site(pipeline.settings)
    return console.finish(reports)


def batch_engine(pipeline: Pipeline, *, no_wait: bool) -> BatchRun | None:
    """The batch engine when the run uses the provider's Batch API (--batch, SUMMARIZER_BATCH)."""
    if not pipeline.settings.batch.enabled:
        if no_wait:
            pipeline.close()
            raise InputError("--no-wait needs --batch (or SUMMARIZER_BATCH=on)")
        return None
    from ..batch.requests import require_batch_api
    from ..batch.run import BatchRun

    try:
        require_batch_api(pipeline.settings.llm)
    except InputError:
        pipeline.close()
        raise
    return BatchRun(pipeline)


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

    settings = pipeline.settings
    try:
        plan = plan_day(
            day,
            categories=settings.sources.categories,
            mode=window,  # type: ignore[arg-type]
            anchor=anchor,
            tz=tz,
            late_days=settings.sources.late_days,
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


def build_site(settings: Any, *, full: bool = False) -> None:
    from ..run.site import publish_site  # only the commands that build a site load Jinja2

    report = publish_site(settings, full=full)
    index = report.site_dir / "index.html"
    console.say(
        f"site: {report.days} days, {len(report.written)} files written, "
        f"{report.unchanged} unchanged; open {index} or serve it with "
        f"`python -m http.server -d {report.site_dir}`"
    )
