"""`max_uptime: DURATION` — the longest continuous billable stretch (running or initializing) an endpoint may have."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from watchdog.core.model import EndpointSnapshot, Notice, NoticeKind
from watchdog.core.rules.base import CheckResult, DurationLimit
from watchdog.core.rules.general import TrustUpdatedAt

if TYPE_CHECKING:
    from watchdog.core.policy.model import Effective


class MaxUptime(DurationLimit):
    key = "max_uptime"
    clearable = True

    def check(self, snapshot: EndpointSnapshot, settings: Effective, now: datetime) -> CheckResult:
        if settings[self.key] is None:
            return CheckResult()
        uptime = snapshot.uptime_seconds(now)
        if uptime is None:
            return CheckResult(notices=(Notice(NoticeKind.UPTIME_UNKNOWN, f"{snapshot.key}: running since unknown, "
                                               f"{self.key} {self.limit_text(settings)} cannot be checked"),))
        result = self.judge(settings, uptime, "running",
                            lambda body: TrustUpdatedAt.uptime_action(snapshot, settings, body))
        return TrustUpdatedAt.with_weak_notice(result, snapshot, settings)
