"""`max_idle: DURATION` — the longest an endpoint may bill without a request; `on_unknown_idle` says what to do when
no idle signal exists (`notify` by default: never a silent pause)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from watchdog.core.durations import format_comparison, format_duration, format_time_left
from watchdog.core.model import Action, EndpointSnapshot, Notice, NoticeKind
from watchdog.core.rules.base import CheckResult, DurationSetting, LimitCheck, RuleSetting, Validator, Where, warn_if_close
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


class MaxIdle(DurationSetting, LimitCheck):
    key = "max_idle"
    clearable = True

    def check(self, snapshot: EndpointSnapshot, settings: Effective, now: datetime) -> CheckResult:
        limit_seconds: int | None = settings[self.key]
        if limit_seconds is None:
            return CheckResult()
        limit = settings.written.get(self.key) or format_duration(limit_seconds)
        idle = snapshot.idle_seconds(now)
        if idle is None:
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
        uptime = snapshot.uptime_seconds(now)
        if uptime is not None:
            # A request from before the current stretch says nothing about it: idle can't exceed the uptime,
            # or an endpoint resumed a minute ago would be paused for last month's silence.
            idle = min(idle, uptime)
        observed, limit = format_comparison(idle, limit_seconds, settings.written.get(self.key))
        if idle > limit_seconds:
            reason = f"idle {observed} > {self.key} {limit} {settings.where}"
            return CheckResult(violations=(self.finding(limit, observed, reason, ActionSetting.of(settings)),))
        left = limit_seconds - idle
        warning = self.finding(limit, observed, f"idle {observed}, {self.key} {limit} reached "
                                                f"{format_time_left(left)} {settings.where}")
        return CheckResult(nearest=((left, f"{self.key} {limit}"),), warnings=warn_if_close(settings, left, warning))
