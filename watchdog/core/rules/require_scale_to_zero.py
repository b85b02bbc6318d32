"""`require_scale_to_zero: true` — the endpoint's configuration must let it sleep (`minReplica: 0` and a timeout)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from watchdog.core.model import ConfigFix, EndpointSnapshot
from watchdog.core.rules.base import BooleanSetting, CheckResult, LimitCheck
from watchdog.core.rules.general import ActionSetting
from watchdog.core.rules.scale_to_zero_after import ScaleToZeroAfter

if TYPE_CHECKING:
    from watchdog.core.policy.model import Effective

# The timeout the Endpoints UI proposes (and the docs call the default): what a fix sets when the rule names none.
PLATFORM_DEFAULT_TIMEOUT_MINUTES = 60


class RequireScaleToZero(BooleanSetting, LimitCheck):
    key = "require_scale_to_zero"
    billable_only = False

    def check(self, snapshot: EndpointSnapshot, settings: Effective, now: datetime) -> CheckResult:
        if not settings[self.key]:
            return CheckResult()
        if snapshot.min_replicas is None:
            return self.config_unknown(snapshot, "minReplica", "true")
        if snapshot.min_replicas != 0:
            why = f"min_replicas {snapshot.min_replicas}"
        elif snapshot.scale_to_zero_timeout_minutes is None:
            why = "no scale-to-zero timeout"
        else:
            return CheckResult()
        reason = f"scale-to-zero not enabled ({why}) but {self.key} {settings.where}"
        # A timeout already set is kept; none set: the rule's own bound if it has one, else the platform's default.
        timeout = None
        if snapshot.scale_to_zero_timeout_minutes is None:
            timeout = ScaleToZeroAfter.minutes(settings) or PLATFORM_DEFAULT_TIMEOUT_MINUTES
        fix = ConfigFix(min_replica=0, scale_to_zero_timeout_minutes=timeout)
        return CheckResult(violations=(
            self.finding("true", why, reason, ActionSetting.for_config(snapshot, settings), fix),))
