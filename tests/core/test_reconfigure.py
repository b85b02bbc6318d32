"""fix_config and scale_to_zero_after (issue #12): what each configuration limit asks for, how the evaluator turns the
broken ones into one reconfigure decision, when it holds back, the undo command, and how `act` sends it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from watchdog.adapters.interface import EndpointGone, HubError
from watchdog.core.evaluate import evaluate
from watchdog.core.model import (
    Action,
    ConfigFix,
    Decision,
    EndpointSnapshot,
    IdleSource,
    Outcome,
    ScalingConfig,
    UptimeSource,
)
from watchdog.core.outcomes import pause_all_evaluations, planned_outcomes
from watchdog.core.policy import parse_policy
from watchdog.core.rules import Check
from watchdog.operations.sweep import act

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

POLICY = parse_policy(
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


def snap(name: str, state: str = "running", *, up: float = 1.0, idle: float | None = 0.1, min_r: int | None = 1,
         max_r: int | None = 1, timeout: int | None = None, namespace: str = "acme-ml") -> EndpointSnapshot:
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


# --- what each configuration limit asks for ---------------------------------------------------------------------

def test_min_replica_1_is_fixed_to_0_with_the_rules_timeout():
    ev = evaluate(POLICY, snap("sleepy-a", min_r=1, timeout=None), NOW)
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
    ev = evaluate(POLICY, snap("sleepy-a", min_r=0, timeout=120), NOW)
    assert ev.decision is Decision.RECONFIGURE
    assert ev.reconfiguration.update_arguments() == {"scale_to_zero_timeout": 30}
    assert ev.reconfiguration.changes == "scale_to_zero_timeout 2h → 30m"
    assert ev.reconfiguration.undo == "hf endpoints update sleepy-a --namespace acme-ml --scale-to-zero-timeout 120"
    assert ev.reconfiguration.undo_note is None
    # Already sleeping within 30m: nothing to fix.
    assert evaluate(POLICY, snap("sleepy-a", min_r=0, timeout=15), NOW).decision is Decision.KEEP
    # min_replica 1 with a short timeout: only min_replica changes.
    ev = evaluate(POLICY, snap("sleepy-a", min_r=1, timeout=20), NOW)
    assert ev.reconfiguration.update_arguments() == {"min_replica": 0}


def test_max_replicas_is_lowered_and_a_minimum_above_it_comes_down_too():
    ev = evaluate(POLICY, snap("sleepy-a", min_r=0, max_r=8, timeout=15), NOW)
    assert ev.reconfiguration.update_arguments() == {"max_replica": 2}
    assert ev.reconfiguration.undo == "hf endpoints update sleepy-a --namespace acme-ml --max-replica 8"
    ev = evaluate(POLICY, snap("strict-a", min_r=3, max_r=4), NOW)
    assert ev.decision is Decision.RECONFIGURE
    assert ev.reconfiguration.after == ScalingConfig(1, 1, None)
    assert ev.reconfiguration.undo == "hf endpoints update strict-a --namespace acme-ml --min-replica 3 --max-replica 4"


def test_several_broken_limits_merge_into_the_lowest_value_each_asks_for():
    ev = evaluate(POLICY, snap("sleepy-a", min_r=1, max_r=8, timeout=None), NOW)
    assert ev.reconfiguration.after == ScalingConfig(0, 2, 30)
    assert ev.reason.endswith('fix min_replica 1 → 0, max_replica 8 → 2, scale_to_zero_timeout none → 30m '
                              '(rule 3 "sleepy-*")')
    assert {f.check for f in ev.violations} == {Check.MAX_REPLICAS, Check.SCALE_TO_ZERO_AFTER}


def test_require_scale_to_zero_alone_sets_the_platform_default_of_one_hour():
    ev = evaluate(POLICY, snap("hygiene-a", min_r=1, timeout=None), NOW)
    assert ev.reconfiguration.after == ScalingConfig(0, 1, 60)
    ev = evaluate(POLICY, snap("hygiene-a", min_r=0, timeout=None), NOW)
    assert ev.reconfiguration.update_arguments() == {"scale_to_zero_timeout": 60}
    # No timeout before and min replica already 0: hf endpoints update cannot restore "no timeout"; say so.
    assert ev.reconfiguration.undo == "hf endpoints update hygiene-a --namespace acme-ml"
    assert "cannot clear one" in ev.reconfiguration.undo_note and "--min-replica 1" in ev.reconfiguration.undo_note
    # Timeout already set: only minReplica changes, the timeout is kept.
    ev = evaluate(POLICY, snap("hygiene-a", min_r=2, max_r=2, timeout=240), NOW)
    assert ev.reconfiguration.update_arguments() == {"min_replica": 0}


def test_require_scale_to_zero_with_scale_to_zero_after_uses_that_bound():
    ev = evaluate(POLICY, snap("both-a", min_r=1, timeout=None), NOW)
    assert ev.reconfiguration.after == ScalingConfig(0, 1, 120)
    assert "the scale-to-zero timeout stays set" in ev.reconfiguration.undo_note
    assert ev.reconfiguration.undo == "hf endpoints update both-a --namespace acme-ml --min-replica 1"


# --- when it does not reconfigure --------------------------------------------------------------------------------

def test_a_pause_wins_and_the_reason_says_why_no_update():
    ev = evaluate(POLICY, snap("sleepy-a", up=20, min_r=1), NOW)
    assert ev.decision is Decision.PAUSE and ev.reconfiguration is None
    assert ev.reason == ('running 20h > max_uptime 12h; does not sleep within 30m idle (min_replicas 1, no '
                         'scale-to-zero timeout) but scale_to_zero_after 30m; not reconfigured: the pause wins (an '
                         'update may restart the endpoint it stops) (rule 3 "sleepy-*")')


@pytest.mark.parametrize("state", ["paused", "scaledToZero", "failed", "updateFailed"])
def test_an_endpoint_that_is_not_running_is_not_updated(state):
    ev = evaluate(POLICY, snap("sleepy-a", state, min_r=1), NOW)
    assert ev.decision is Decision.NOTIFY and ev.reconfiguration is None
    assert ev.reason.endswith(f'; not reconfigured while {state}: an update may restart it (rule 3 "sleepy-*")')


def test_an_endpoint_already_updating_is_left_alone_this_run():
    ev = evaluate(POLICY, snap("sleepy-a", "updating", min_r=1), NOW)
    assert ev.decision is Decision.NOTIFY
    assert ev.reason.endswith('; not reconfigured this run: an update is already in progress (rule 3 "sleepy-*")')


def test_initializing_endpoints_are_reconfigured():
    assert evaluate(POLICY, snap("sleepy-a", "initializing", min_r=1), NOW).decision is Decision.RECONFIGURE


def test_protected_and_exempt_are_reported_as_today_never_reconfigured():
    ev = evaluate(POLICY, snap("prod-chat", min_r=2, max_r=4), NOW)
    assert ev.decision is Decision.PROTECTED and ev.reconfiguration is None and ev.violations
    ev = evaluate(POLICY, snap("paper-run", min_r=1), NOW)
    assert ev.decision is Decision.EXEMPT and ev.reconfiguration is None and ev.violations


def test_without_fix_config_configuration_limits_keep_their_meaning():
    ev = evaluate(POLICY, snap("nag-a", min_r=1), NOW)
    assert ev.decision is Decision.PAUSE and ev.reconfiguration is None  # the rule's own action, billing
    assert ev.violations[0].fix is not None  # what would fix it is still known
    assert evaluate(POLICY, snap("nag-a", "paused", min_r=1), NOW).decision is Decision.NOTIFY


def test_fix_config_replaces_the_rules_own_action_for_configuration_limits():
    ev = evaluate(POLICY, snap("strict-a", min_r=1, max_r=4), NOW)
    assert ev.decision is Decision.RECONFIGURE
    assert all(f.action is Action.NOTIFY for f in ev.violations)


# --- planned outcomes, pause-all, act ----------------------------------------------------------------------------

class RecordingHub:
    def __init__(self, fail: dict[str, Exception] | None = None) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.fail = fail or {}

    def map(self, fn, items):
        return [fn(item) for item in items]

    def _record(self, method: str, namespace: str, name: str, **kwargs: Any) -> str:
        self.calls.append((method, f"{namespace}/{name}", kwargs))
        if name in self.fail:
            raise self.fail[name]
        return "ok"

    def pause(self, namespace, name):
        return self._record("pause", namespace, name)

    def scale_to_zero(self, namespace, name):
        return self._record("scale_to_zero", namespace, name)

    def update(self, namespace, name, **kwargs):
        return self._record("update", namespace, name, **kwargs)


def test_check_and_dry_runs_plan_would_reconfigure():
    evs = [evaluate(POLICY, snap("sleepy-a"), NOW)]
    assert [r.outcome for r in planned_outcomes(evs)] == [Outcome.WOULD_RECONFIGURE]


def test_act_sends_only_the_changed_fields_and_reports_each_outcome():
    evs = [evaluate(POLICY, snap(name, min_r=1, max_r=4), NOW) for name in ("sleepy-a", "sleepy-b", "sleepy-c")]
    hub = RecordingHub(fail={"sleepy-b": HubError("update acme-ml/sleepy-b: HTTP 400: scaleToZeroTimeout must be "
                                                  "between 15 and 2880 minutes", 400),
                             "sleepy-c": EndpointGone("update acme-ml/sleepy-c: HTTP 404", 404)})
    results, errors = act(hub, evs, max_actions=10)
    assert errors == ()
    assert hub.calls[0] == ("update", "acme-ml/sleepy-a",
                            {"min_replica": 0, "max_replica": 2, "scale_to_zero_timeout": 30})
    assert [r.outcome for r in results] == [Outcome.RECONFIGURED, Outcome.FAILED, Outcome.GONE]
    assert "between 15 and 2880 minutes" in results[1].error


def test_the_cap_counts_updates_with_pauses():
    evs = [evaluate(POLICY, snap("sleepy-a"), NOW), evaluate(POLICY, snap("sleepy-b", up=20), NOW)]
    assert [e.decision for e in evs] == [Decision.RECONFIGURE, Decision.PAUSE]
    hub = RecordingHub()
    results, errors = act(hub, evs, max_actions=1)
    assert hub.calls == [] and "2 endpoints to pause, scale or reconfigure" in errors[0]
    assert all(r.error == "not acted on: safety cap exceeded" for r in results)
    results, errors = act(hub, evs, max_actions=2)
    assert [c[0] for c in hub.calls] == ["update", "pause"] and errors == ()


def test_pause_all_pauses_an_endpoint_that_would_be_reconfigured():
    evs = pause_all_evaluations([evaluate(POLICY, snap("sleepy-a"), NOW)], include_protected=False)
    assert evs[0].decision is Decision.PAUSE and evs[0].reconfiguration is None
    hub = RecordingHub()
    act(hub, evs, max_actions=None)
    assert hub.calls == [("pause", "acme-ml/sleepy-a", {})]


def test_status_card_shows_the_fix_and_its_undo():
    from watchdog.core.render.status import render_status

    snapshot = snap("sleepy-a", min_r=1)
    card = render_status([snapshot], [evaluate(POLICY, snapshot, NOW)], NOW)
    assert ("  fix        min_replica 1 → 0, scale_to_zero_timeout none → 30m; undo: hf endpoints update sleepy-a "
            "--namespace acme-ml --min-replica 1") in card
