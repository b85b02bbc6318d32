"""The evaluator as a table: (endpoint, instant) under one policy → decision, rule, reason and notices."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from watchdog.core.evaluate import evaluate, evaluate_all
from watchdog.core.model import Decision, EndpointSnapshot, IdleSource, UptimeSource
from watchdog.core.policy import parse_policy

POLICY = parse_policy(
    """\
version: 1
timezone: Europe/Paris
defaults:
  max_uptime: 8h
  max_idle: 2h
  warn_before: 1h
endpoints:
  - match: "prod-*"                                   # 1
    protected: true
  - match: {namespace: acme-ml, name: "mert-*"}       # 2
    max_uptime: 4h
    max_idle: 30m
    owner: "@mert"
  - match: "paris-*"                                  # 3
    schedule: {days: mon-fri, hours: "08:00-19:00"}
  - match: "ny-*"                                     # 4
    schedule: {days: mon-fri, hours: "08:00-19:00", timezone: America/New_York}
  - match: "night-*"                                  # 5
    schedule: {days: fri, hours: "22:00-06:00"}
  - match: "weekend-*"                                # 6
    schedule: {days: fri-mon}
  - match: "bench-*"                                  # 7
    max_cost: 40
    max_uptime: null
    exempt_until: 2026-12-15
    reason: paper
  - match: "old-*"                                    # 8
    exempt_until: 2026-01-10
    reason: finished
  - match: {tag: gpu-heavy}                           # 9
    max_replicas: 1
    require_scale_to_zero: true
  - match: {tag: strict-config}                       # 10
    max_replicas: 1
    action: scale-to-zero
  - match: "trusted-*"                                # 11
    trust_updated_at: true
  - match: "quiet-*"                                  # 12
    on_unknown_idle: ignore
  - match: "strict-idle-*"                            # 13
    on_unknown_idle: pause
  - match: {instance_type: nvidia-l4}                 # 14
    max_idle: 1h
    action: scale-to-zero
  - match: "notify-*"                                 # 15
    action: notify
  - match: "cost-*"                                   # 16
    max_cost: 40
    max_uptime: null
