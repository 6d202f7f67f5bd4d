"""Digest days and the time windows their arXiv mailings cover.

A digest day D is the UTC date on which an arXiv mailing appears (Monday to Friday). The mailing
is announced at 20:00 America/New_York on the New York day before D and holds the papers first
submitted between two consecutive 14:00 New York cut-offs. Every datetime returned here is aware
and in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

NEW_YORK = ZoneInfo("America/New_York")
CUTOFF = time(14, 0)
ANNOUNCEMENT = time(20, 0)

ARXIV_FIRST_DAY = date(1991, 8, 14)  # the first hep-th submissions
LAST_DAY = date(9000, 1, 1)  # far enough; windows around 9999-12-31 would overflow datetime
_DAY = timedelta(days=1)
_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ANCHOR_RE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


class NoMailing(ValueError):
    """The date is a Saturday or Sunday, on which arXiv sends no mailing."""

    def __init__(self, day: date) -> None:
        super().__init__(f"{day.isoformat()} is a {day:%A}: arXiv sends no mailing that day")
        self.day = day


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant.isoformat()} has no time zone; give an aware datetime")


@dataclass(frozen=True)
class Window:
    """The half-open interval [start, end) of absolute time."""

    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC

    def __post_init__(self) -> None:
        _require_aware(self.start)
        _require_aware(self.end)
        if self.end <= self.start:
            raise ValueError(f"window must end after it starts: {self.start} to {self.end}")
        # Frozen, so normalise through object.__setattr__; keeps the "always UTC" promise.
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))

    def __contains__(self, instant: datetime) -> bool:
        _require_aware(instant)
        return self.start <= instant < self.end

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def is_digest_day(day: date) -> bool:
    return day.weekday() < 5


def _require_digest_day(day: date) -> None:
    if not is_digest_day(day):
        raise NoMailing(day)


def previous_digest_day(day: date) -> date:
    """The digest day strictly before `day` (which may be any date)."""
    day -= _DAY
    while not is_digest_day(day):
        day -= _DAY
    return day


def next_digest_day(day: date) -> date:
    """The digest day strictly after `day` (which may be any date)."""
    day += _DAY
    while not is_digest_day(day):
        day += _DAY
    return day


def _cutoff(ny_day: date) -> datetime:
    return datetime.combine(ny_day, CUTOFF, tzinfo=NEW_YORK).astimezone(UTC)


def mailing_window(day: date) -> Window:
    """Window of first-version times that the mailing for digest day `day` holds."""
    _require_digest_day(day)
    # The window closes at the cut-off of the weekday before D and opens at the one before that;
    # weekdays and digest days are the same set, so previous_digest_day walks New York weekdays.
    closes = previous_digest_day(day)
    opens = previous_digest_day(closes)
    return Window(_cutoff(opens), _cutoff(closes))


def announced_at(day: date) -> datetime:
    """The instant (UTC) the mailing for digest day `day` appears: 20:00 New York the day before."""
    _require_digest_day(day)
    return datetime.combine(day - _DAY, ANNOUNCEMENT, tzinfo=NEW_YORK).astimezone(UTC)


def latest_digest_day(now: datetime) -> date:
    """The latest digest day whose mailing has appeared at `now`."""
    _require_aware(now)
    # announced_at(D) is never before 00:00 UTC on D, so D is at most now's UTC date.
    day = now.astimezone(UTC).date()
    if not is_digest_day(day):
        day = previous_digest_day(day)
    while announced_at(day) > now:
        day = previous_digest_day(day)
    return day


def digest_days(first: date, last: date) -> list[date]:
    """Digest days in [first, last], ascending; empty when first > last."""
    days: list[date] = []
    day = first
    while day <= last:
        if is_digest_day(day):
            days.append(day)
        day += _DAY
    return days


def digest_day_for(instant: datetime) -> date:
    """The digest day whose mailing window holds `instant`."""
    _require_aware(instant)
    ny_day = instant.astimezone(NEW_YORK).date()
    # First weekday whose cut-off is after `instant`: the window closing there holds it.
    if is_digest_day(ny_day) and instant < _cutoff(ny_day):
        closes = ny_day
    else:
        closes = next_digest_day(ny_day)
    return next_digest_day(closes)


def anchored_window(day: date, *, anchor: str = "08:50", tz: str = "Asia/Shanghai") -> Window:
    """The 24 real hours ending at `anchor` wall time in zone `tz` on `day` (any date).

    A wall time that a DST change skips is read as PEP 495 does (fold=0, the offset in force
    before the change), so it lands just after the gap.
    """
    match = _ANCHOR_RE.fullmatch(anchor)
    if match is None:
        raise ValueError(f"{anchor!r} is not a valid anchor time (HH:MM, 24-hour, e.g. 08:50)")
    zone = _zone(tz)
    wall = time(int(match.group(1)), int(match.group(2)))
    end = datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)
    return Window(end - _DAY, end)


def _zone(name: str) -> ZoneInfo:
    message = f"{name!r} is not a known time zone (use an IANA name such as Asia/Shanghai)"
    if not name or name != name.strip():
        raise ValueError(message)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # ValueError/OSError: keys like "../x" or a directory name such as "America".
        raise ValueError(message) from exc


def parse_day(text: str) -> date:
    """Parse a strict YYYY-MM-DD date."""
    shown = text if len(text) <= 40 else f"{text[:20]}… ({len(text):,} characters)"
    message = f"{shown} is not a valid date (YYYY-MM-DD)"
    if _DAY_RE.fullmatch(text) is None:
        raise ValueError(message)
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(message) from exc
    if day < ARXIV_FIRST_DAY:
        raise ValueError(f"{text} is before arXiv existed (its first day is {ARXIV_FIRST_DAY})")
    if day > LAST_DAY:
        raise ValueError(f"{text} is too far in the future for a digest day")
    return day


def arxiv_range(window: Window, *, field: str = "submittedDate") -> str:
    """The arXiv API `submittedDate` (or `lastUpdatedDate`) range covering `window`, in UTC
    minutes.

    The start is floored and the end rounded up to a whole minute, so the range is never narrower
    than the window; the caller filters the half-open window exactly.
    """
    start = window.start.astimezone(UTC).replace(second=0, microsecond=0)
    end = window.end.astimezone(UTC)
    if end.second or end.microsecond:
        end = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return f"{field}:[{start:%Y%m%d%H%M} TO {end:%Y%m%d%H%M}]"
