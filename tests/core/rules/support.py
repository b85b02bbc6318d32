"""What the rule tests share: the policy of the decision table, the snapshot builder, the row check, and a helper
that gives one rule's merged settings for calling its `check` directly.

The decision table is one table split by rule: `tests/core/test_evaluate.py` keeps the rows about evaluation as a
whole, each `tests/core/rules/test_<rule>.py` the rows about its rule. Every row names a rule of `POLICY` by index,
so all of them read against the same policy text below.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from watchdog.core.evaluate import evaluate
from watchdog.core.model import Decision, EndpointSnapshot, IdleSource, UptimeSource
from watchdog.core.policy import Effective, parse_policy

POLICY = parse_policy(
    """\
version: 1
timezone: Europe/Paris
defaults:
  max_uptime: 8h
  max_idle: 2h
  warn_before: 1h
endpoints:
  - match: "prod-*"                                   # 1
    protected: true
  - match: {namespace: acme-ml, name: "mert-*"}       # 2
    max_uptime: 4h
    max_idle: 30m
    owner: "@mert"
  - match: "paris-*"                                  # 3
    schedule: {days: mon-fri, hours: "08:00-19:00"}
  - match: "ny-*"                                     # 4
    schedule: {days: mon-fri, hours: "08:00-19:00", timezone: America/New_York}
  - match: "night-*"                                  # 5
    schedule: {days: fri, hours: "22:00-06:00"}
  - match: "weekend-*"                                # 6
    schedule: {days: fri-mon}
  - match: "bench-*"                                  # 7
    max_cost: 40
    max_uptime: null
    exempt_until: 2026-12-15
    reason: paper
  - match: "old-*"                                    # 8
    exempt_until: 2026-01-10
    reason: finished
  - match: {tag: gpu-heavy}                           # 9
    max_replicas: 1
    require_scale_to_zero: true
  - match: {tag: strict-config}                       # 10
    max_replicas: 1
    action: scale-to-zero
  - match: "trusted-*"                                # 11
    trust_updated_at: true
  - match: "quiet-*"                                  # 12
    on_unknown_idle: ignore
  - match: "strict-idle-*"                            # 13
    on_unknown_idle: pause
  - match: {instance_type: nvidia-l4}                 # 14
    max_idle: 1h
    action: scale-to-zero
  - match: "notify-*"                                 # 15
    action: notify
  - match: "cost-*"                                   # 16
    max_cost: 40
    max_uptime: null
