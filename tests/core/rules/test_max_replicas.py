"""`max_replicas`: the autoscaling ceiling an endpoint's configuration may have
(watchdog/core/rules/max_replicas.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    FIX_POLICY,
    NOW,
    ROW_FIELDS,
    RULE_1,
    N,
    Row,
    check_row,
    effective,
    fix_snap,
    snap,
    table,
)
from watchdog.core.evaluate import evaluate
from watchdog.core.model import Action, ConfigFix, Decision, ScalingConfig
from watchdog.core.rules import CheckResult
from watchdog.core.rules.max_replicas import MaxReplicas

CASES: list[Row] = [
    # Config hygiene notifies by default (the rule names no action of its own).
    ("config-max-replicas-notifies", snap("g", tags=("gpu-heavy",), max_replicas=4, min_replicas=0,
                                          scale_to_zero_timeout_minutes=15), NOW, N, 9,
     'autoscaling up to 4 replicas > max_replicas 1 (rule 9 "tag=gpu-heavy")', set()),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)


def test_max_replicas_is_lowered_and_a_minimum_above_it_comes_down_too():
    ev = evaluate(FIX_POLICY, fix_snap("sleepy-a", min_r=0, max_r=8, timeout=15), NOW)
    assert ev.reconfiguration.update_arguments() == {"max_replica": 2}
    assert ev.reconfiguration.undo == "hf endpoints update sleepy-a --namespace acme-ml --max-replica 8"
    ev = evaluate(FIX_POLICY, fix_snap("strict-a", min_r=3, max_r=4), NOW)
    assert ev.decision is Decision.RECONFIGURE
    assert ev.reconfiguration.after == ScalingConfig(1, 1, None)
    assert ev.reconfiguration.undo == "hf endpoints update strict-a --namespace acme-ml --min-replica 3 --max-replica 4"


# --- check() on its own ------------------------------------------------------------------------------------------

def scaled(min_r: int | None, max_r: int | None, state: str = "running"):
    return snap("x", state, min_replicas=min_r, max_replicas=max_r)


def test_unset_checks_nothing():
    assert MaxReplicas().check(scaled(0, 100), effective(), NOW) == CheckResult()


def test_exactly_at_the_ceiling_is_fine_one_above_is_not():
    assert MaxReplicas().check(scaled(0, 2), effective(max_replicas=2), NOW) == CheckResult()
    (finding,) = MaxReplicas().check(scaled(0, 3), effective(max_replicas=2), NOW).violations
    assert (finding.check, finding.limit, finding.observed) == ("max_replicas", "2", "3")
    assert finding.reason == f"autoscaling up to 3 replicas > max_replicas 2 {RULE_1}"
    assert finding.fix == ConfigFix(max_replica=2)


@pytest.mark.parametrize(("min_r", "fixed_min"), [(None, None), (0, None), (2, None), (3, 2)])
def test_the_minimum_comes_down_only_when_above_the_ceiling(min_r, fixed_min):
    (finding,) = MaxReplicas().check(scaled(min_r, 4), effective(max_replicas=2), NOW).violations
    assert finding.fix == ConfigFix(max_replica=2, min_replica=fixed_min)


def test_an_unknown_ceiling_is_never_a_violation_and_never_silent():
    # The listing did not say how far it scales: nothing to compare, so no finding, and certainly no pause; a
    # notice says the limit could not be checked.
    result = MaxReplicas().check(scaled(1, None), effective(max_replicas=1, action="pause"), NOW)
    assert result.violations == ()
    assert [(n.kind, n.message) for n in result.notices] == [
        ("config-unknown", "acme-ml/x: maxReplica unknown (not in the API's answer), max_replicas 1 cannot be checked")]


def test_checked_on_endpoints_that_do_not_bill_and_then_only_notifies():
    assert not MaxReplicas.billable_only
    (finding,) = MaxReplicas().check(scaled(0, 4, "paused"), effective(max_replicas=1, action="pause"),
                                     NOW).violations
    assert finding.action is Action.NOTIFY
    (finding,) = MaxReplicas().check(scaled(0, 4), effective(max_replicas=1, action="pause"), NOW).violations
    assert finding.action is Action.PAUSE
