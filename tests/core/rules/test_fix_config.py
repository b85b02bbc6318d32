"""`fix_config`: broken configuration limits corrected through the API — what one update sets, when it is held back,
and the command that undoes it (watchdog/core/rules/fix_config.py). How `act` sends the update, the safety cap and
pause-all are tested in tests/core/test_reconfigure.py."""

from __future__ import annotations

import pytest

from tests.core.rules.support import FIX_POLICY, NOW, fix_snap
from watchdog.core.evaluate import evaluate
from watchdog.core.model import Action, Decision, ScalingConfig
from watchdog.core.rules import Check


def test_several_broken_limits_merge_into_the_lowest_value_each_asks_for():
    ev = evaluate(FIX_POLICY, fix_snap("sleepy-a", min_r=1, max_r=8, timeout=None), NOW)
    assert ev.reconfiguration.after == ScalingConfig(0, 2, 30)
    assert ev.reason.endswith('fix min_replica 1 → 0, max_replica 8 → 2, scale_to_zero_timeout none → 30m '
                              '(rule 3 "sleepy-*")')
    assert {f.check for f in ev.violations} == {Check.MAX_REPLICAS, Check.SCALE_TO_ZERO_AFTER}


@pytest.mark.parametrize("state", ["paused", "scaledToZero", "failed", "updateFailed"])
def test_an_endpoint_that_is_not_running_is_not_updated(state):
    ev = evaluate(FIX_POLICY, fix_snap("sleepy-a", state, min_r=1), NOW)
    assert ev.decision is Decision.NOTIFY and ev.reconfiguration is None
    assert ev.reason.endswith(f'; not reconfigured while {state}: an update may restart it (rule 3 "sleepy-*")')


def test_an_endpoint_already_updating_is_left_alone_this_run():
    ev = evaluate(FIX_POLICY, fix_snap("sleepy-a", "updating", min_r=1), NOW)
    assert ev.decision is Decision.NOTIFY
    assert ev.reason.endswith('; not reconfigured this run: an update is already in progress (rule 3 "sleepy-*")')


def test_initializing_endpoints_are_reconfigured():
    assert evaluate(FIX_POLICY, fix_snap("sleepy-a", "initializing", min_r=1), NOW).decision is Decision.RECONFIGURE


def test_without_fix_config_configuration_limits_keep_their_meaning():
    ev = evaluate(FIX_POLICY, fix_snap("nag-a", min_r=1), NOW)
    assert ev.decision is Decision.PAUSE and ev.reconfiguration is None  # the rule's own action, billing
    assert ev.violations[0].fix is not None  # what would fix it is still known
    assert evaluate(FIX_POLICY, fix_snap("nag-a", "paused", min_r=1), NOW).decision is Decision.NOTIFY


def test_fix_config_replaces_the_rules_own_action_for_configuration_limits():
    ev = evaluate(FIX_POLICY, fix_snap("strict-a", min_r=1, max_r=4), NOW)
    assert ev.decision is Decision.RECONFIGURE
    assert all(f.action is Action.NOTIFY for f in ev.violations)
