"""`max_cost: USD` — the most the current billable stretch may cost (price per replica-hour × replicas × hours)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from watchdog.core.durations import format_time_left
from watchdog.core.model import EndpointSnapshot, Notice, NoticeKind
from watchdog.core.rules.base import CheckResult, LimitCheck, Validator, Where, warn_if_close
from watchdog.core.rules.general import TrustUpdatedAt

if TYPE_CHECKING:
    from watchdog.core.policy.model import Effective
    from watchdog.core.policy.yaml_nodes import Entry


def usd(amount: float) -> str:
    return f"${amount:,.2f}"


def usd_limit(amount: float) -> str:
    # As people write limits: `$40`, `$12.50`.
    return f"${amount:,.0f}" if amount == int(amount) else f"${amount:,.2f}"


class MaxCost(LimitCheck):
    key = "max_cost"
    clearable = True

    def parse(self, entry: Entry, v: Validator, where: Where) -> Any:
        value = entry.value.value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
            return float(value)
        hint = "a number of US dollars without '$', e.g. 40" if isinstance(value, str) else None
        v.add(entry.value.line, entry.value.column,
              f"invalid {self.key} {where.scope}: expected a positive number of USD, got {v.show(value)}", hint)
        return None

    def describe(self, value: Any) -> str | None:
        return usd_limit(value) if value is not None else None

    def check(self, snapshot: EndpointSnapshot, settings: Effective, now: datetime) -> CheckResult:
        limit_usd: float | None = settings[self.key]
        if limit_usd is None:
            return CheckResult()
        limit = usd_limit(limit_usd)
        stretch = snapshot.stretch_cost(now)
        rate = snapshot.hourly_usd
        if stretch is None or rate is None:
            # Never a silent pass (the limit would just stop applying) and never a pause on missing data: a
            # notify-level finding says the limit could not be checked, and why.
            missing = f"no price for instance {snapshot.instance!r}" if rate is None else "uptime unknown"
            reason = f"stretch cost unknown ({missing}): {self.key} {limit} cannot be checked {settings.where}"
            notice = Notice(NoticeKind.COST_UNKNOWN, f"{snapshot.key}: {missing}, {self.key} {limit} cannot be checked")
            return CheckResult(violations=(self.finding(limit, "unknown", reason),), notices=(notice,))
        # A stretch whose replica count changed is priced at a lower bound (`core/stretch_cost.py`): over the limit
        # it is over for sure; under it, it may not be, and the reason says so.
        cost = stretch.usd
        observed = usd(cost) if stretch.exact else f"at least {usd(cost)}"
        if cost > limit_usd:
            action, reason = TrustUpdatedAt.uptime_action(snapshot, settings,
                                                          f"stretch cost {observed} > {self.key} {limit}")
            over = CheckResult(violations=(self.finding(limit, observed, reason, action),))
            return TrustUpdatedAt.with_weak_notice(over, snapshot, settings)
        if rate <= 0:
            return CheckResult()
        left = (limit_usd - cost) / rate * 3600
        warning = self.finding(limit, observed, f"stretch cost {observed}, {self.key} {limit} reached "
                                                f"{format_time_left(left)} at {usd(rate)}/h {settings.where}")
        return CheckResult(nearest=((left, f"{self.key} {limit}"),), warnings=warn_if_close(settings, left, warning))
