from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.days import (
    NoMailing,
    Window,
    anchored_window,
    announced_at,
    arxiv_range,
    digest_day_for,
    digest_days,
    is_digest_day,
    latest_digest_day,
    mailing_window,
    next_digest_day,
    parse_day,
    previous_digest_day,
)
from tests.support.build import utc

FAST = settings(max_examples=100, deadline=None)


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
digest = days.map(lambda d: d if is_digest_day(d) else next_digest_day(d))
instants = st.datetimes(
    min_value=datetime(2000, 1, 3), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
)
zones = st.sampled_from(
    ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Sydney", "UTC",
     "Asia/Kolkata", "America/Santiago", "Pacific/Chatham"]
)  # fmt: skip
anchors = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


# --- mailing windows: concrete cases -------------------------------------------------------------

WINDOWS = [
    # Ordinary winter week (EST, cut-off 19:00Z).
    (date(2026, 1, 12), utc(2026, 1, 8, 19), utc(2026, 1, 9, 19)),  # Mon: Thu-Fri
    (date(2026, 1, 13), utc(2026, 1, 9, 19), utc(2026, 1, 12, 19)),  # Tue: Fri-Mon, over weekend
    (date(2026, 1, 7), utc(2026, 1, 5, 19), utc(2026, 1, 6, 19)),  # Wed: Mon-Tue
    (date(2026, 1, 8), utc(2026, 1, 6, 19), utc(2026, 1, 7, 19)),  # Thu: Tue-Wed
    (date(2026, 1, 9), utc(2026, 1, 7, 19), utc(2026, 1, 8, 19)),  # Fri: Wed-Thu
    # Spring forward, Sunday 2026-03-08: the Tuesday window straddles it (71 h).
    (date(2026, 3, 9), utc(2026, 3, 5, 19), utc(2026, 3, 6, 19)),
    (date(2026, 3, 10), utc(2026, 3, 6, 19), utc(2026, 3, 9, 18)),
    (date(2026, 3, 11), utc(2026, 3, 9, 18), utc(2026, 3, 10, 18)),
    # Summer (EDT, cut-off 18:00Z).
    (date(2026, 7, 1), utc(2026, 6, 29, 18), utc(2026, 6, 30, 18)),
    # Fall back, Sunday 2026-11-01: the Tuesday window straddles it (73 h).
    (date(2026, 11, 2), utc(2026, 10, 29, 18), utc(2026, 10, 30, 18)),
    (date(2026, 11, 3), utc(2026, 10, 30, 18), utc(2026, 11, 2, 19)),
    (date(2026, 11, 4), utc(2026, 11, 2, 19), utc(2026, 11, 3, 19)),
]


@pytest.mark.parametrize(("day", "start", "end"), WINDOWS, ids=lambda v: str(v))
def test_mailing_window_known_cases(day: date, start: datetime, end: datetime) -> None:
    window = mailing_window(day)
    assert window == Window(start, end)
    assert window.start.tzinfo is UTC and window.end.tzinfo is UTC


def test_dst_straddling_windows_are_an_hour_short_or_long() -> None:
    assert mailing_window(date(2026, 3, 10)).duration == timedelta(hours=71)
    assert mailing_window(date(2026, 11, 3)).duration == timedelta(hours=73)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 7), utc(2026, 1, 7, 1)),  # EST: Tue 20:00 NY
        (date(2026, 1, 12), utc(2026, 1, 12, 1)),  # Monday: Sunday 20:00 NY
        (date(2026, 3, 6), utc(2026, 3, 6, 1)),  # Thu 03-05, still EST
        (date(2026, 3, 9), utc(2026, 3, 9, 0)),  # Sun 03-08, already EDT
        (date(2026, 7, 1), utc(2026, 7, 1, 0)),  # EDT
        (date(2026, 11, 2), utc(2026, 11, 2, 1)),  # Sun 11-01, back to EST
    ],
)
def test_announced_at(day: date, expected: datetime) -> None:
    assert announced_at(day) == expected
    assert announced_at(day).tzinfo is UTC


