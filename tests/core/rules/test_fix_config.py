"""`fix_config`: broken configuration limits corrected through the API — what one update sets, when it is held back,
and the command that undoes it (watchdog/core/rules/fix_config.py). How `act` sends the update, the safety cap and
pause-all are tested in tests/core/test_reconfigure.py."""

from __future__ import annotations

import pytest

from tests.core.rules.support import FIX_POLICY, NOW, effective, fix_snap, snap
from watchdog.core.evaluate import evaluate
from watchdog.core.model import Action, ConfigFix, Decision, Finding, ScalingConfig
from watchdog.core.rules import Check
from watchdog.core.rules.fix_config import UPDATABLE_STATES, FixConfig, change_text, undo_command


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


# --- FixConfig.change() on its own -------------------------------------------------------------------------------

ON = effective(fix_config=True)


def broken(fix: ConfigFix | None, check: Check = Check.MAX_REPLICAS) -> Finding:
    return Finding(check, "1", "4", "a reason", Action.NOTIFY, fix)


def scaled(min_r: int | None, max_r: int | None, timeout: int | None, state: str = "running"):
    return snap("x", state, min_replicas=min_r, max_replicas=max_r, scale_to_zero_timeout_minutes=timeout)


def test_off_changes_nothing():
    assert FixConfig.change(scaled(1, 4, None), effective(), [broken(ConfigFix(max_replica=1))]) is None
    assert FixConfig.change(scaled(1, 4, None), effective(fix_config=False), [broken(ConfigFix(max_replica=1))]) is None


def test_violations_without_a_fix_change_nothing():
    # A broken uptime or idle limit has nothing to set: no reconfiguration, whatever fix_config says.
    assert FixConfig.change(scaled(1, 4, None), ON, [broken(None, Check.MAX_UPTIME)]) is None


def test_a_fix_that_asks_for_what_the_endpoint_already_has_changes_nothing():
    assert FixConfig.change(scaled(0, 1, 30), ON, [broken(ConfigFix(min_replica=0, max_replica=1))]) is None


def test_only_the_findings_with_a_fix_are_what_the_change_corrects():
    uptime, replicas = broken(None, Check.MAX_UPTIME), broken(ConfigFix(max_replica=1))
    change = FixConfig.change(scaled(0, 4, 15), ON, [uptime, replicas])
    assert change is not None and change.findings == (replicas,)


def test_each_field_takes_the_lowest_value_asked_and_the_rest_stays():
    fixes = [broken(ConfigFix(min_replica=0, scale_to_zero_timeout_minutes=60)),
             broken(ConfigFix(min_replica=1, scale_to_zero_timeout_minutes=30))]
    change = FixConfig.change(scaled(2, 4, None), ON, fixes)
    assert change is not None
    assert change.reconfiguration.before == ScalingConfig(2, 4, None)
    assert change.reconfiguration.after == ScalingConfig(0, 4, 30)  # max_replica 4: nobody asked
    assert change.reconfiguration.changes == "min_replica 2 → 0, scale_to_zero_timeout none → 30m"


@pytest.mark.parametrize(("state", "held_back"), [
    ("running", None),
    ("initializing", None),
    ("pending", None),
    ("updating", "not reconfigured this run: an update is already in progress"),
    ("paused", "not reconfigured while paused: an update may restart it"),
    ("scaledToZero", "not reconfigured while scaledToZero: an update may restart it"),
])
def test_held_back_unless_the_state_allows_an_update(state, held_back):
    change = FixConfig.change(scaled(0, 4, 15, state), ON, [broken(ConfigFix(max_replica=1))])
    assert change is not None and change.held_back == held_back
    assert (held_back is None) == (state in UPDATABLE_STATES)


# --- the undo command --------------------------------------------------------------------------------------------

def test_undo_restores_every_field_that_had_a_value():
    before, after = ScalingConfig(3, 4, 120), ScalingConfig(0, 1, 30)
    assert undo_command(scaled(3, 4, 120), before, after) == (
        "hf endpoints update x --namespace acme-ml --min-replica 3 --max-replica 4 --scale-to-zero-timeout 120", None)
    assert change_text(before, after) == "min_replica 3 → 0, max_replica 4 → 1, scale_to_zero_timeout 2h → 30m"


def test_undo_says_when_a_new_timeout_cannot_be_cleared():
    # Min replica goes back to 1 or more: the timeout it leaves has no effect.
    command, note = undo_command(scaled(1, 1, None), ScalingConfig(1, 1, None), ScalingConfig(0, 1, 60))
    assert command == "hf endpoints update x --namespace acme-ml --min-replica 1"
    assert note == ("the scale-to-zero timeout stays set: hf endpoints update cannot clear it, and it has no effect "
                    "once min replica is back to 1")
    # Min replica was already 0: the endpoint will sleep where it did not; the way back is a minimum of 1.
    command, note = undo_command(scaled(0, 1, None), ScalingConfig(0, 1, None), ScalingConfig(0, 1, 60))
    assert command == "hf endpoints update x --namespace acme-ml"
    assert note == ("the endpoint had no scale-to-zero timeout and hf endpoints update cannot clear one: add "
                    "--min-replica 1 to stop it from sleeping instead")


def test_unchanged_fields_are_not_in_the_change_text():
    assert change_text(ScalingConfig(1, 4, 30), ScalingConfig(1, 2, 30)) == "max_replica 4 → 2"
