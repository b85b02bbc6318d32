"""`plan`: a policy change lists exactly the endpoints whose decision or effective limits change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from watchdog.core.model import Decision, EndpointSnapshot, IdleSource, UptimeSource
from watchdog.core.plan import effective_limits, plan_diff, render_plan_markdown
from watchdog.core.policy import parse_policy

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

OLD = """\
version: 1
defaults: {max_uptime: 12h, max_idle: 2h}
endpoints:
  - match: "prod-*"
    protected: true
  - match: {namespace: acme-ml, name: "mert-*"}
    max_uptime: 8h
  - match: {tag: benchmark}
    max_cost: 40
"""
# Only rule 2 is tightened: 8h → 4h.
NEW = OLD.replace("max_uptime: 8h", "max_uptime: 4h")


def running(name: str, hours: float, *, namespace: str = "acme-ml", **fields) -> EndpointSnapshot:
    return EndpointSnapshot(namespace=namespace, name=name, state="running",
                            running_since=NOW - timedelta(hours=hours), running_since_source=UptimeSource.REPLICA,
                            last_activity=NOW - timedelta(minutes=5), last_activity_source=IdleSource.LAST_USED_AT,
                            **fields)


FLEET = (
    running("prod-chat", 30),
    running("mert-spike6", 6),  # 6h: fine under 8h, over 4h → pause
    running("mert-tiny", 1),  # still fine, but its limit changes → listed
    running("mert-elsewhere", 6, namespace="alice"),  # other namespace: rule 2 never applied
    running("bench-1", 2, tags=("benchmark",), price_per_replica_hour=1.0),
    EndpointSnapshot("acme-ml", "mert-paused", "paused"),  # limit changes although it is not billing
)


def test_tightening_one_rule_lists_exactly_the_affected_endpoints():
    diff = plan_diff(parse_policy(OLD, "old.yaml"), parse_policy(NEW, "new.yaml"), FLEET, NOW)
    assert [c.key for c in diff.changes] == ["acme-ml/mert-paused", "acme-ml/mert-spike6", "acme-ml/mert-tiny"]
    spike = next(c for c in diff.changes if c.key == "acme-ml/mert-spike6")
    assert (spike.old.decision, spike.new.decision) == (Decision.KEEP, Decision.PAUSE)
    assert spike.limit_changes == ("max_uptime 8h → 4h",)
    assert spike.new.reason == 'running 6h > max_uptime 4h (rule 2 "namespace=acme-ml name=mert-*")'
    tiny = next(c for c in diff.changes if c.key == "acme-ml/mert-tiny")
    assert not tiny.decision_changed
    assert diff.endpoints == len(FLEET)
    assert diff.policy_changes == ()


def test_markdown_shows_only_changes_with_both_reasons():
    diff = plan_diff(parse_policy(OLD, "old.yaml"), parse_policy(NEW, "new.yaml"), FLEET, NOW)
    text = render_plan_markdown(diff, "main:policies.yaml", "policies.yaml")
    assert "`main:policies.yaml` → `policies.yaml`, 6 endpoints evaluated as of 2026-11-23 10:00 UTC." in text
    # Only a real decision change is counted as one (issue 16): the rest are limits, and non-billing endpoints.
    assert "**1 endpoint changes decision:**" in text
    row = next(line for line in text.splitlines() if "mert-spike6" in line)
    assert row == ('| `acme-ml/mert-spike6` | keep → **pause** | max_uptime 8h → 4h | within limits (nearest: '
                   'max_idle 2h in 1h55m) | running 6h > max_uptime 4h (rule 2 `namespace=acme-ml name=mert-*`) |')
    assert "**1 endpoint keeps its decision but gets different limits:**" in text
    assert "| `acme-ml/mert-tiny` | keep (unchanged) | max_uptime 8h → 4h |" in text
    assert text.rstrip().endswith("1 endpoint not billing now (paused, scaled to zero or failed) would get different "
                                  "limits when it runs again: `acme-ml/mert-paused`.")
    assert "prod-chat" not in text and "bench-1" not in text and "mert-elsewhere" not in text


def test_identical_policies_say_no_endpoint_changes():
    policy = parse_policy(OLD, "old.yaml")
    diff = plan_diff(policy, parse_policy(OLD, "copy.yaml"), FLEET, NOW)
    assert diff.changes == ()
    text = render_plan_markdown(diff, "a.yaml", "b.yaml")
    assert "No endpoint changes: every endpoint keeps its decision and its limits." in text
    assert "|" not in text


def test_rule_moves_schedule_and_policy_settings_are_reported():
    new = parse_policy(
        OLD + "  - match: \"*\"\n    schedule: {days: sat-sun}\nmax_actions_per_run: 5\nnotify: {slack: false}\n",
        "new.yaml",
    )
    diff = plan_diff(parse_policy(OLD, "old.yaml"), new, FLEET, NOW)
    elsewhere = next(c for c in diff.changes if c.key == "alice/mert-elsewhere")
    assert elsewhere.limit_changes == ('defaults → rule 4 "*"', "schedule none → sat,sun 00:00-24:00 UTC")
    assert elsewhere.new.decision is Decision.PAUSE  # Monday, outside the weekend-only schedule
    assert diff.policy_changes == ("max_actions_per_run 20 → 5", "notify.slack when its secret is set → false")
    # In the Markdown a rule change shows the glob as code, like the reasons.
    row = next(line for line in render_plan_markdown(diff, "a", "b").splitlines() if "mert-elsewhere" in line)
    assert "| defaults → rule 4 `*`; schedule none → sat,sun 00:00-24:00 UTC |" in row
    text = render_plan_markdown(diff, "old.yaml", "new.yaml")
    assert "Policy settings: max_actions_per_run 20 → 5; notify.slack when its secret is set → false." in text


def test_effective_limits_render_people_units():
    policy = parse_policy(OLD, "old.yaml")
    limits = effective_limits(policy, FLEET[4])
    assert (limits.rule, limits["max_cost"], limits["max_uptime"], limits["action"]) == (
        'rule 3 "tag=benchmark"', "$40", "12h", "pause")


def test_pipes_in_reasons_do_not_break_the_table():
    policy = parse_policy(OLD, "old.yaml")
    odd = EndpointSnapshot("acme-ml", "x", "running", unmeasurable="bad | json")
    tightened = parse_policy(OLD.replace("max_uptime: 12h", "max_uptime: 1h"), "new.yaml")
    text = render_plan_markdown(plan_diff(policy, tightened, [odd], NOW), "a", "b")
    assert "bad \\| json" in text


def test_unchanged_decisions_are_not_counted_as_changes_and_limits_read_as_written():
    old = parse_policy("version: 1\ndefaults: {max_uptime: 40h}\n", "old.yaml")
    new = parse_policy("version: 1\ndefaults: {max_uptime: 48h}\n", "new.yaml")
    text = render_plan_markdown(plan_diff(old, new, FLEET, NOW), "old.yaml", "new.yaml")
    assert "change decision" not in text and "changes decision" not in text
    assert "max_uptime 40h → 48h" in text  # as written, not 1d16h → 2d


def test_turning_on_fix_config_shows_old_new_values_and_the_undo():
    new = parse_policy(OLD.replace("    max_cost: 40\n", "    max_cost: 40\n    scale_to_zero_after: 30m\n"
                                   "    fix_config: true\n"), "new.yaml")
    fleet = (running("bench-1", 2, tags=("benchmark",), price_per_replica_hour=1.0, min_replicas=1, max_replicas=1),)
    diff = plan_diff(parse_policy(OLD, "old.yaml"), new, fleet, NOW)
    (change,) = diff.changes
    assert (change.old.decision, change.new.decision) == (Decision.KEEP, Decision.RECONFIGURE)
    assert change.limit_changes == ("scale_to_zero_after none → 30m", "fix_config false → true")
    text = render_plan_markdown(diff, "old.yaml", "new.yaml")
    assert "keep → **reconfigure**" in text
    assert ("- `acme-ml/bench-1`: min_replica 1 → 0, scale_to_zero_timeout none → 30m — undo: "
            "`hf endpoints update bench-1 --namespace acme-ml --min-replica 1` (the scale-to-zero timeout stays set: "
            "hf endpoints update cannot clear it, and it has no effect once min replica is back to 1)") in text
