"""The delivery stage: send a written day to the configured channels once and only once, record
every (day, channel, recipient) in the store, and tell the channels when a run could not finish."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ..core.errors import InputError
from ..core.redaction import redact
from ..core.text_safety import shorten
from ..store.database import Store
from ..store.deliveries import DeliveryClaim
from ..store.holders import holder_pid, new_holder
from .base import Channel, DayDigest, Delivery, Kind, PushFailed
from .channels import select
from .content import RECOMMENDED, UnreadableDay, load_day, site_day_url

if TYPE_CHECKING:
    from .settings import PushRun

log = logging.getLogger(__name__)
# A delivery marked "sending" this recently belongs to another run; older, that run died.
SENDING_LEASE = 600.0


@dataclass
class PushReport:
    day: date
    deliveries: list[Delivery] = field(default_factory=list)
    already: list[tuple[str, str]] = field(default_factory=list)  # (channel, recipient) skipped
    note: str = ""

    @property
    def failed(self) -> list[Delivery]:
        """The deliveries not made: refused, failed, or being sent by another run."""
        return [d for d in self.deliveries if not d.ok]

    def lines(self) -> list[str]:
        """What a person reads: one line per delivery, and why the day was not pushed."""
        lines = [self.note] if self.note else []
        if self.already:
            where = ", ".join(f"{channel} ({recipient})" for channel, recipient in self.already)
            lines.append(f"{self.day} already pushed to {where}; --force sends again")
        for d in self.deliveries:
            if d.ok:
                lines.append(
                    f"pushed {self.day} to {d.channel} ({d.recipient}): {d.total} message(s)"
                )
        return lines


def busy(holder: str | None) -> str:
    """Why a delivery was left to the run that holds it."""
    pid = holder_pid(holder or "")
    return f"being sent by another run{f' (pid {pid})' if pid else ''}; run again later"


def deliver(store: Store, channels: list[Channel], digest: DayDigest, *, force: bool) -> PushReport:
    """Send `digest` through every channel to every recipient not yet served (all with `force`).

    A delivery another live run is sending is a failure of this push ("being sent by another
    run"), so the command exits non-zero rather than claim the day is out; one left by a run
    whose process is gone is taken over at once (store.claim_delivery)."""
    report = PushReport(day=digest.day)
    holder = new_holder()
    for channel in channels:
        for recipient in channel.recipients():
            claim = store.deliveries.claim(
                day=digest.day,
                channel=channel.name,
                recipient=recipient,
                kind=digest.kind,
                force=force,
                lease=SENDING_LEASE,
                holder=holder,
            )
            if not claim.taken:
                if claim.status == "sending":
                    failed = Delivery(channel.name, recipient, error=busy(claim.holder))
                    report.deliveries.append(failed)
                else:
                    report.already.append((channel.name, recipient))
                continue
            report.deliveries.append(_send(store, channel, digest, recipient, claim, force=force))
    return report


def _send(
    store: Store,
    channel: Channel,
    digest: DayDigest,
    recipient: str,
    claim: DeliveryClaim,
    *,
    force: bool,
) -> Delivery:
    """One claimed delivery, recorded as it ends (also when interrupted)."""

    def record(status: str, sent: int, total: int, error: str | None) -> None:
        store.deliveries.record(
            day=digest.day,
            channel=channel.name,
            recipient=recipient,
            kind=digest.kind,
            status=status,
            sent=sent,
            total=total,
            error=error,
        )

    # A day cut short by a failure resumes after the messages that got through.
    skip = claim.sent if claim.status in ("failed", "sending") and not force else 0
    try:
        delivery = channel.send(digest, recipient=recipient, skip=skip)
    except BaseException as exc:  # interrupted: free the claim, keep what was sent
        record("failed", skip, 0, f"{type(exc).__name__}: {exc}")
        raise
    record("sent" if delivery.ok else "failed", delivery.sent, delivery.total, delivery.error)
    return delivery


def _empty_note(day: date) -> str:
    return f"{day} 没有新论文（arXiv 当日未发布或为节假日）。"


def push_day(
    settings: PushRun, day: date, *, names: list[str] | None = None, force: bool = False
) -> PushReport:
    """Send day `day`'s written digest (`{out}/data/{D}.jsonl`) to the selected channels."""
    channels = select(settings.deliver, names)
    try:
        digest = load_day(
            settings.output.dir,
            day,
            site_url=settings.publish.site_url,
            recommend=settings.rank.top or RECOMMENDED,
        )
    except UnreadableDay as exc:
        raise _unreadable(settings, day, exc) from None
    if not digest.items:
        if not settings.deliver.push_empty:
            return PushReport(day=day, note=f"{day} has no paper: nothing pushed")
        digest = _note_digest(settings, day, "empty", _empty_note(day))
    store = Store(settings.output.cache_path)
    try:
        return deliver(store, channels, digest, force=force)
    finally:
        store.close()


def _unreadable(settings: PushRun, day: date, exc: UnreadableDay) -> PushFailed:
    """A day that cannot be read whole is not pushed in part: the channels are told which line
    is broken and how to write the day again; the push fails (exit 4)."""
    resume = f"summarizer digest --date {day} --push"
    where = f"data/{day}.jsonl 第 {exc.line} 行"
    alert(settings, day, reason=f"{day} 的摘要数据（{where}）无法读取：{exc.reason}", resume=resume)
    return PushFailed(
        f"push of {day} failed: {exc}; the channels were alerted; `{resume}` writes the day again"
    )


def _note_digest(settings: PushRun, day: date, kind: Kind, note: str) -> DayDigest:
    site_url = site_day_url(settings.publish.site_url, day)
    return DayDigest(day=day, kind=kind, note=note, site_url=site_url)


def alert(settings: PushRun, day: date, *, reason: str, resume: str) -> PushReport:
    """Tell every configured channel that the run of `day` did not finish, why, and the command
    that resumes it. Never raises for a delivery: the run's own failure is what the user sees."""
    note = f"{shorten(redact(' '.join(reason.split())), 300)} —— 恢复：{resume}"
    try:
        channels = select(settings.deliver, None)
    except InputError as exc:  # bad push settings must not hide why the run stopped
        log.warning("alert not sent: %s", exc)
        return PushReport(day=day)
    store = Store(settings.output.cache_path)
    try:
        report = deliver(store, channels, _note_digest(settings, day, "alert", note), force=True)
    except (sqlite3.Error, OSError) as exc:  # a broken store must not hide why the run stopped
        log.warning("alert not sent: %s", redact(str(exc)))
        return PushReport(day=day)
    finally:
        store.close()
    for failed in report.failed:
        log.warning("alert to %s not delivered: %s", failed.channel, failed.error)
    return report


def raise_failures(report: PushReport) -> None:
    """One line naming each failed channel and its reason; exit status 4."""
    if not report.failed:
        return
    reasons = "; ".join(f"{d.channel} ({d.recipient}): {d.error}" for d in report.failed)
    raise PushFailed(
        f"push of {report.day} failed: {reasons}; the digest is written, "
        f"`summarizer push --date {report.day}` retries"
    )
