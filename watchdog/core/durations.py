"""Parse and format the human durations used in policies and messages (`30m`, `4h`, `1d`, `1h30m`)."""

from __future__ import annotations

import re

_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
# Units must appear largest first and at most once: `1h30m` is fine, `30m1h` and `1h1h` are not.
_DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class DurationError(ValueError):
    """A string that is not a duration like `30m`, `4h`, `1d` or `1h30m`."""


def parse_duration(text: str) -> int:
    """Return the number of seconds in `text`; raise DurationError with a hint otherwise."""
    if not isinstance(text, str):
        raise DurationError(f"expected a duration like \"8h\" or \"1h30m\", got {text!r}")
    cleaned = text.strip().lower()
    match = _DURATION_RE.match(cleaned)
    if not cleaned or match is None or not any(match.groups()):
        raise DurationError(f"expected a duration like \"8h\" or \"1h30m\", got {text!r}")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    total = days * 86400 + hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise DurationError(f"a duration must be longer than zero, got {text!r}")
    return total


def format_duration(seconds: float | int | None) -> str:
    """Render seconds compactly for people: `9h12m`, `2d3h`, `45m`, `30s`; `?` when unknown."""
    if seconds is None:
        return "?"
    total = int(seconds)
    if total < 0:
        return "-" + format_duration(-total)
    if total < 60:
        return f"{total}s"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"
