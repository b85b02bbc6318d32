"""The fake's own reading of the Endpoints API: states, billing, quota, durations.

Deliberately written here and never imported from the product (`watchdog.core`, `watchdog.adapters`): the fake
states its own view of the service, so a wrong table in the product fails a test instead of being mirrored by the
fake it is tested against. `tests/fakes/test_independence.py` checks that no fake module imports the product.
"""

from __future__ import annotations

import re

# The eight states the API documents for `status.state`.
STATES = frozenset({"pending", "initializing", "updating", "running", "paused", "scaledToZero", "failed",
                    "updateFailed"})
# Billed per minute while starting, updating or serving, used or not; paused, scaled to zero and failed are free.
BILLED_STATES = frozenset({"pending", "initializing", "updating", "running"})
# GPU quota is held by every billed state and by `scaledToZero` (it wakes on traffic); `paused` releases it.
QUOTA_STATES = BILLED_STATES | {"scaledToZero"}

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: object) -> int:
    """Seconds in a fleet-file duration such as `9h12m`, `2d` or `30s`; ValueError otherwise."""
    cleaned = text.strip().lower() if isinstance(text, str) else ""
    match = _DURATION.match(cleaned)
    if not cleaned or match is None or not any(match.groups()):
        raise ValueError(f"expected a duration like \"2h\" or \"1h30m\", got {text!r}")
    return sum(int(value) * _UNITS[unit] for value, unit in zip(match.groups(), "dhms", strict=True) if value)
