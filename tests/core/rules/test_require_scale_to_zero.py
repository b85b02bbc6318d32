"""`require_scale_to_zero`: the configuration must let the endpoint sleep
(watchdog/core/rules/require_scale_to_zero.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    NOW,
    ROW_FIELDS,
    K,
    N,
    Row,
    check_row,
    snap,
    table,
)

CASES: list[Row] = [
    ("config-min-replicas", snap("g", tags=("gpu-heavy",), max_replicas=1, min_replicas=1), NOW, N, 9,
     "scale-to-zero not enabled (min_replicas 1) but require_scale_to_zero", set()),
    ("config-no-timeout", snap("g", tags=("gpu-heavy",), max_replicas=1, min_replicas=0), NOW, N, 9,
     "scale-to-zero not enabled (no scale-to-zero timeout)", set()),
    ("config-clean", snap("g", tags=("gpu-heavy",), max_replicas=1, min_replicas=0, scale_to_zero_timeout_minutes=15),
     NOW, K, 9, "within limits", set()),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)
