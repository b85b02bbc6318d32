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


def format_duration_exact(seconds: float | int) -> str:
    """Every unit down to the last non-zero one: `1h0m30s`, `1d0h0m5s`, `1h`, `45s` (for comparisons that must
    read true)."""
    total = int(seconds)
    if total < 0:
        return "-" + format_duration_exact(-total)
    amounts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, total = divmod(total, size)
        amounts.append((amount, unit))
    while amounts and amounts[-1][0] == 0:
        amounts.pop()
    while amounts and amounts[0][0] == 0:
        amounts.pop(0)
    return "".join(f"{amount}{unit}" for amount, unit in amounts) or "0s"


def format_comparison(value: float | int, limit: float | int, limit_text: str | None = None) -> tuple[str, str]:
    """`value` and `limit` as text precise enough that their order reads right (`1h0m30s > 1h`, never `1h > 1h`).

    `limit_text` is the limit as the policy writes it (`40h`, not `1d16h`); it is exact by definition.
    """
    shown_value, shown_limit = format_duration(value), limit_text or format_duration(limit)
    if int(value) != int(limit) and format_duration(value) == format_duration(limit):
        shown_value = format_duration_exact(value)
        shown_limit = limit_text or format_duration_exact(limit)
    return shown_value, shown_limit


def format_time_left(seconds: float | int) -> str:
    """`in 1h20m`, `in 30s`, or `now` once nothing is left (never `in 0s`)."""
    return f"in {format_duration(seconds)}" if int(seconds) > 0 else "now"
