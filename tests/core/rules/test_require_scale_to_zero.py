"""`require_scale_to_zero`: the configuration must let the endpoint sleep
(watchdog/core/rules/require_scale_to_zero.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    FIX_POLICY,
    NOW,
    ROW_FIELDS,
    RULE_1,
    K,
    N,
    Row,
    check_row,
    effective,
    fix_snap,
    snap,
    table,
)
from watchdog.core.evaluate import evaluate
from watchdog.core.model import Action, ConfigFix, ScalingConfig
from watchdog.core.rules import CheckResult
from watchdog.core.rules.require_scale_to_zero import PLATFORM_DEFAULT_TIMEOUT_MINUTES, RequireScaleToZero

CASES: list[Row] = [
    ("config-min-replicas", snap("g", tags=("gpu-heavy",), max_replicas=1, min_replicas=1), NOW, N, 9,
     "scale-to-zero not enabled (min_replicas 1) but require_scale_to_zero", set()),
    ("config-no-timeout", snap("g", tags=("gpu-heavy",), max_replicas=1, min_replicas=0), NOW, N, 9,
     "scale-to-zero not enabled (no scale-to-zero timeout)", set()),
    ("config-clean", snap("g", tags=("gpu-heavy",), max_replicas=1, min_replicas=0, scale_to_zero_timeout_minutes=15),
     NOW, K, 9, "within limits", set()),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)


def test_require_scale_to_zero_alone_sets_the_platform_default_of_one_hour():
    ev = evaluate(FIX_POLICY, fix_snap("hygiene-a", min_r=1, timeout=None), NOW)
    assert ev.reconfiguration.after == ScalingConfig(0, 1, 60)
    ev = evaluate(FIX_POLICY, fix_snap("hygiene-a", min_r=0, timeout=None), NOW)
    assert ev.reconfiguration.update_arguments() == {"scale_to_zero_timeout": 60}
    # No timeout before and min replica already 0: hf endpoints update cannot restore "no timeout"; say so.
    assert ev.reconfiguration.undo == "hf endpoints update hygiene-a --namespace acme-ml"
    assert "cannot clear one" in ev.reconfiguration.undo_note and "--min-replica 1" in ev.reconfiguration.undo_note
    # Timeout already set: only minReplica changes, the timeout is kept.
    ev = evaluate(FIX_POLICY, fix_snap("hygiene-a", min_r=2, max_r=2, timeout=240), NOW)
    assert ev.reconfiguration.update_arguments() == {"min_replica": 0}


def test_require_scale_to_zero_with_scale_to_zero_after_uses_that_bound():
    ev = evaluate(FIX_POLICY, fix_snap("both-a", min_r=1, timeout=None), NOW)
    assert ev.reconfiguration.after == ScalingConfig(0, 1, 120)
    assert "the scale-to-zero timeout stays set" in ev.reconfiguration.undo_note
    assert ev.reconfiguration.undo == "hf endpoints update both-a --namespace acme-ml --min-replica 1"


# --- check() on its own ------------------------------------------------------------------------------------------

def scaling(min_r: int | None, timeout: int | None, state: str = "running"):
    return snap("x", state, min_replicas=min_r, max_replicas=2, scale_to_zero_timeout_minutes=timeout)


def test_off_checks_nothing():
    assert RequireScaleToZero().check(scaling(1, None), effective(), NOW) == CheckResult()
    assert RequireScaleToZero().check(scaling(1, None), effective(require_scale_to_zero=False), NOW) == CheckResult()


def test_sleeping_configuration_passes():
    assert RequireScaleToZero().check(scaling(0, 15), effective(require_scale_to_zero=True), NOW) == CheckResult()


def test_an_unknown_minimum_is_never_a_violation_and_never_silent():
    # The listing did not say: nothing to compare, so no finding, and certainly no pause; a notice says so.
    result = RequireScaleToZero().check(scaling(None, None), effective(require_scale_to_zero=True, action="pause"),
                                        NOW)
    assert result.violations == ()
    assert [n.kind for n in result.notices] == ["config-unknown"]
    message = result.notices[0].message
    assert "minReplica unknown" in message and "require_scale_to_zero true cannot be checked" in message
    assert RequireScaleToZero().check(scaling(None, None), effective(), NOW) == CheckResult()  # not asked: silent


def test_a_minimum_above_zero_keeps_a_timeout_already_set():
    (finding,) = RequireScaleToZero().check(scaling(1, 240), effective(require_scale_to_zero=True), NOW).violations
    assert (finding.check, finding.limit, finding.observed) == ("require_scale_to_zero", "true", "min_replicas 1")
    assert finding.reason == f"scale-to-zero not enabled (min_replicas 1) but require_scale_to_zero {RULE_1}"
    assert finding.fix == ConfigFix(min_replica=0, scale_to_zero_timeout_minutes=None)


def test_no_timeout_is_fixed_with_the_platform_default_or_the_rules_bound():
    assert PLATFORM_DEFAULT_TIMEOUT_MINUTES == 60
    (finding,) = RequireScaleToZero().check(scaling(0, None), effective(require_scale_to_zero=True), NOW).violations
    assert finding.observed == "no scale-to-zero timeout"
    assert finding.fix == ConfigFix(min_replica=0, scale_to_zero_timeout_minutes=60)
    bounded = effective(require_scale_to_zero=True, scale_to_zero_after="30m")
    (finding,) = RequireScaleToZero().check(scaling(1, None), bounded, NOW).violations
    assert finding.observed == "min_replicas 1"  # the minimum is named first when both are wrong
    assert finding.fix == ConfigFix(min_replica=0, scale_to_zero_timeout_minutes=30)


def test_acts_on_the_rules_own_action_only_while_billing():
    settings = effective(require_scale_to_zero=True, action="scale-to-zero")
    (finding,) = RequireScaleToZero().check(scaling(1, None), settings, NOW).violations
    assert finding.action is Action.SCALE_TO_ZERO
    assert not RequireScaleToZero.billable_only
    (finding,) = RequireScaleToZero().check(scaling(1, None, "paused"), settings, NOW).violations
    assert finding.action is Action.NOTIFY
