"""The settings every limit shares: `action`, `warn_before`, `owner` and `trust_updated_at`
(watchdog/core/rules/general.py, and `warn_if_close` in base.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    NOW,
    POLICY,
    ROW_FIELDS,
    N,
    P,
    Row,
    S,
    check_row,
    effective,
    snap,
    table,
)
from watchdog.core.evaluate import evaluate
from watchdog.core.model import Action, Finding, UptimeSource
from watchdog.core.rules import Check
from watchdog.core.rules.base import warn_if_close
from watchdog.core.rules.general import ActionSetting, Owner, TrustUpdatedAt, WarnBefore

CASES: list[Row] = [
    # --- action: what a broken limit does; configuration limits act only on the rule's own, only while billing
    ("l4-idle-scales-to-zero", snap("l4", up=3, idle=1.5, instance_type="nvidia-l4"), NOW, S, 14,
     'idle 1h30m > max_idle 1h (rule 14 "instance_type=nvidia-l4")', set()),
    ("notify-action", snap("notify-x", up=9), NOW, N, 15, "running 9h > max_uptime 8h", set()),
    ("config-explicit-action-acts", snap("s", tags=("strict-config",), max_replicas=4), NOW, S, 10,
     'autoscaling up to 4 replicas > max_replicas 1 (rule 10 "tag=strict-config")', set()),
    ("config-non-billable-only-notifies", snap("s", "paused", tags=("strict-config",), max_replicas=4), NOW, N, 10,
     "autoscaling up to 4 replicas", set()),
    # --- trust_updated_at: which uptime sources may justify acting
    ("weak-uptime-only-notifies", snap("misc", up=10, source=UptimeSource.UPDATED_AT), NOW, N, 0,
     "running 10h > max_uptime 8h, from status.updatedAt only (defaults)", {"uptime-weak"}),
    ("trusted-weak-uptime-pauses", snap("trusted-x", up=10, source=UptimeSource.UPDATED_AT), NOW, P, 11,
     "running 10h > max_uptime 8h", set()),
    ("state-source-pauses", snap("misc", up=10, source=UptimeSource.STATE), NOW, P, 0, "running 10h", set()),
    ("restart-only-notifies", snap("misc", up=10, source=UptimeSource.STATE_ACROSS_RESTART), NOW, N, 0,
     "running 10h > max_uptime 8h, from earlier runs, across a replica restart (defaults)", {"uptime-weak"}),
    ("trusted-restart-pauses", snap("trusted-x", up=10, source=UptimeSource.STATE_ACROSS_RESTART), NOW, P, 11,
     "running 10h > max_uptime 8h", set()),
    # Sightings of an endpoint that can sleep are never continuous evidence: trusting updatedAt does not lift that.
    ("sightings-only-notify", snap("misc", up=10, source=UptimeSource.SIGHTINGS), NOW, N, 0,
     "running 10h > max_uptime 8h, from earlier runs' sightings of an endpoint that can scale itself to zero",
     {"uptime-weak"}),
    ("trusted-sightings-still-notify", snap("trusted-x", up=10, source=UptimeSource.SIGHTINGS), NOW, N, 11,
     "from earlier runs' sightings", {"uptime-weak"}),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)


# --- action ------------------------------------------------------------------------------------------------------

def test_action_defaults_to_pause_and_reads_the_merged_value():
    assert ActionSetting.of(effective()) is Action.PAUSE
    assert ActionSetting.of(effective(defaults={"action": "notify"})) is Action.NOTIFY
    assert ActionSetting.of(effective(defaults={"action": "notify"}, action="scale-to-zero")) is Action.SCALE_TO_ZERO


@pytest.mark.parametrize(("defaults", "own", "state", "expected"), [
    (None, None, "running", Action.NOTIFY),  # no action anywhere: configuration limits nag
    ({"action": "pause"}, None, "running", Action.NOTIFY),  # inherited from defaults: still only a nag
    (None, "pause", "running", Action.PAUSE),  # the rule's own action, on a billing endpoint
    (None, "scale-to-zero", "initializing", Action.SCALE_TO_ZERO),
    (None, "pause", "paused", Action.NOTIFY),  # pausing a paused endpoint for its settings would do nothing
])
def test_configuration_limits_act_on_the_rules_own_action_while_billing(defaults, own, state, expected):
    settings = effective(defaults=defaults, **({"action": own} if own else {}))
    assert ActionSetting.for_config(snap("x", state), settings) is expected


def test_with_fix_config_configuration_limits_only_notify_and_are_fixed_instead():
    assert ActionSetting.for_config(snap("x"), effective(action="pause", fix_config=True)) is Action.NOTIFY


# --- warn_before -------------------------------------------------------------------------------------------------

def test_warnings_when_limits_are_close():
    # 3h20m of a 4h limit and 20m of a 30m limit: both within warn_before (1h, from defaults).
    result = evaluate(POLICY, snap("mert-a", up=3 + 1 / 3, idle=1 / 6), NOW)
    assert {w.check for w in result.warnings} == {"max_uptime", "max_idle"}
    assert any("max_uptime 4h reached in 40m" in w.reason for w in result.warnings)
    # A limit shorter than warn_before warns all the time: 30m of idle budget is always "within 1h".
    assert [w.check for w in evaluate(POLICY, snap("mert-a", up=1, idle=0), NOW).warnings] == ["max_idle"]
    assert evaluate(POLICY, snap("misc", up=1, idle=0), NOW).warnings == ()


WARNING = Finding(Check.MAX_UPTIME, "8h", "7h", "running 7h, max_uptime 8h reached in 1h")


@pytest.mark.parametrize(("left", "warned"), [(0, True), (3600, True), (3600.5, False), (-1, False)])
def test_a_warning_only_within_warn_before_and_never_once_passed(left, warned):
    assert warn_if_close(effective(warn_before="1h"), left, WARNING) == ((WARNING,) if warned else ())


def test_no_warn_before_no_warning_and_null_clears_the_default():
    assert warn_if_close(effective(), 0, WARNING) == ()
    assert WarnBefore.of(effective(defaults={"warn_before": "2h"})) == 7200
    assert WarnBefore.of(effective(defaults={"warn_before": "2h"}, warn_before=None)) is None


# --- owner -------------------------------------------------------------------------------------------------------

def test_owner_is_the_rules_else_the_defaults_and_null_clears_it():
    assert Owner.of(effective()) is None
    assert Owner.of(effective(owner="@mert")) == "@mert"
    assert Owner.of(effective(defaults={"owner": "@ml-team"})) == "@ml-team"
    assert Owner.of(effective(defaults={"owner": "@ml-team"}, owner=None)) is None


# --- trust_updated_at --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "weak", "weak_when_trusted"), [
    (UptimeSource.REPLICA, False, False),
    (UptimeSource.STATE, False, False),
    (UptimeSource.STATE_ACROSS_RESTART, True, False),
    (UptimeSource.UPDATED_AT, True, False),
    (UptimeSource.SIGHTINGS, True, True),
])
def test_which_uptime_sources_are_weak_and_which_trust_lifts(source, weak, weak_when_trusted):
    running = snap("x", up=10, source=source)
    assert TrustUpdatedAt.weak_uptime(running, effective()) is weak
    assert TrustUpdatedAt.weak_uptime(running, effective(trust_updated_at=True)) is weak_when_trusted


def test_the_weak_notice_says_when_trust_would_lift_it():
    updated_at = TrustUpdatedAt.weak_notice(snap("x", source=UptimeSource.UPDATED_AT))
    assert updated_at.startswith("acme-ml/x: uptime comes from status.updatedAt only, so")
    assert updated_at.endswith(", so it is reported, not acted on (trust_updated_at: true allows it)")
    assert TrustUpdatedAt.weak_notice(snap("x", source=UptimeSource.SIGHTINGS)).endswith(
        "so it is reported, not acted on")


def test_uptime_action_is_the_rules_action_unless_uptime_is_weak():
    settings = effective(action="scale-to-zero")
    assert TrustUpdatedAt.uptime_action(snap("x"), settings, "running 9h > max_uptime 8h") == (
        Action.SCALE_TO_ZERO, 'running 9h > max_uptime 8h (rule 1 "*")')
    assert TrustUpdatedAt.uptime_action(snap("x", source=UptimeSource.SIGHTINGS), settings, "body") == (
        Action.NOTIFY, "body, from earlier runs' sightings of an endpoint that can scale itself to zero "
                       '(rule 1 "*")')