@pytest.mark.parametrize("day", [date(2026, 1, 10), date(2026, 1, 11)])
def test_weekend_has_no_mailing(day: date) -> None:
    assert not is_digest_day(day)
    with pytest.raises(NoMailing, match=r"no mailing"):
        mailing_window(day)
    with pytest.raises(ValueError):
        announced_at(day)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 1, 7, 0, 59), date(2026, 1, 6)),  # a minute before Wednesday's mailing
        (utc(2026, 1, 7, 1, 0), date(2026, 1, 7)),  # the moment it appears
        (utc(2026, 1, 10, 12), date(2026, 1, 9)),  # Saturday: Friday's
        (utc(2026, 1, 12, 0, 30), date(2026, 1, 9)),  # Sunday evening NY, before 20:00
        (utc(2026, 1, 12, 1), date(2026, 1, 12)),
        (datetime(2026, 3, 8, 20, tzinfo=ZoneInfo("America/New_York")), date(2026, 3, 9)),
    ],
)
def test_latest_digest_day(now: datetime, expected: date) -> None:
    assert latest_digest_day(now) == expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (utc(2026, 1, 5, 19), date(2026, 1, 7)),  # start is inclusive
        (utc(2026, 1, 6, 18, 59, 59), date(2026, 1, 7)),
        (utc(2026, 1, 6, 19), date(2026, 1, 8)),  # end is exclusive
        (utc(2026, 1, 10, 12), date(2026, 1, 13)),  # Saturday -> Tuesday
        (utc(2026, 1, 9, 18, 59), date(2026, 1, 12)),  # Friday morning NY -> Monday
        (utc(2026, 3, 9, 17, 30), date(2026, 3, 10)),  # 13:30 EDT, before the cut-off
        (utc(2026, 3, 9, 18, 30), date(2026, 3, 11)),  # 14:30 EDT (13:30 EST): after it
    ],
)
def test_digest_day_for(instant: datetime, expected: date) -> None:
    assert digest_day_for(instant) == expected


def test_digest_days_and_neighbours() -> None:
    assert digest_days(date(2026, 1, 9), date(2026, 1, 13)) == [
        date(2026, 1, 9),
        date(2026, 1, 12),
        date(2026, 1, 13),
    ]
    assert digest_days(date(2026, 1, 10), date(2026, 1, 11)) == []
    assert digest_days(date(2026, 1, 13), date(2026, 1, 12)) == []
    assert previous_digest_day(date(2026, 1, 12)) == date(2026, 1, 9)
    assert previous_digest_day(date(2026, 1, 11)) == date(2026, 1, 9)
    assert previous_digest_day(date(2026, 1, 8)) == date(2026, 1, 7)
    assert next_digest_day(date(2026, 1, 9)) == date(2026, 1, 12)


def test_window_rejects_naive_datetimes() -> None:
    window = mailing_window(date(2026, 1, 7))
    with pytest.raises(ValueError, match="no time zone"):
        _ = datetime(2026, 1, 6) in window
    with pytest.raises(ValueError):
        Window(datetime(2026, 1, 1), utc(2026, 1, 2))
    with pytest.raises(ValueError):
        Window(utc(2026, 1, 2), utc(2026, 1, 1))
    with pytest.raises(ValueError):
        latest_digest_day(datetime(2026, 1, 7))
    with pytest.raises(ValueError):
        digest_day_for(datetime(2026, 1, 7))


def test_window_membership_and_utc_normalisation() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    window = Window(datetime(2026, 1, 6, 8, 50, tzinfo=shanghai), utc(2026, 1, 7))
    assert window.start == utc(2026, 1, 6, 0, 50) and window.start.tzinfo is UTC
    assert utc(2026, 1, 6, 0, 50) in window
    assert datetime(2026, 1, 7, 7, 59, tzinfo=shanghai) in window
    assert utc(2026, 1, 7) not in window


# --- anchored windows ----------------------------------------------------------------------------


def test_anchored_window_defaults() -> None:
    assert anchored_window(date(2026, 1, 7)) == Window(
        utc(2026, 1, 6, 0, 50), utc(2026, 1, 7, 0, 50)
    )
    # Weekends are fine for anchored windows.
    assert anchored_window(date(2026, 1, 10)).end == utc(2026, 1, 10, 0, 50)


def test_anchored_window_across_dst_is_24_real_hours() -> None:
    window = anchored_window(date(2026, 3, 8), anchor="08:50", tz="America/New_York")
    # Ends 08:50 EDT; starts 07:50 EST the day before, not 08:50.
    assert window == Window(utc(2026, 3, 7, 12, 50), utc(2026, 3, 8, 12, 50))


def test_anchored_window_skipped_wall_time_lands_after_the_gap() -> None:
    window = anchored_window(date(2026, 3, 8), anchor="02:30", tz="America/New_York")
    assert window.end == utc(2026, 3, 8, 7, 30)  # 03:30 EDT
    assert window.duration == timedelta(hours=24)


