"""A controllable, thread-safe clock so fakes move through simulated minutes without sleeping."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


def _as_utc(value: datetime) -> datetime:
    # Naive datetimes are read as UTC: the API only ever speaks UTC (`...Z`).
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class FakeClock:
    """Simulated UTC time: frozen unless `ticking`, moved only by `set` and `advance`.

    A ticking clock also follows real time from the instant it was set; the standalone server uses one so a
    watchdog reading the wall clock and the fake agree, while tests keep the default frozen clock.
    """

    def __init__(self, now: datetime | None = None, *, ticking: bool = False) -> None:
        self._lock = threading.Lock()
        self._base = _as_utc(now) if now is not None else datetime.now(UTC)
        self._ticking = ticking
        self._mono = time.monotonic()

    def now(self) -> datetime:
        """The current simulated instant (timezone-aware UTC)."""
        with self._lock:
            if not self._ticking:
                return self._base
            return self._base + timedelta(seconds=time.monotonic() - self._mono)

    def set(self, now: datetime) -> datetime:
        """Jump to `now` (moving backwards is allowed: tests replay history)."""
        with self._lock:
            self._base = _as_utc(now)
            self._mono = time.monotonic()
            return self._base

    def advance(self, seconds: float) -> datetime:
        """Move forward by `seconds` of simulated time and return the new instant."""
        with self._lock:
            if self._ticking:
                self._base += timedelta(seconds=time.monotonic() - self._mono)
                self._mono = time.monotonic()
            self._base += timedelta(seconds=seconds)
            return self._base


def iso_z(value: datetime) -> str:
    """Format as the API does, `YYYY-MM-DDTHH:MM:SS.fffZ`: huggingface_hub's parser needs the trailing `Z`."""
    utc = _as_utc(value)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant (`Z` or offset; naive = UTC) for fleet files and admin routes."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    return _as_utc(datetime.fromisoformat(cleaned))
