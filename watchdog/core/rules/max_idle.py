"""`max_idle: DURATION` — the longest an endpoint may bill without a request; `on_unknown_idle` says what to do when
no idle signal exists (`notify` by default: never a silent pause)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from watchdog.core.model import Action, EndpointSnapshot, Notice, NoticeKind
from watchdog.core.rules.base import CheckResult, DurationLimit, RuleSetting, Validator, Where
from watchdog.core.rules.general import ActionSetting

if TYPE_CHECKING:
    from watchdog.core.policy.model import Effective
    from watchdog.core.policy.yaml_nodes import Entry


class OnUnknownIdle(enum.StrEnum):
    NOTIFY = "notify"
    PAUSE = "pause"
    IGNORE = "ignore"


class OnUnknownIdleSetting(RuleSetting):
    key = "on_unknown_idle"
    default = OnUnknownIdle.NOTIFY

    def parse(self, entry: Entry, v: Validator, where: Where) -> Any:
        value = v.choice(entry, tuple(OnUnknownIdle), where.scope)
        return OnUnknownIdle(value) if value is not None else None


class MaxIdle(DurationLimit):
    key = "max_idle"
    clearable = True

    def check(self, snapshot: EndpointSnapshot, settings: Effective, now: datetime) -> CheckResult:
        if settings[self.key] is None:
            return CheckResult()
        idle = snapshot.idle_seconds(now)
        uptime = snapshot.uptime_seconds(now)
        if idle is None:
            if uptime is not None and uptime <= settings[self.key]:
                # Idle time is unknown but cannot exceed the current stretch: the limit cannot be broken yet, so
                # an unknown signal is no reason to act (on_unknown_idle: pause would pause a just-resumed endpoint).
                return self.judge(settings, uptime, "idle at most", lambda body: (ActionSetting.of(settings), body))
            return self._unknown(snapshot, settings)
        if uptime is not None:
            # A request from before the current stretch says nothing about it: idle can't exceed the uptime,
            # or an endpoint resumed a minute ago would be paused for last month's silence.
            idle = min(idle, uptime)
        return self.judge(settings, idle, "idle", lambda body: (ActionSetting.of(settings), f"{body} {settings.where}"))

    def _unknown(self, snapshot: EndpointSnapshot, settings: Effective) -> CheckResult:
        """No idle signal: `on_unknown_idle` decides (notify by default; never a silent pause)."""
        limit = self.limit_text(settings)
        on_unknown = settings[OnUnknownIdleSetting.key]
        if on_unknown == OnUnknownIdle.PAUSE:
            reason = f"idle time unknown and {OnUnknownIdleSetting.key} is pause {settings.where}"
            return CheckResult(violations=(self.finding(limit, "unknown", reason, Action.PAUSE),))
        if on_unknown == OnUnknownIdle.NOTIFY:
            notice = Notice(NoticeKind.IDLE_UNKNOWN, f"{snapshot.key}: no idle signal (no lastUsedAt, no metrics "
                                                     f"yet), {self.key} {limit} cannot be checked")
            return CheckResult(notices=(notice,), notify_reason=(
                f"idle time unknown: {self.key} {limit} cannot be checked {settings.where}"))
        return CheckResult()
