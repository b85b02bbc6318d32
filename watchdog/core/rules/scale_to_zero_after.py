"""`scale_to_zero_after: DURATION` — the endpoint must sleep by itself after at most this long without a request:
`minReplica: 0` and a `scaleToZeroTimeout` no longer than this. The platform measures idle time exactly, so this is
the idle limit that works on every plan, with or without an idle signal for the watchdog."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from watchdog.core.durations import format_duration
from watchdog.core.model import ConfigFix, EndpointSnapshot
from watchdog.core.rules.base import CheckResult, DurationSetting, LimitCheck, Validator, Where
from watchdog.core.rules.general import ActionSetting

if TYPE_CHECKING:
    from watchdog.core.policy.model import Effective
    from watchdog.core.policy.yaml_nodes import Entry

# The API refuses other values with a 400 ("must be between 15 and 2880 minutes").
MIN_MINUTES = 15
MAX_MINUTES = 48 * 60


def timeout_text(minutes: int | None) -> str:
    """A scale-to-zero timeout as people read it: `1h`, `15m`, `none`."""
    return format_duration(minutes * 60) if minutes is not None else "none"


class ScaleToZeroAfter(DurationSetting, LimitCheck):
    key = "scale_to_zero_after"
    clearable = True
    billable_only = False

    def parse(self, entry: Entry, v: Validator, where: Where) -> Any:
        seconds = v.duration(entry, where.scope)
        if seconds is None:
            return None
        written = entry.value.value
        if seconds % 60:
            v.add(entry.value.line, entry.value.column,
                  f"invalid {self.key} {where.scope}: {v.show(written)} is not a whole number of minutes",
                  "the API counts the scale-to-zero timeout in minutes, e.g. 15m, 1h, 1h30m")
            return None
        if not MIN_MINUTES <= seconds // 60 <= MAX_MINUTES:
            v.add(entry.value.line, entry.value.column,
                  f"invalid {self.key} {where.scope}: {v.show(written)} is outside the API's range of 15m to 48h",
                  f"the API accepts a scale-to-zero timeout of {MIN_MINUTES} to {MAX_MINUTES} minutes")
            return None
        return seconds

    @classmethod
    def minutes(cls, settings: Effective) -> int | None:
        """The rule's value in minutes, as the API counts them; None when unset."""
        seconds: int | None = settings[cls.key]
        return seconds // 60 if seconds is not None else None

    def check(self, snapshot: EndpointSnapshot, settings: Effective, now: datetime) -> CheckResult:
        limit = self.minutes(settings)
        if limit is None:
            return CheckResult()
        if snapshot.min_replicas is None:
            return self.config_unknown(snapshot, "minReplica", timeout_text(limit))
        current = snapshot.scale_to_zero_timeout_minutes
        problems = []
        if snapshot.min_replicas != 0:
            problems.append(f"min_replicas {snapshot.min_replicas}")
        if current is None:
            problems.append("no scale-to-zero timeout")
        elif current > limit:
            problems.append(f"scale-to-zero timeout {timeout_text(current)}")
        if not problems:
            return CheckResult()
        observed = ", ".join(problems)
        reason = (f"does not sleep within {timeout_text(limit)} idle ({observed}) "
                  f"but {self.key} {timeout_text(limit)} {settings.where}")
        # Keep a timeout that is already short enough; set the limit itself otherwise.
        fix = ConfigFix(min_replica=0,
                        scale_to_zero_timeout_minutes=limit if current is None or current > limit else None)
        finding = self.finding(timeout_text(limit), observed, reason, ActionSetting.for_config(snapshot, settings), fix)
        return CheckResult(violations=(finding,))
