"""RFC 3339 timestamps as the API may send them, and as the watchdog writes them.

Accepted: `YYYY-MM-DD`, `T`, `t` or a space, `HH:MM:SS`, an optional fraction of any length (nanoseconds are
truncated to microseconds), then `Z`, `z` or an offset `±HH:MM` (also `±HHMM`). A timestamp without an offset is
read as UTC (the API speaks UTC). Anything else — a date alone, ISO week dates, a missing seconds field — is not a
timestamp: None, so the caller can say so rather than guess an instant.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$"
)


def parse_timestamp(value: Any) -> datetime | None:
    """The instant in UTC, or None when `value` is absent or not an RFC 3339 date-time."""
    if not isinstance(value, str):
        return None
    return _parse(value)


@functools.lru_cache(maxsize=8192)
def _parse(value: str) -> datetime | None:
    # Cached: a sweep reads each endpoint's createdAt and updatedAt several times (describe, validate, memory), and
    # a datetime is immutable. Bounded, so a huge fleet costs at most 8192 entries.
    match = _RFC3339.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, _z, sign, off_h, off_m = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), min(int(second), 59),
                          int((fraction or "0")[:6].ljust(6, "0")), tzinfo=UTC)
        if sign is not None:
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            if offset >= timedelta(hours=24) or int(off_m) >= 60:
                return None
            moment -= offset if sign == "+" else -offset
    except (ValueError, OverflowError):
        return None
    return moment


def has_offset(value: Any) -> bool:
    """True when an RFC 3339 timestamp carries `Z` or an offset (a naive one is read as UTC)."""
    match = _RFC3339.match(value.strip()) if isinstance(value, str) else None
    return bool(match and (match.group(8) or match.group(9)))


def format_timestamp(value: datetime | None) -> str | None:
    """Render a UTC timestamp as `YYYY-MM-DDTHH:MM:SSZ` (the form the API and our report use).

    Not `strftime("%Y")`: glibc does not pad the year, so Go's zero time came out as `1-01-01T00:00:00Z`, which is
    not RFC 3339 and which this module's own parser refuses.
    """
    if value is None:
        return None
    moment = value.astimezone(UTC)
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
            f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z")
