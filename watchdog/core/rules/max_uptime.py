"""`max_uptime: DURATION` — the longest continuous billable stretch (running or initializing) an endpoint may have."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from watchdog.core.durations import format_comparison, format_duration, format_time_left
from watchdog.core.model import EndpointSnapshot, Notice, NoticeKind
from watchdog.core.rules.base import CheckResult, DurationSetting, LimitCheck, warn_if_close
from watchdog.core.rules.general import TrustUpdatedAt

if TYPE_CHECKING:
    from watchdog.core.policy.model import Effective


class MaxUptime(DurationSetting, LimitCheck):
    key = "max_uptime"
    clearable = True

    def check(self, snapshot: EndpointSnapshot, settings: Effective, now: datetime) -> CheckResult:
        limit_seconds: int | None = settings[self.key]
        if limit_seconds is None:
            return CheckResult()
        limit = settings.written.get(self.key) or format_duration(limit_seconds)
        uptime = snapshot.uptime_seconds(now)
        if uptime is None:
            return CheckResult(notices=(Notice(NoticeKind.UPTIME_UNKNOWN, f"{snapshot.key}: running since unknown, "
                                                                          f"{self.key} {limit} cannot be checked"),))
        observed, limit = format_comparison(uptime, limit_seconds, settings.written.get(self.key))
        if uptime > limit_seconds:
            action, reason = TrustUpdatedAt.uptime_action(snapshot, settings, f"running {observed} > {self.key} {limit}")
            notices: tuple[Notice, ...] = ()
            if TrustUpdatedAt.weak_uptime(snapshot, settings):
                notices = (Notice(NoticeKind.UPTIME_WEAK, f"{snapshot.key}: uptime is known only from status.updatedAt, "
                                  f"so it is reported, not acted on ({TrustUpdatedAt.key}: true allows it)"),)
            return CheckResult(violations=(self.finding(limit, observed, reason, action),), notices=notices)
        left = limit_seconds - uptime
        warning = self.finding(limit, observed, f"running {observed}, {self.key} {limit} reached "
                                                f"{format_time_left(left)} {settings.where}")
        return CheckResult(nearest=((left, f"{self.key} {limit}"),), warnings=warn_if_close(settings, left, warning))
