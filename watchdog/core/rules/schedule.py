"""`schedule: {days, hours, timezone}` — the only window in which an endpoint may bill (e.g. mon-fri 08:00-19:00)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from watchdog.core.durations import format_time_left
from watchdog.core.model import EndpointSnapshot
from watchdog.core.rules.base import CheckResult, LimitCheck, Validator, Where, warn_if_close
from watchdog.core.rules.general import ActionSetting
from watchdog.core.schedule import Schedule, ScheduleError, parse_days, parse_hours

if TYPE_CHECKING:
    from watchdog.core.policy.model import Effective
    from watchdog.core.policy.yaml_nodes import Entry

SCHEDULE_KEYS = ("days", "hours", "timezone")


class ScheduleRule(LimitCheck):
    key = "schedule"
    clearable = True

    def parse(self, entry: Entry, v: Validator, where: Where) -> Any:
        node = entry.value
        scope = f"in the {self.key} of {where.owner}"
        if not v.mapping(node, self.key, where.scope):
            return None
        v.keys(node, SCHEDULE_KEYS, scope)
        parts = node.value
        if not any(k in parts for k in ("days", "hours")):
            v.add(node.line, node.column, f"invalid {self.key} {where.scope}: give days, hours or both",
                  "e.g. {days: mon-fri, hours: \"08:00-19:00\"}")
            return None
        ok = True
        days = frozenset(range(7))
        start, end = 0, 24 * 60
        timezone = v.policy_timezone
        if "days" in parts:
            e = parts["days"]
            raw = e.value.value
            if e.value.is_sequence:
                raw = [item.value for item in e.value.value]
            try:
                days = (parse_days(raw) if isinstance(raw, (str, list))
                        else parse_days(str(raw) if raw is not None else ""))
            except ScheduleError as error:
                v.add(e.value.line, e.value.column, f"invalid days {scope}: {error}")
                ok = False
        if "hours" in parts:
            e = parts["hours"]
            try:
                start, end = parse_hours(e.value.value)
            except ScheduleError as error:
                hint = "quote it: hours: \"08:00-19:00\"" if not isinstance(e.value.value, str) else None
                v.add(e.value.line, e.value.column, f"invalid hours {scope}: {error}", hint)
                ok = False
        if "timezone" in parts:
            zone = v.timezone(parts["timezone"], scope)
            if zone is None:
                ok = False
            else:
                timezone = zone
        if not ok:
            return None
        return Schedule(days=days, start_minute=start, end_minute=end, timezone=timezone)

    def describe(self, value: Any) -> str | None:
        return value.text if value is not None else None

    def check(self, snapshot: EndpointSnapshot, settings: Effective, now: datetime) -> CheckResult:
        schedule: Schedule | None = settings[self.key]
        if schedule is None:
            return CheckResult()
        local = schedule.local_time_text(now)
        if not schedule.is_active(now):
            reason = f"billing outside {self.key} {schedule.text} (now {local}) {settings.where}"
            return CheckResult(violations=(self.finding(schedule.text, local, reason, ActionSetting.of(settings)),))
        end = schedule.window_end(now)
        if end is None:
            return CheckResult()
        left = (end - now).total_seconds()
        warning = self.finding(schedule.text, local, f"{self.key} {schedule.text} window ends "
                                                     f"{format_time_left(left)} {settings.where}")
        return CheckResult(nearest=((left, f"{self.key} window end"),), warnings=warn_if_close(settings, left, warning))

    @staticmethod
    def zone_of(settings: Effective) -> str | None:
        """The schedule's time zone, when the rule has a schedule (exemption dates are read in it)."""
        schedule: Schedule | None = settings[ScheduleRule.key]
        return schedule.timezone if schedule is not None else None
