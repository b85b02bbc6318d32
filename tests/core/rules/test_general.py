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
    snap,
    table,
)
from watchdog.core.evaluate import evaluate
from watchdog.core.model import UptimeSource

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


# --- warn_before -------------------------------------------------------------------------------------------------

def test_warnings_when_limits_are_close():
    # 3h20m of a 4h limit and 20m of a 30m limit: both within warn_before (1h, from defaults).
    result = evaluate(POLICY, snap("mert-a", up=3 + 1 / 3, idle=1 / 6), NOW)
    assert {w.check for w in result.warnings} == {"max_uptime", "max_idle"}
    assert any("max_uptime 4h reached in 40m" in w.reason for w in result.warnings)
    # A limit shorter than warn_before warns all the time: 30m of idle budget is always "within 1h".
    assert [w.check for w in evaluate(POLICY, snap("mert-a", up=1, idle=0), NOW).warnings] == ["max_idle"]
    assert evaluate(POLICY, snap("misc", up=1, idle=0), NOW).warnings == ()
