"""`scale_to_zero_after`: the endpoint must sleep by itself within this long without a request
(watchdog/core/rules/scale_to_zero_after.py)."""

from __future__ import annotations

from tests.core.rules.support import FIX_POLICY, NOW, fix_snap
from watchdog.core.evaluate import evaluate
from watchdog.core.model import Action, ConfigFix, Decision, ScalingConfig
from watchdog.core.rules import Check


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
