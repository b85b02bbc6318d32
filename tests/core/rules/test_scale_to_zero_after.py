"""`scale_to_zero_after`: the endpoint must sleep by itself within this long without a request
(watchdog/core/rules/scale_to_zero_after.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import FIX_POLICY, NOW, RULE_1, effective, fix_snap, snap
from watchdog.core.evaluate import evaluate
from watchdog.core.model import Action, ConfigFix, Decision, ScalingConfig
from watchdog.core.policy import PolicyError, parse_policy
from watchdog.core.rules import Check, CheckResult
from watchdog.core.rules.scale_to_zero_after import ScaleToZeroAfter, timeout_text


def test_min_replica_1_is_fixed_to_0_with_the_rules_timeout():
    ev = evaluate(FIX_POLICY, fix_snap("sleepy-a", min_r=1, timeout=None), NOW)
    assert ev.decision is Decision.RECONFIGURE
    assert ev.reconfiguration.before == ScalingConfig(1, 1, None)
    assert ev.reconfiguration.after == ScalingConfig(0, 1, 30)
    assert ev.reconfiguration.update_arguments() == {"min_replica": 0, "scale_to_zero_timeout": 30}
    # The rule reference stays last, so Markdown and Slack can show it as code (issue 17).
    assert ev.reason == ('does not sleep within 30m idle (min_replicas 1, no scale-to-zero timeout) but '
                         'scale_to_zero_after 30m: fix min_replica 1 → 0, scale_to_zero_timeout none → 30m '
                         '(rule 3 "sleepy-*")')
    (finding,) = ev.violations
    assert finding.check is Check.SCALE_TO_ZERO_AFTER and finding.action is Action.NOTIFY
    assert finding.fix == ConfigFix(min_replica=0, scale_to_zero_timeout_minutes=30)


def test_a_too_long_timeout_is_shortened_and_a_short_one_kept():
    ev = evaluate(FIX_POLICY, fix_snap("sleepy-a", min_r=0, timeout=120), NOW)
    assert ev.decision is Decision.RECONFIGURE
    assert ev.reconfiguration.update_arguments() == {"scale_to_zero_timeout": 30}
    assert ev.reconfiguration.changes == "scale_to_zero_timeout 2h → 30m"
    assert ev.reconfiguration.undo == "hf endpoints update sleepy-a --namespace acme-ml --scale-to-zero-timeout 120"
    assert ev.reconfiguration.undo_note is None
    # Already sleeping within 30m: nothing to fix.
    assert evaluate(FIX_POLICY, fix_snap("sleepy-a", min_r=0, timeout=15), NOW).decision is Decision.KEEP
    # min_replica 1 with a short timeout: only min_replica changes.
    ev = evaluate(FIX_POLICY, fix_snap("sleepy-a", min_r=1, timeout=20), NOW)
    assert ev.reconfiguration.update_arguments() == {"min_replica": 0}


# --- check() on its own ------------------------------------------------------------------------------------------

BOUND = effective(scale_to_zero_after="30m")


def scaling(min_r: int | None, timeout: int | None, state: str = "running"):
    return snap("x", state, min_replicas=min_r, max_replicas=2, scale_to_zero_timeout_minutes=timeout)


def test_unset_checks_nothing():
    assert ScaleToZeroAfter().check(scaling(1, None), effective(), NOW) == CheckResult()


def test_an_unknown_minimum_is_never_a_violation_and_never_silent():
    result = ScaleToZeroAfter().check(scaling(None, None), effective(scale_to_zero_after="30m", action="pause"), NOW)
    assert result.violations == ()
    assert [n.kind for n in result.notices] == ["config-unknown"]
    assert "minReplica unknown" in result.notices[0].message and "scale_to_zero_after 30m" in result.notices[0].message


def test_a_timeout_exactly_at_the_bound_passes_one_minute_over_does_not():
    assert ScaleToZeroAfter().check(scaling(0, 30), BOUND, NOW) == CheckResult()
    (finding,) = ScaleToZeroAfter().check(scaling(0, 31), BOUND, NOW).violations
    assert (finding.limit, finding.observed) == ("30m", "scale-to-zero timeout 31m")
    assert finding.reason == ("does not sleep within 30m idle (scale-to-zero timeout 31m) but scale_to_zero_after 30m "
                              f"{RULE_1}")
    assert finding.fix == ConfigFix(min_replica=0, scale_to_zero_timeout_minutes=30)


@pytest.mark.parametrize(("min_r", "timeout", "observed", "fixed_timeout"), [
    (1, 15, "min_replicas 1", None),  # a short enough timeout is kept
    (1, None, "min_replicas 1, no scale-to-zero timeout", 30),
    (2, 120, "min_replicas 2, scale-to-zero timeout 2h", 30),
    (0, None, "no scale-to-zero timeout", 30),
])
def test_every_problem_is_named_and_the_fix_sets_only_what_is_wrong(min_r, timeout, observed, fixed_timeout):
    (finding,) = ScaleToZeroAfter().check(scaling(min_r, timeout), BOUND, NOW).violations
    assert finding.observed == observed
    assert finding.fix == ConfigFix(min_replica=0, scale_to_zero_timeout_minutes=fixed_timeout)


def test_acts_on_the_rules_own_action_only_while_billing():
    settings = effective(scale_to_zero_after="30m", action="pause")
    (finding,) = ScaleToZeroAfter().check(scaling(1, None), settings, NOW).violations
    assert finding.action is Action.PAUSE
    assert not ScaleToZeroAfter.billable_only
    (finding,) = ScaleToZeroAfter().check(scaling(1, None, "scaledToZero"), settings, NOW).violations
    assert finding.action is Action.NOTIFY


# --- parsing the policy key: whole minutes, in the API's range ---------------------------------------------------

def parse(value: str):
    return parse_policy(f"version: 1\nendpoints:\n  - match: x\n    scale_to_zero_after: {value}\n", "p.yaml")


@pytest.mark.parametrize(("value", "minutes"), [("15m", 15), ("48h", 2880), ("1h30m", 90), ("2d", 2880)])
def test_the_apis_range_is_accepted_to_its_ends(value, minutes):
    policy = parse(value)
    assert ScaleToZeroAfter.minutes(policy.effective(policy.rules[0])) == minutes


@pytest.mark.parametrize(("value", "problem"), [
    ("14m", "is outside the API's range of 15m to 48h"),
    ("48h1m", "is outside the API's range of 15m to 48h"),
    ("15m30s", "is not a whole number of minutes"),
])
def test_outside_the_range_or_not_whole_minutes_is_refused(value, problem):
    with pytest.raises(PolicyError) as caught:
        parse(value)
    (issue,) = caught.value.issues
    assert issue.message == f"invalid scale_to_zero_after in rule 1: '{value}' {problem}"


def test_minutes_and_timeout_text():
    assert ScaleToZeroAfter.minutes(effective()) is None
    assert [timeout_text(m) for m in (None, 15, 60, 90)] == ["none", "15m", "1h", "1h30m"]
