"""RFC 3339 timestamps as the API sends them (`Z`, offsets, nanoseconds) and as the watchdog writes them."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any


def parse_timestamp(value: Any) -> datetime | None:
    """Parse the API's RFC 3339 timestamps (`...Z`, possibly with nanoseconds); None when absent or invalid."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Python's fromisoformat takes at most microseconds: trim nanosecond fractions seen in API mocks.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_timestamp(value: datetime | None) -> str | None:
    """Render a UTC timestamp as `YYYY-MM-DDTHH:MM:SSZ` (the form the API and our report use)."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