""",
    "policies.yaml",
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday: 11:00 in Paris, 05:00 in New York


def at(year: int, month: int, day: int, hour: int, minute: int = 0, zone: ZoneInfo | None = None) -> datetime:
    """An instant given as wall-clock time in `zone` (UTC when omitted)."""
    return datetime(year, month, day, hour, minute, tzinfo=zone or UTC)


def snap(name: str, state: str = "running", *, now: datetime = NOW, up: float | None = 1.0, idle: float | None = 0.1,
         namespace: str = "acme-ml", source: UptimeSource = UptimeSource.REPLICA, **fields) -> EndpointSnapshot:
    """A snapshot running for `up` hours with its last request `idle` hours before `now` (None = unknown)."""
    billable = state in ("pending", "initializing", "updating", "running")
    return EndpointSnapshot(
        namespace=namespace,
        name=name,
        state=state,
        running_since=now - timedelta(hours=up) if (up is not None and billable) else None,
        running_since_source=source if (up is not None and billable) else UptimeSource.UNKNOWN,
        last_activity=now - timedelta(hours=idle) if idle is not None else None,
        last_activity_source=IdleSource.LAST_USED_AT if idle is not None else IdleSource.UNKNOWN,
        **fields,
    )


K, P, S, N, PR, EX = (Decision.KEEP, Decision.PAUSE, Decision.SCALE_TO_ZERO, Decision.NOTIFY, Decision.PROTECTED,
                      Decision.EXEMPT)

# A row: (id, snapshot, now, decision, rule index, text the reason must contain, exact set of notice kinds).
Row = tuple[str, EndpointSnapshot, datetime, Decision, int, str, set[str]]
ROW_FIELDS = ("snapshot", "now", "decision", "rule_index", "reason", "notice_kinds")


def table(cases: list[Row]) -> list[Any]:
    """The rows as pytest parameters for `ROW_FIELDS`, each named by its id."""
    return [pytest.param(*case[1:], id=case[0]) for case in cases]


def check_row(snapshot: EndpointSnapshot, now: datetime, decision: Decision, rule_index: int, reason: str,
              notice_kinds: set[str]) -> None:
    """One row of the decision table: `POLICY` decides `decision` by rule `rule_index`, with `reason` in its reason
    and exactly `notice_kinds` among its notices."""
    result = evaluate(POLICY, snapshot, now)
    assert result.decision is decision, result.reason
    assert result.rule.index == rule_index
    assert reason in result.reason
    assert {n.kind for n in result.notices} == notice_kinds


def effective(defaults: dict[str, Any] | None = None, **keys: Any) -> Effective:
    """The merged settings of a policy whose one rule (`match: "*"`, reasons end `(rule 1 "*")`) sets `keys` over
    `defaults`, written as in a policy file (`max_uptime="8h"`, `max_cost=40`, `schedule={"days": "mon-fri"}`)."""
    document: dict[str, Any] = {"version": 1, "defaults": defaults} if defaults else {"version": 1}
    document["endpoints"] = [{"match": "*", **keys}]
    text = yaml.safe_dump(document, sort_keys=False)
    policy = parse_policy(text, "p.yaml")
    return policy.effective(policy.rules[0])


RULE_1 = '(rule 1 "*")'


# --- configuration limits and fix_config (issue #12): the policy and snapshots of tests/core/test_reconfigure.py
# and of the configuration rules' tests. Reasons name these rules by index too.

FIX_POLICY = parse_policy(
    """\
version: 1
defaults: {max_uptime: 12h, max_idle: 2h}
endpoints:
  - match: "prod-*"
    protected: true
    scale_to_zero_after: 30m
    fix_config: true
  - match: "paper-*"
    scale_to_zero_after: 30m
    fix_config: true
    exempt_until: 2099-01-01
    reason: deadline
  - match: "sleepy-*"                 # 3
    scale_to_zero_after: 30m
    max_replicas: 2
    fix_config: true
  - match: "hygiene-*"                # 4: require_scale_to_zero alone: the platform default 1h when fixing
    require_scale_to_zero: true
    fix_config: true
  - match: "both-*"                   # 5: require_scale_to_zero with a bound: the bound is the timeout
    require_scale_to_zero: true
    scale_to_zero_after: 2h
    fix_config: true
  - match: "strict-*"                 # 6: the rule's own action pauses, fix_config replaces it
    max_replicas: 1
    action: pause
    fix_config: true
  - match: "nag-*"                    # 7: no fix_config: today's behaviour (the rule's action, while billing)
    scale_to_zero_after: 30m
    action: pause
""",
    "policies.yaml",
)


def fix_snap(name: str, state: str = "running", *, up: float = 1.0, idle: float | None = 0.1, min_r: int | None = 1,
             max_r: int | None = 1, timeout: int | None = None, namespace: str = "acme-ml") -> EndpointSnapshot:
    """A snapshot with scaling `min_r`..`max_r` and a scale-to-zero `timeout` in minutes, priced $1/h."""
    billable = state in ("pending", "initializing", "updating", "running")
    return EndpointSnapshot(
        namespace=namespace, name=name, state=state,
        running_since=NOW - timedelta(hours=up) if billable else None,
        running_since_source=UptimeSource.REPLICA if billable else UptimeSource.NOT_BILLABLE,
        last_activity=NOW - timedelta(hours=idle) if idle is not None else None,
        last_activity_source=IdleSource.LAST_USED_AT if idle is not None else IdleSource.UNKNOWN,
        min_replicas=min_r, max_replicas=max_r, scale_to_zero_timeout_minutes=timeout,
        price_per_replica_hour=1.0, ready_replicas=1, target_replicas=1,
    )
