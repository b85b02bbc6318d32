"""Schedules: day specs, hour windows across midnight, wall-clock resolution across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from watchdog.core.schedule import (
    Schedule,
    ScheduleError,
    load_zone,
    parse_days,
    parse_hours,
    parse_schedule,
    resolve_local,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("sun-tue", {6, 0, 1}),
        ("mon,wed", {0, 2}),
        ("mon-wed,fri", {0, 1, 2, 4}),
        ("Saturday, sunday", {5, 6}),
        (["mon", "thu"], {0, 3}),
        ("wed-wed", {2}),
        ("tue-mon", set(range(7))),
    ],
)
def test_parse_days(spec, days):
    assert parse_days(spec) == frozenset(days)


@pytest.mark.parametrize("spec", ["", "mon-", "fry", "mon,,tue", "1-5", "weekdays"])
def test_parse_days_rejects(spec):
    with pytest.raises(ScheduleError):
        parse_days(spec)


@pytest.mark.parametrize(
    ("spec", "window"),
    [("08:00-19:00", (480, 1140)), ("22:00-06:00", (1320, 360)), ("0:00-24:00", (0, 1440)),
     (" 9:30 - 17:45 ", (570, 1065))],
)
def test_parse_hours(spec, window):
    assert parse_hours(spec) == window


@pytest.mark.parametrize("spec", ["8-19", "08:00", "25:00-26:00", "08:60-09:00", "10:00-10:00", "00:00-24:30", 800])
def test_parse_hours_rejects(spec):
    with pytest.raises(ScheduleError):
        parse_hours(spec)


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "/etc/localtime"])
def test_unknown_zones_are_schedule_errors(name):
    with pytest.raises(ScheduleError):
        load_zone(name)


def test_text_is_compact():
    assert parse_schedule("sun-thu", "22:00-06:00", "UTC").text == "sun-thu 22:00-06:00 UTC"
    assert parse_schedule(None, "08:00-19:00", "UTC").text == "every day 08:00-19:00 UTC"
    assert parse_schedule("mon,wed", None, "Europe/Paris").text == "mon,wed 00:00-24:00 Europe/Paris"


OFFICE_PARIS = parse_schedule("mon-fri", "08:00-19:00", "Europe/Paris")
NIGHT_SAT_PARIS = parse_schedule("sat", "22:00-06:00", "Europe/Paris")
LATE_NY = parse_schedule("sat", "23:00-01:30", "America/New_York")


@pytest.mark.parametrize(
    ("schedule", "now", "active"),
    [
        (OFFICE_PARIS, datetime(2026, 11, 23, 7, 0, tzinfo=UTC), True),  # Mon 08:00 CET: opens
        (OFFICE_PARIS, datetime(2026, 11, 23, 6, 59, tzinfo=UTC), False),
        (OFFICE_PARIS, datetime(2026, 11, 23, 18, 0, tzinfo=UTC), False),  # 19:00: closed (end excluded)
        (OFFICE_PARIS, datetime(2026, 11, 28, 10, 0, tzinfo=UTC), False),  # Saturday
        # Spring forward (Sun 2026-03-29 02:00 → 03:00): Saturday's night window closes at 06:00 CEST = 04:00Z.
        (NIGHT_SAT_PARIS, datetime(2026, 3, 29, 3, 59, tzinfo=UTC), True),
        (NIGHT_SAT_PARIS, datetime(2026, 3, 29, 4, 0, tzinfo=UTC), False),
        (NIGHT_SAT_PARIS, datetime(2026, 3, 28, 21, 0, tzinfo=UTC), True),  # Sat 22:00 CET
        # Fall back (Sun 2026-10-25 03:00 → 02:00): the window closes at 06:00 CET = 05:00Z.
        (NIGHT_SAT_PARIS, datetime(2026, 10, 25, 4, 59, tzinfo=UTC), True),
        (NIGHT_SAT_PARIS, datetime(2026, 10, 25, 5, 0, tzinfo=UTC), False),
        (NIGHT_SAT_PARIS, datetime(2026, 10, 24, 20, 0, tzinfo=UTC), True),  # Sat 22:00 CEST
        # New York fall back (Sun 2026-11-01 02:00 EDT → 01:00 EST): the repeated 01:00-02:00 hour. The window
        # ends at the FIRST 01:30 (05:30Z) and does not come back during the repeated hour.
        (LATE_NY, datetime(2026, 11, 1, 5, 29, tzinfo=UTC), True),
        (LATE_NY, datetime(2026, 11, 1, 5, 30, tzinfo=UTC), False),
        (LATE_NY, datetime(2026, 11, 1, 6, 15, tzinfo=UTC), False),  # 01:15 EST, second pass
    ],
)
def test_is_active_across_dst(schedule, now, active):
    assert schedule.is_active(now) is active


def test_resolve_local_gap_and_fold():
    # 02:30 does not exist in Paris on 2026-03-29: the window opens when clocks jump, 03:00 CEST = 01:00Z.
    assert resolve_local(date(2026, 3, 29), 150, PARIS) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    # 02:30 happens twice on 2026-10-25: the first one (CEST, 00:30Z) counts.
    assert resolve_local(date(2026, 10, 25), 150, PARIS) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    # New York skips 02:00-03:00 on 2026-03-08: 02:30 → 03:00 EDT = 07:00Z.
    assert resolve_local(date(2026, 3, 8), 150, NEW_YORK) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert resolve_local(date(2026, 7, 1), 1440, PARIS) == datetime(2026, 7, 1, 22, 0, tzinfo=UTC)


def test_window_starting_in_a_skipped_hour_opens_at_the_jump():
    schedule = parse_schedule("sun", "02:30-05:00", "Europe/Paris")
    assert not schedule.is_active(datetime(2026, 3, 29, 0, 59, tzinfo=UTC))
    assert schedule.is_active(datetime(2026, 3, 29, 1, 0, tzinfo=UTC))


def test_window_end_and_chaining():
    monday_noon = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    assert OFFICE_PARIS.window_end(monday_noon) == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    assert OFFICE_PARIS.window_end(datetime(2026, 11, 28, 11, 0, tzinfo=UTC)) is None  # inactive
    # Whole days back to back are one stretch: Monday to Friday ends Saturday 00:00 Paris time.
    weekdays = parse_schedule("mon-fri", None, "Europe/Paris")
    assert weekdays.window_end(monday_noon) == datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    assert parse_schedule(None, None, "UTC").window_end(monday_noon) is None  # never closes
    # An overnight window that chains into the next day's: every day 12:00-12:00 is not allowed, but
    # 00:00-24:00 every day is, and never closes.
    assert parse_schedule("mon-sun", "00:00-24:00", "UTC").window_end(monday_noon) is None


def test_local_time_text():
    assert OFFICE_PARIS.local_time_text(datetime(2026, 11, 28, 11, 12, tzinfo=UTC)) == "Sat 12:12 Europe/Paris"


def test_schedule_is_frozen_and_comparable():
    assert Schedule(frozenset({0}), 0, 60, "UTC") == parse_schedule("mon", "00:00-01:00", "UTC")
    with pytest.raises(AttributeError):
        OFFICE_PARIS.timezone = "UTC"  # type: ignore[misc]
