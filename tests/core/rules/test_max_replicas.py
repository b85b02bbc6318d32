"""`max_replicas`: the autoscaling ceiling an endpoint's configuration may have
(watchdog/core/rules/max_replicas.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    NOW,
    ROW_FIELDS,
    N,
    Row,
    check_row,
    snap,
    table,
)

CASES: list[Row] = [
    # Config hygiene notifies by default (the rule names no action of its own).
    ("config-max-replicas-notifies", snap("g", tags=("gpu-heavy",), max_replicas=4, min_replicas=0,
                                          scale_to_zero_timeout_minutes=15), NOW, N, 9,
     'autoscaling up to 4 replicas > max_replicas 1 (rule 9 "tag=gpu-heavy")', set()),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)
