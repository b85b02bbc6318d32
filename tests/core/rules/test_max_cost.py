"""`max_cost`: the most the current billable stretch may cost (watchdog/core/rules/max_cost.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    NOW,
    POLICY,
    ROW_FIELDS,
    RULE_1,
    K,
    N,
    P,
    Row,
    check_row,
    effective,
    snap,
    table,
)
from watchdog.core.evaluate import evaluate
from watchdog.core.model import Action, NoticeKind, UptimeSource
from watchdog.core.policy import PolicyError, parse_policy
from watchdog.core.rules import CheckResult
from watchdog.core.rules.max_cost import MaxCost

CASES: list[Row] = [
    ("cost-over", snap("cost-x", up=9, price_per_replica_hour=5.0), NOW, P, 16, "stretch cost $45.00 > max_cost $40",
     set()),
    ("cost-replicas-count", snap("cost-x", up=5, price_per_replica_hour=5.0, ready_replicas=2, target_replicas=2,
                                 min_replicas=2, max_replicas=2), NOW, P, 16, "stretch cost $50.00 > max_cost $40",
     set()),
    # Two replicas now, one allowed, no earlier run: all the stretch is known to have cost is one replica's hours.
    ("cost-replicas-may-have-changed", snap("cost-x", up=5, price_per_replica_hour=5.0, ready_replicas=2,
                                            target_replicas=2, min_replicas=1, max_replicas=2), NOW, K, 16,
     "within limits (nearest: max_cost $40 in 1h30m)", set()),
    # Unknown cost is never a silent pass (issue 10): a notify-level finding, never a pause.
    ("cost-price-unknown", snap("cost-x", up=30), NOW, N, 16,
     "stretch cost unknown (no price for instance", {"cost-unknown"}),
    ("cost-uptime-unknown", snap("cost-x", up=None, price_per_replica_hour=5.0), NOW, N, 16,
     "stretch cost unknown (uptime unknown): max_cost $40 cannot be checked", {"cost-unknown"}),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)


def test_warning_for_cost_rate():
    cost = evaluate(POLICY, snap("cost-x", up=7.5, price_per_replica_hour=5.0), NOW)
    assert [w.reason for w in cost.warnings] == [
        'stretch cost $37.50, max_cost $40 reached in 30m at $5.00/h (rule 16 "cost-*")'
    ]


# --- check() on its own ------------------------------------------------------------------------------------------

def priced(up: float | None, price: float | None = 5.0, source: UptimeSource = UptimeSource.REPLICA, **fields):
    return snap("x", up=up, price_per_replica_hour=price, source=source, instance="aws-gpu-x1", **fields)


def test_unset_checks_nothing_however_much_it_costs():
    assert MaxCost().check(priced(1000), effective(), NOW) == CheckResult()


def test_exactly_at_the_limit_is_not_a_violation_and_is_reached_now():
    result = MaxCost().check(priced(8), effective(max_cost=40, warn_before="1h"), NOW)  # $5/h × 8h = $40.00
    assert result.violations == ()
    assert result.nearest == ((0, "max_cost $40"),)
    assert [w.reason for w in result.warnings] == [
        f"stretch cost $40.00, max_cost $40 reached now at $5.00/h {RULE_1}"]


def test_a_cent_over_the_limit_takes_the_rules_action():
    eight_hours_and_8s = 8 + 8 / 3600  # $40.01
    (finding,) = MaxCost().check(priced(eight_hours_and_8s), effective(max_cost=40), NOW).violations
    assert (finding.action, finding.limit, finding.observed) == (Action.PAUSE, "$40", "$40.01")
    assert finding.reason == f"stretch cost $40.01 > max_cost $40 {RULE_1}"
    (finding,) = MaxCost().check(priced(9), effective(max_cost=40, action="scale-to-zero"), NOW).violations
    assert finding.action is Action.SCALE_TO_ZERO


@pytest.mark.parametrize(("up", "price", "missing"), [
    (30, None, "no price for instance 'aws-gpu-x1'"),
    (None, 5.0, "uptime unknown"),
    (None, None, "no price for instance 'aws-gpu-x1'"),  # the price is named first: uptime alone would not do
])
def test_unknown_cost_notifies_and_says_why_never_pauses(up, price, missing):
    result = MaxCost().check(priced(up, price), effective(max_cost=40, action="pause"), NOW)
    (finding,) = result.violations
    assert (finding.action, finding.limit, finding.observed) == (Action.NOTIFY, "$40", "unknown")
    assert finding.reason == f"stretch cost unknown ({missing}): max_cost $40 cannot be checked {RULE_1}"
    (notice,) = result.notices
    assert notice.kind is NoticeKind.COST_UNKNOWN
    assert notice.message == f"acme-ml/x: {missing}, max_cost $40 cannot be checked"


def test_cost_on_weak_uptime_only_notifies_unless_trusted():
    (finding,) = MaxCost().check(priced(9, source=UptimeSource.UPDATED_AT), effective(max_cost=40), NOW).violations
    assert finding.action is Action.NOTIFY
    assert finding.reason == f"stretch cost $45.00 > max_cost $40, from status.updatedAt only {RULE_1}"
    (finding,) = MaxCost().check(priced(9, source=UptimeSource.UPDATED_AT),
                                 effective(max_cost=40, trust_updated_at=True), NOW).violations
    assert finding.action is Action.PAUSE


def test_a_free_instance_never_reaches_its_limit():
    # Price 0: the cost stays $0.00, and "reached in" would divide by zero.
    assert MaxCost().check(priced(1000, price=0.0), effective(max_cost=40, warn_before="1h"), NOW) == CheckResult()


@pytest.mark.parametrize(("up", "left", "warned"), [(7, 3600, True), (7 - 1 / 60, 3657.6, False)])
def test_warning_exactly_within_warn_before_at_the_current_rate(up, left, warned):
    # $5/h: $35.00 after 7h leaves exactly 1h; $34.92 after 6h59m leaves 1h0m57.6s.
    result = MaxCost().check(priced(up), effective(max_cost=40, warn_before="1h"), NOW)
    assert result.violations == ()
    ((seconds_left, what),) = result.nearest
    assert (seconds_left, what) == (pytest.approx(left), "max_cost $40")
    assert len(result.warnings) == (1 if warned else 0)


def test_the_rate_counts_billed_replicas():
    result = MaxCost().check(priced(1, ready_replicas=3, target_replicas=4, min_replicas=4, max_replicas=4),
                             effective(max_cost=40, warn_before="1h"), NOW)
    # $5/h × 4 replicas: $20.00 after 1h, $20 left at $20/h.
    assert [w.reason for w in result.warnings] == [
        f"stretch cost $20.00, max_cost $40 reached in 1h at $20.00/h {RULE_1}"]


# --- parsing and showing the policy key --------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0", "-5", "true", ".inf", ".nan", "[40]"])
def test_only_a_positive_finite_number_is_a_limit(value):
    with pytest.raises(PolicyError) as caught:
        parse_policy(f"version: 1\nendpoints:\n  - match: x\n    max_cost: {value}\n", "p.yaml")
    (issue,) = caught.value.issues
    assert issue.message.startswith("invalid max_cost in rule 1: expected a positive number of USD, got ")
    assert issue.hint is None  # the dollar-sign hint is for strings only


def test_limits_read_as_people_write_them():
    assert effective(max_cost=40)["max_cost"] == 40.0
    assert [MaxCost().describe(v) for v in (40.0, 12.5, 1234.0, None)] == ["$40", "$12.50", "$1,234", None]
