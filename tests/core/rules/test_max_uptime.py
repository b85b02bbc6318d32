"""`max_uptime`: the longest continuous billable stretch (watchdog/core/rules/max_uptime.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    NOW,
    POLICY,
    ROW_FIELDS,
    K,
    P,
    Row,
    check_row,
    snap,
    table,
)
from watchdog.core.evaluate import evaluate

CASES: list[Row] = [
    ("mert-uptime", snap("mert-a", up=5), NOW, P, 2,
     'running 5h > max_uptime 4h (rule 2 "namespace=acme-ml name=mert-*")', set()),
    ("defaults-uptime", snap("misc", up=9.2), NOW, P, 0, "running 9h12m > max_uptime 8h (defaults)", set()),
    ("initializing-bills", snap("misc", "initializing", up=9), NOW, P, 0, "running 9h > max_uptime 8h", set()),
    ("uptime-unknown", snap("misc", up=None), NOW, K, 0, "within limits", {"uptime-unknown"}),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)


def test_violation_fields_are_readable():
    result = evaluate(POLICY, snap("misc", up=9.2), NOW)
    (finding,) = result.violations
    assert (finding.check, finding.limit, finding.observed, finding.action) == ("max_uptime", "8h", "9h12m", "pause")
