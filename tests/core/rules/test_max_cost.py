"""`max_cost`: the most the current billable stretch may cost (watchdog/core/rules/max_cost.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    NOW,
    POLICY,
    ROW_FIELDS,
    N,
    P,
    Row,
    check_row,
    snap,
    table,
)
from watchdog.core.evaluate import evaluate

CASES: list[Row] = [
    ("cost-over", snap("cost-x", up=9, price_per_replica_hour=5.0), NOW, P, 16, "stretch cost $45.00 > max_cost $40",
     set()),
    ("cost-replicas-count", snap("cost-x", up=5, price_per_replica_hour=5.0, ready_replicas=2, target_replicas=2), NOW,
     P, 16, "stretch cost $50.00 > max_cost $40", set()),
    # Unknown cost is never a silent pass (issue 10): a notify-level finding, never a pause.
    ("cost-price-unknown", snap("cost-x", up=30), NOW, N, 16,
     "stretch cost unknown (no price for instance", {"cost-unknown"}),
    ("cost-uptime-unknown", snap("cost-x", up=None, price_per_replica_hour=5.0), NOW, N, 16,
     "stretch cost unknown (uptime unknown): max_cost $40 cannot be checked", {"cost-unknown"}),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)


def test_warning_for_cost_rate():
    cost = evaluate(POLICY, snap("cost-x", up=7.5, price_per_replica_hour=5.0), NOW)
    assert [w.reason for w in cost.warnings] == [
        'stretch cost $37.50, max_cost $40 reached in 30m at $5.00/h (rule 16 "cost-*")'
    ]
