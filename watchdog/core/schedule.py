"""Billing windows for policies: weekday sets, hour windows (also across midnight) in an IANA time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
MINUTES_PER_DAY = 24 * 60


class ScheduleError(ValueError):
    """A `days`, `hours` or `timezone` value that cannot be understood (the message says why)."""


def load_zone(name: str) -> ZoneInfo:
    """Return the IANA zone `name`; raise ScheduleError for anything zoneinfo does not know."""
    if not isinstance(name, str) or not name.strip():
        raise ScheduleError(f"expected an IANA time zone like 'Europe/Paris', got {name!r}")
    try:
        return ZoneInfo(name)
    # ValueError: keys such as "../etc/passwd" or absolute paths, which zoneinfo refuses outright.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(f"unknown IANA time zone {name!r}") from None


def _day_index(token: str) -> int:
    word = token.strip().lower()
    if word in DAY_NAMES:
        return DAY_NAMES.index(word)
    if word in _FULL_DAY_NAMES:
        return _FULL_DAY_NAMES.index(word)
    raise ScheduleError(f"unknown day {token.strip()!r} (use mon, tue, wed, thu, fri, sat, sun)")


def parse_days(spec: str | list[str] | tuple[str, ...]) -> frozenset[int]:
    """`mon-fri`, `fri-mon` (wraps over the weekend), `mon,wed`, `mon-wed,fri` → weekday numbers (Monday = 0)."""
    parts = list(spec) if isinstance(spec, (list, tuple)) else str(spec).split(",")
    days: set[int] = set()
    for part in parts:
        if not isinstance(part, str) or not part.strip():
            raise ScheduleError(f"expected days like 'mon-fri' or 'mon,wed', got {spec!r}")
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _day_index(first), _day_index(last)
            # A range runs forward through the week, so `fri-mon` is fri, sat, sun, mon.
            span = (end - start) % 7
            days.update((start + offset) % 7 for offset in range(span + 1))
        else:
            days.add(_day_index(part))
    return frozenset(days)


def parse_hours(spec: str) -> tuple[int, int]:
    """`08:00-19:00` → (480, 1140) minutes after midnight; `22:00-06:00` crosses midnight; end may be 24:00."""
    match = _HOURS_RE.match(spec) if isinstance(spec, str) else None
    if match is None:
        raise ScheduleError(f"expected hours like '08:00-19:00', got {spec!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise ScheduleError(f"hours out of range in {spec!r} (00:00 to 24:00)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end or (start == 0 and end == 0):
        raise ScheduleError(f"empty hour window {spec!r}: start and end are the same time")
    return start, end


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _describe_days(days: frozenset[int]) -> str:
    """Shortest readable form, runs wrapping over Sunday included: `mon-fri`, `fri-mon`, `mon,wed`."""
    if len(days) == 7:
        return "every day"
    # Start at a day whose previous day is off, so a run over the weekend (fri-mon) stays in one piece.
    first = next(d for d in range(7) if d in days and (d - 1) % 7 not in days)
    runs: list[list[int]] = []
    for offset in range(7):
        day = (first + offset) % 7
        if day not in days:
            continue
        if runs and (runs[-1][-1] + 1) % 7 == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[d] for d in run)
    return ",".join(parts)


def resolve_local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The UTC instant when the wall clock in `zone` reads `minutes` after midnight of `day`.

    Wall times repeated by a fall-back change resolve to their first occurrence; wall times skipped by a
    spring-forward change resolve to the instant the clock jumps (02:30 on a skipped hour → the jump to 03:00),
    so a window never silently grows or shrinks by more than the hour the clocks themselves moved.
    """
    naive = datetime.combine(day, time()) + timedelta(minutes=minutes)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # A gap: fold=1 applies the later offset (an earlier instant), fold=0 the earlier one. The jump lies between:
    # find the first instant whose offset is the post-transition one by bisection, to the second.
    low, high = min(first, second), max(first, second)
    after_offset = high.astimezone(zone).utcoffset()
    while (high - low) > timedelta(seconds=1):
        mid = low + (high - low) / 2
        if mid.astimezone(zone).utcoffset() == after_offset:
            high = mid
        else:
            low = mid
    return high.replace(microsecond=0)


@dataclass(frozen=True)
class Schedule:
    """When an endpoint may bill: windows opening on `days` at `start` and closing at `end` (local time).

    A window whose end is not after its start crosses midnight and belongs to the day it opened on:
    `days: fri, hours: 22:00-06:00` is Friday 22:00 to Saturday 06:00.
    """

    days: frozenset[int]
    start_minute: int  # minutes after local midnight
    end_minute: int  # 1..1440; at or before start_minute means "the next day"
    timezone: str

    @property
    def crosses_midnight(self) -> bool:
        return self.end_minute <= self.start_minute

    @property
    def text(self) -> str:
        """Compact form for reasons and plans: `mon-fri 08:00-19:00 America/New_York` style."""
        return (
            f"{_describe_days(self.days)} {_hhmm(self.start_minute)}-{_hhmm(self.end_minute)} {self.timezone}"
        )

    def _zone(self) -> ZoneInfo:
        return load_zone(self.timezone)

    def _window_around(self, now: datetime) -> tuple[datetime, datetime] | None:
        """The (start, end) in UTC of the window containing `now`, if any."""
        zone = self._zone()
        today = now.astimezone(zone).date()
        # Only a window opened today or yesterday (crossing midnight) can contain `now`.
        for opened in (today - timedelta(days=1), today):
            if opened.weekday() not in self.days:
                continue
            start = resolve_local(opened, self.start_minute, zone)
            close_day = opened + timedelta(days=1) if self.crosses_midnight else opened
            end = resolve_local(close_day, self.end_minute, zone)
            if start <= now < end:
                return start, end
        return None

    def is_active(self, now: datetime) -> bool:
        """True when `now` (timezone-aware) is inside a billing window."""
        return self._window_around(now) is not None

    def window_end(self, now: datetime) -> datetime | None:
        """When billing stops being allowed, as a UTC instant; None if inactive now or never closing.

        Back-to-back windows (e.g. every day 00:00-24:00) count as one stretch, so the answer is the first
        instant that is really outside the schedule.
        """
        window = self._window_around(now)
        if window is None:
            return None
        end = window[1]
        for _ in range(8):  # seven days of chained windows means the schedule never closes
            following = self._window_around(end)
            if following is None:
                return end
            end = following[1]
        return None

    def local_time_text(self, now: datetime) -> str:
        """`Sat 10:12 America/New_York`: how a reason shows the instant in the schedule's zone."""
        local = now.astimezone(self._zone())
        return f"{DAY_NAMES[local.weekday()].capitalize()} {local:%H:%M} {self.timezone}"


def parse_schedule(
    days: str | list[str] | None, hours: str | None, timezone: str
) -> Schedule:
    """Build a Schedule; missing `days` means every day, missing `hours` means all day. Raises ScheduleError."""
    load_zone(timezone)
    day_set = frozenset(range(7)) if days is None else parse_days(days)
    start, end = (0, MINUTES_PER_DAY) if hours is None else parse_hours(hours)
    return Schedule(days=day_set, start_minute=start, end_minute=end, timezone=timezone)