""",
    "policies.yaml",
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday: 11:00 in Paris, 05:00 in New York


def at(year: int, month: int, day: int, hour: int, minute: int = 0, zone: ZoneInfo | None = None) -> datetime:
    """An instant given as wall-clock time in `zone` (UTC when omitted)."""
    return datetime(year, month, day, hour, minute, tzinfo=zone or UTC)


def snap(name: str, state: str = "running", *, now: datetime = NOW, up: float | None = 1.0, idle: float | None = 0.1,
         namespace: str = "acme-ml", source: UptimeSource = UptimeSource.REPLICA, **fields) -> EndpointSnapshot:
    """A snapshot running for `up` hours with its last request `idle` hours before `now` (None = unknown)."""
    billable = state in ("pending", "initializing", "updating", "running")
    return EndpointSnapshot(
        namespace=namespace,
        name=name,
        state=state,
        running_since=now - timedelta(hours=up) if (up is not None and billable) else None,
        running_since_source=source if (up is not None and billable) else UptimeSource.UNKNOWN,
        last_activity=now - timedelta(hours=idle) if idle is not None else None,
        last_activity_source=IdleSource.LAST_USED_AT if idle is not None else IdleSource.UNKNOWN,
        **fields,
    )


K, P, S, N, PR, EX = (Decision.KEEP, Decision.PAUSE, Decision.SCALE_TO_ZERO, Decision.NOTIFY, Decision.PROTECTED,
                      Decision.EXEMPT)

# (id, snapshot, now, decision, rule index, text the reason must contain, exact set of notice kinds)
CASES = [
    # --- protection, first match, defaults
    ("protected-running-over", snap("prod-chat", up=20), NOW, PR, 1,
     'protected, not acted on: running 20h > max_uptime 8h (rule 1 "prod-*")', set()),
    ("protected-paused", snap("prod-chat", "paused"), NOW, PR, 1, 'protected (rule 1 "prod-*")', set()),
    ("mert-uptime", snap("mert-a", up=5), NOW, P, 2,
     'running 5h > max_uptime 4h (rule 2 "namespace=acme-ml name=mert-*")', set()),
    ("mert-other-namespace-falls-to-defaults", snap("mert-a", up=5, namespace="alice"), NOW, K, 0,
     "within limits (nearest: max_idle 2h in 1h54m)", set()),
    ("mert-idle", snap("mert-a", up=3, idle=0.75), NOW, P, 2, "idle 45m > max_idle 30m", set()),
    ("mert-near-limits", snap("mert-a", up=3 + 1 / 3, idle=1 / 6), NOW, K, 2,
     "within limits (nearest: max_idle 30m in 20m)", set()),
    ("defaults-uptime", snap("misc", up=9.2), NOW, P, 0, "running 9h12m > max_uptime 8h (defaults)", set()),
    ("defaults-idle", snap("misc", up=3, idle=2.5), NOW, P, 0, "idle 2h30m > max_idle 2h (defaults)", set()),
    ("idle-capped-at-uptime", snap("misc", up=0.5, idle=72), NOW, K, 0, "within limits", set()),
    ("initializing-bills", snap("misc", "initializing", up=9), NOW, P, 0, "running 9h > max_uptime 8h", set()),
    ("two-violations", snap("misc", up=9, idle=3), NOW, P, 0,
     "running 9h > max_uptime 8h; idle 3h > max_idle 2h (defaults)", set()),
    # --- non-billable, unmeasurable, unknown state
    ("paused", snap("misc", "paused"), NOW, K, 0, "paused: not billing", set()),
    ("scaled-to-zero", snap("misc", "scaledToZero"), NOW, K, 0, "scaledToZero: not billing", {"quota-held"}),
    ("failed", snap("misc", "failed"), NOW, K, 0, "failed: not billing", set()),
    ("update-failed", snap("misc", "updateFailed"), NOW, K, 0, "updateFailed: not billing", set()),
    ("unmeasurable-never-paused", snap("misc", up=30, unmeasurable="status.state missing"), NOW, N, 0,
     "unmeasurable: status.state missing", {"unmeasurable"}),
    ("unknown-state", snap("misc", "melting"), NOW, N, 0, "unknown state 'melting'", {"unknown-state"}),
    # --- missing measurements
    ("uptime-unknown", snap("misc", up=None), NOW, K, 0, "within limits", {"uptime-unknown"}),
    ("idle-unknown-notify", snap("misc", up=3, idle=None), NOW, N, 0,
     "idle time unknown: max_idle 2h cannot be checked", {"idle-unknown"}),
    # Running 1h: idle cannot exceed it, so max_idle 2h cannot be broken yet, whatever on_unknown_idle says.
    ("idle-unknown-capped-by-uptime", snap("misc", idle=None), NOW, K, 0, "within limits", set()),
    ("idle-unknown-pause-capped-by-uptime", snap("strict-idle-x", idle=None), NOW, K, 13, "within limits", set()),
    ("idle-unknown-but-uptime-breaks", snap("misc", up=9, idle=None), NOW, P, 0, "running 9h > max_uptime 8h",
     {"idle-unknown"}),
    ("idle-unknown-ignore", snap("quiet-x", idle=None), NOW, K, 12, "within limits", set()),
    ("idle-unknown-pause", snap("strict-idle-x", up=3, idle=None), NOW, P, 13,
     'idle time unknown and on_unknown_idle is pause (rule 13 "strict-idle-*")', set()),
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
    # --- schedules: plain, wrap-around days, hours across midnight
    ("paris-inside", snap("paris-x"), NOW, K, 3, "within limits", set()),
    ("paris-saturday", snap("paris-x", now=at(2026, 11, 28, 11)), at(2026, 11, 28, 11), P, 3,
     'billing outside schedule mon-fri 08:00-19:00 Europe/Paris (now Sat 12:00 Europe/Paris) (rule 3 "paris-*")',
     set()),
    ("night-friday-evening", snap("night-x", now=at(2026, 11, 27, 23, 0, PARIS)), at(2026, 11, 27, 23, 0, PARIS),
     K, 5, "within limits", set()),
    ("night-saturday-early-belongs-to-friday", snap("night-x", now=at(2026, 11, 28, 5, 0, PARIS)),
     at(2026, 11, 28, 5, 0, PARIS), K, 5, "within limits", set()),
    ("night-saturday-evening", snap("night-x", now=at(2026, 11, 28, 23, 0, PARIS)), at(2026, 11, 28, 23, 0, PARIS),
     P, 5, "billing outside schedule fri 22:00-06:00", set()),
    ("night-friday-early-not-thursdays", snap("night-x", now=at(2026, 11, 27, 5, 0, PARIS)),
     at(2026, 11, 27, 5, 0, PARIS), P, 5, "(now Fri 05:00 Europe/Paris)", set()),
    ("weekend-sunday", snap("weekend-x", now=at(2026, 11, 29, 15, 0, PARIS)), at(2026, 11, 29, 15, 0, PARIS), K, 6,
     "within limits", set()),
    ("weekend-monday-late", snap("weekend-x", now=at(2026, 11, 30, 23, 59, PARIS)), at(2026, 11, 30, 23, 59, PARIS),
     K, 6, "within limits", set()),
    ("weekend-tuesday", snap("weekend-x", now=at(2026, 12, 1, 0, 1, PARIS)), at(2026, 12, 1, 0, 1, PARIS), P, 6,
     "billing outside schedule fri-mon 00:00-24:00 Europe/Paris (now Tue 00:01", set()),
    ("weekend-wednesday", snap("weekend-x", now=at(2026, 12, 2, 12)), at(2026, 12, 2, 12), P, 6, "now Wed 13:00",
     set()),
    # --- DST, Europe/Paris: clocks go forward on 2026-03-29 and back on 2026-10-25 (both Sundays)
    ("paris-before-spring-forward-0630Z-is-0730", snap("paris-x", now=at(2026, 3, 23, 6, 30)), at(2026, 3, 23, 6, 30),
     P, 3, "(now Mon 07:30 Europe/Paris)", set()),
    ("paris-after-spring-forward-0630Z-is-0830", snap("paris-x", now=at(2026, 3, 30, 6, 30)), at(2026, 3, 30, 6, 30),
     K, 3, "within limits", set()),
    ("paris-before-fall-back-0630Z-is-0830", snap("paris-x", now=at(2026, 10, 19, 6, 30)), at(2026, 10, 19, 6, 30),
     K, 3, "within limits", set()),
    ("paris-after-fall-back-0630Z-is-0730", snap("paris-x", now=at(2026, 10, 26, 6, 30)), at(2026, 10, 26, 6, 30),
     P, 3, "(now Mon 07:30 Europe/Paris)", set()),
    # --- DST, America/New_York: forward on 2026-03-08, back on 2026-11-01
    ("ny-before-spring-forward-1230Z-is-0730", snap("ny-x", now=at(2026, 3, 2, 12, 30)), at(2026, 3, 2, 12, 30), P, 4,
     "(now Mon 07:30 America/New_York)", set()),
    ("ny-after-spring-forward-1230Z-is-0830", snap("ny-x", now=at(2026, 3, 9, 12, 30)), at(2026, 3, 9, 12, 30), K, 4,
     "within limits", set()),
    ("ny-before-fall-back-2330Z-is-1930", snap("ny-x", now=at(2026, 10, 30, 23, 30)), at(2026, 10, 30, 23, 30), P, 4,
     "(now Fri 19:30 America/New_York)", set()),
    ("ny-after-fall-back-2330Z-is-1830", snap("ny-x", now=at(2026, 11, 6, 23, 30)), at(2026, 11, 6, 23, 30), K, 4,
     "within limits", set()),
    ("ny-after-fall-back-1230Z-is-0730", snap("ny-x", now=at(2026, 11, 2, 12, 30)), at(2026, 11, 2, 12, 30), P, 4,
     "(now Mon 07:30 America/New_York)", set()),
    # --- exemptions: active, expiring, expired (end of the day in Europe/Paris), long expired
    ("bench-exempt", snap("bench-x", up=11, price_per_replica_hour=4.0), NOW, EX, 7,
     'exempt until 2026-12-15 (paper), not acted on: stretch cost $44.00 > max_cost $40 (rule 7 "bench-*")', set()),
    ("bench-exempt-last-evening", snap("bench-x", up=11, price_per_replica_hour=4.0,
                                       now=at(2026, 12, 15, 23, 30, PARIS)),
     at(2026, 12, 15, 23, 30, PARIS), EX, 7, "exempt until 2026-12-15 (paper)", {"exemption-expiring"}),
    ("bench-exemption-over-after-midnight-paris", snap("bench-x", up=11, price_per_replica_hour=4.0,
                                                       now=at(2026, 12, 16, 0, 30, PARIS)),
     at(2026, 12, 16, 0, 30, PARIS), P, 7, "stretch cost $44.00 > max_cost $40", {"exemption-expired"}),
    ("old-exemption-ignored", snap("old-x", up=9), NOW, P, 8, 'running 9h > max_uptime 8h (rule 8 "old-*")',
     {"exemption-expired"}),
    ("exempt-without-violations", snap("bench-x", up=1, price_per_replica_hour=4.0), NOW, EX, 7,
     'exempt until 2026-12-15 (paper) (rule 7 "bench-*")', set()),
    # --- cost
    ("cost-over", snap("cost-x", up=9, price_per_replica_hour=5.0), NOW, P, 16, "stretch cost $45.00 > max_cost $40",
     set()),
    ("cost-replicas-count", snap("cost-x", up=5, price_per_replica_hour=5.0, ready_replicas=2, target_replicas=2), NOW,
     P, 16, "stretch cost $50.00 > max_cost $40", set()),
    # Unknown cost is never a silent pass (issue 10): a notify-level finding, never a pause.
    ("cost-price-unknown", snap("cost-x", up=30), NOW, N, 16,
     "stretch cost unknown (no price for instance", {"cost-unknown"}),
    ("cost-uptime-unknown", snap("cost-x", up=None, price_per_replica_hour=5.0), NOW, N, 16,
     "stretch cost unknown (uptime unknown): max_cost $40 cannot be checked", {"cost-unknown"}),
    # --- config hygiene: notify by default, act only when the rule names an action, only while billing
    ("config-max-replicas-notifies", snap("g", tags=("gpu-heavy",), max_replicas=4, min_replicas=0,
                                          scale_to_zero_timeout_minutes=15), NOW, N, 9,
     'autoscaling up to 4 replicas > max_replicas 1 (rule 9 "tag=gpu-heavy")', set()),
    ("config-min-replicas", snap("g", tags=("gpu-heavy",), max_replicas=1, min_replicas=1), NOW, N, 9,
     "scale-to-zero not enabled (min_replicas 1) but require_scale_to_zero", set()),
    ("config-no-timeout", snap("g", tags=("gpu-heavy",), max_replicas=1, min_replicas=0), NOW, N, 9,
     "scale-to-zero not enabled (no scale-to-zero timeout)", set()),
    ("config-clean", snap("g", tags=("gpu-heavy",), max_replicas=1, min_replicas=0, scale_to_zero_timeout_minutes=15),
     NOW, K, 9, "within limits", set()),
    ("config-explicit-action-acts", snap("s", tags=("strict-config",), max_replicas=4), NOW, S, 10,
     'autoscaling up to 4 replicas > max_replicas 1 (rule 10 "tag=strict-config")', set()),
    ("config-non-billable-only-notifies", snap("s", "paused", tags=("strict-config",), max_replicas=4), NOW, N, 10,
     "autoscaling up to 4 replicas", set()),
    ("uptime-pause-beats-config-notify", snap("g", up=9, tags=("gpu-heavy",), max_replicas=4), NOW, P, 9,
     'running 9h > max_uptime 8h; autoscaling up to 4 replicas > max_replicas 1 (rule 9 "tag=gpu-heavy")',
     set()),
    # --- actions and first-match order
    ("l4-idle-scales-to-zero", snap("l4", up=3, idle=1.5, instance_type="nvidia-l4"), NOW, S, 14,
     'idle 1h30m > max_idle 1h (rule 14 "instance_type=nvidia-l4")', set()),
    ("l4-by-compute-id", snap("l4", up=3, idle=1.5, instance="aws-us-east-1-nvidia-l4-x1"), NOW, K, 0,
     "within limits", set()),
    ("notify-action", snap("notify-x", up=9), NOW, N, 15, "running 9h > max_uptime 8h", set()),
    ("first-match-wins-over-tag", snap("mert-b", up=5, tags=("gpu-heavy",), max_replicas=4), NOW, P, 2,
     "running 5h > max_uptime 4h", set()),
    ("prod-beats-everything", snap("prod-l4", up=6, idle=5, instance_type="nvidia-l4"), NOW, PR, 1,
     'protected, not acted on: idle 5h > max_idle 2h (rule 1 "prod-*")', set()),
]


@pytest.mark.parametrize(
    ("snapshot", "now", "decision", "rule_index", "reason", "notice_kinds"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    result = evaluate(POLICY, snapshot, now)
    assert result.decision is decision, result.reason
    assert result.rule.index == rule_index
    assert reason in result.reason
    assert {n.kind for n in result.notices} == notice_kinds


def test_table_is_large_enough_and_ids_unique():
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES}) == len(CASES)


def test_rule_ref_names_match_text():
    result = evaluate(POLICY, snap("mert-a", up=5), NOW)
    assert (result.rule.index, result.rule.match) == (2, "namespace=acme-ml name=mert-*")
    assert result.owner == "@mert"
    assert evaluate(POLICY, snap("misc"), NOW).rule.match == "defaults"


def test_violation_fields_are_readable():
    result = evaluate(POLICY, snap("misc", up=9.2), NOW)
    (finding,) = result.violations
    assert (finding.check, finding.limit, finding.observed, finding.action) == ("max_uptime", "8h", "9h12m", "pause")


def test_protected_and_exempt_keep_their_violations():
    protected = evaluate(POLICY, snap("prod-chat", up=20, idle=3), NOW)
    assert [v.check for v in protected.violations] == ["max_uptime", "max_idle"]
    exempt = evaluate(POLICY, snap("bench-x", up=11, price_per_replica_hour=4.0), NOW)
    assert [v.check for v in exempt.violations] == ["max_cost"]


def test_warnings_when_limits_are_close():
    # 3h20m of a 4h limit and 20m of a 30m limit: both within warn_before (1h, from defaults).
    result = evaluate(POLICY, snap("mert-a", up=3 + 1 / 3, idle=1 / 6), NOW)
    assert {w.check for w in result.warnings} == {"max_uptime", "max_idle"}
    assert any("max_uptime 4h reached in 40m" in w.reason for w in result.warnings)
    # A limit shorter than warn_before warns all the time: 30m of idle budget is always "within 1h".
    assert [w.check for w in evaluate(POLICY, snap("mert-a", up=1, idle=0), NOW).warnings] == ["max_idle"]
    assert evaluate(POLICY, snap("misc", up=1, idle=0), NOW).warnings == ()


def test_warning_for_schedule_end_and_cost_rate():
    before_close = at(2026, 11, 23, 18, 30, PARIS)
    result = evaluate(POLICY, snap("paris-x", now=before_close), before_close)
    assert [w.reason for w in result.warnings] == [
        'schedule mon-fri 08:00-19:00 Europe/Paris window ends in 30m (rule 3 "paris-*")'
    ]
    cost = evaluate(POLICY, snap("cost-x", up=7.5, price_per_replica_hour=5.0), NOW)
    assert [w.reason for w in cost.warnings] == [
        'stretch cost $37.50, max_cost $40 reached in 30m at $5.00/h (rule 16 "cost-*")'
    ]


def test_exemption_expiring_notice_window_is_at_least_72h():
    three_days_before = at(2026, 12, 13, 0, 30, PARIS)  # 71h30m before the end of 2026-12-15 in Paris
    result = evaluate(POLICY, snap("bench-x", now=three_days_before, price_per_replica_hour=1.0), three_days_before)
    assert [n.kind for n in result.notices] == ["exemption-expiring"]
    assert "ends in 2d23h" in result.notices[0].message
    four_days_before = at(2026, 12, 12, 0, 0, PARIS)
    later = evaluate(POLICY, snap("bench-x", now=four_days_before, price_per_replica_hour=1.0), four_days_before)
    assert later.notices == ()


def test_naive_datetimes_are_taken_as_utc():
    naive_now = NOW.replace(tzinfo=None)
    snapshot = EndpointSnapshot("acme-ml", "misc", "running", running_since=naive_now - timedelta(hours=9),
                                running_since_source=UptimeSource.REPLICA)
    assert evaluate(POLICY, snapshot, naive_now).decision is Decision.PAUSE


def test_evaluate_all_keeps_order():
    snapshots = [snap("misc", up=9), snap("prod-chat"), snap("misc", "paused")]
    decisions = [e.decision for e in evaluate_all(POLICY, snapshots, NOW)]
    assert decisions == [Decision.PAUSE, Decision.PROTECTED, Decision.KEEP]


def test_core_imports_no_network_libraries():
    code = ("import watchdog.core.policy, watchdog.core.evaluate, watchdog.core.plan, watchdog.core.schedule, sys; "
            "assert 'huggingface_hub' not in sys.modules and 'httpx' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