@pytest.mark.parametrize("anchor", ["8:50", "24:00", "08:60", "0850", " 08:50", "08:50:00", ""])
def test_anchored_window_rejects_bad_anchor(anchor: str) -> None:
    with pytest.raises(ValueError, match="not a valid anchor time"):
        anchored_window(date(2026, 1, 7), anchor=anchor)


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "America", "../etc/passwd", "/etc/localtime"])
def test_anchored_window_rejects_bad_zone(tz: str) -> None:
    with pytest.raises(ValueError, match="not a known time zone") as info:
        anchored_window(date(2026, 1, 7), tz=tz)
    assert "\n" not in str(info.value)


# --- parse_day and arxiv_range -------------------------------------------------------------------


def test_parse_day() -> None:
    assert parse_day("2026-01-07") == date(2026, 1, 7)
    with pytest.raises(ValueError) as info:
        parse_day("2026-13-01")
    assert str(info.value) == "2026-13-01 is not a valid date (YYYY-MM-DD)"


@pytest.mark.parametrize(
    "text", ["2026-13-01", "2026-02-30", "20260101", "tomorrow", "2026-1-07", "2026-01-07 ", ""]
)
def test_parse_day_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a valid date \(YYYY-MM-DD\)"):
        parse_day(text)


def test_arxiv_range() -> None:
    window = mailing_window(date(2026, 1, 7))
    assert arxiv_range(window) == "submittedDate:[202601051900 TO 202601061900]"
    ragged = Window(utc(2026, 1, 5, 19, 0, 30), utc(2026, 1, 6, 19, 0, 0, 1))
    assert arxiv_range(ragged) == "submittedDate:[202601051900 TO 202601061901]"


# --- properties ----------------------------------------------------------------------------------


@FAST
@given(digest)
def test_consecutive_windows_tile_time(day: date) -> None:
    window = mailing_window(day)
    assert mailing_window(next_digest_day(day)).start == window.end
    assert mailing_window(previous_digest_day(day)).end == window.start
    hours = window.duration / timedelta(hours=1)
    assert hours in ({23, 24, 25} if day.weekday() != 1 else {71, 72, 73})
    # The mailing is announced after its window closes.
    assert announced_at(day) > window.end
    assert announced_at(day) - datetime.combine(day, time(), tzinfo=UTC) in (
        timedelta(0),
        timedelta(hours=1),
    )


@FAST
@given(instants, zones)
def test_every_instant_in_exactly_one_window(instant: datetime, zone: str) -> None:
    instant = instant.astimezone(ZoneInfo(zone))
    day = digest_day_for(instant)
    assert is_digest_day(day)
    assert instant in mailing_window(day)
    assert instant not in mailing_window(previous_digest_day(day))
    assert instant not in mailing_window(next_digest_day(day))


@FAST
@given(days)
def test_only_weekdays_are_digest_days(day: date) -> None:
    assert is_digest_day(day) == (day.weekday() < 5)
    if day.weekday() >= 5:
        with pytest.raises(NoMailing):
            mailing_window(day)
        with pytest.raises(NoMailing):
            announced_at(day)
    previous = previous_digest_day(day)
    assert previous < day and is_digest_day(previous)
    assert digest_days(previous, day - timedelta(days=1)) == [previous]


@FAST
@given(days, st.integers(0, 20))
def test_digest_days_are_the_weekdays_in_range(first: date, span: int) -> None:
    last = first + timedelta(days=span)
    result = digest_days(first, last)
    every = [first + timedelta(days=i) for i in range(span + 1)]
    assert result == [d for d in every if d.weekday() < 5]


@FAST
@given(instants)
def test_latest_digest_day_property(now: datetime) -> None:
    day = latest_digest_day(now)
    assert is_digest_day(day)
    assert announced_at(day) <= now
    assert announced_at(next_digest_day(day)) > now


@FAST
@given(days, anchors, zones)
def test_anchored_window_is_24_hours_ending_at_anchor(day: date, anchor: str, zone: str) -> None:
    window = anchored_window(day, anchor=anchor, tz=zone)
    assert window.duration == timedelta(hours=24)
    local = ZoneInfo(zone)
    wall = datetime.combine(day, time.fromisoformat(anchor))
    exists = wall.replace(tzinfo=local).astimezone(UTC).astimezone(local).replace(tzinfo=None)
    if exists == wall:  # a wall time skipped by a DST change cannot be hit exactly
        assert window.end.astimezone(local).replace(tzinfo=None) == wall
