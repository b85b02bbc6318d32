"""`max_idle` and `on_unknown_idle`: the longest an endpoint may bill without a request, and what an unknown idle
time does (watchdog/core/rules/max_idle.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    NOW,
    ROW_FIELDS,
    K,
    N,
    P,
    Row,
    check_row,
    snap,
    table,
)

CASES: list[Row] = [
    ("mert-idle", snap("mert-a", up=3, idle=0.75), NOW, P, 2, "idle 45m > max_idle 30m", set()),
    ("defaults-idle", snap("misc", up=3, idle=2.5), NOW, P, 0, "idle 2h30m > max_idle 2h (defaults)", set()),
    ("idle-capped-at-uptime", snap("misc", up=0.5, idle=72), NOW, K, 0, "within limits", set()),
    ("idle-unknown-notify", snap("misc", up=3, idle=None), NOW, N, 0,
     "idle time unknown: max_idle 2h cannot be checked", {"idle-unknown"}),
    # Running 1h: idle cannot exceed it, so max_idle 2h cannot be broken yet, whatever on_unknown_idle says.
    ("idle-unknown-capped-by-uptime", snap("misc", idle=None), NOW, K, 0, "within limits", set()),
    ("idle-unknown-pause-capped-by-uptime", snap("strict-idle-x", idle=None), NOW, K, 13, "within limits", set()),
    ("idle-unknown-ignore", snap("quiet-x", idle=None), NOW, K, 12, "within limits", set()),
    ("idle-unknown-pause", snap("strict-idle-x", up=3, idle=None), NOW, P, 13,
     'idle time unknown and on_unknown_idle is pause (rule 13 "strict-idle-*")', set()),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)
