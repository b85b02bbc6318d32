"""`require_scale_to_zero`: the configuration must let the endpoint sleep
(watchdog/core/rules/require_scale_to_zero.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    FIX_POLICY,
    NOW,
    ROW_FIELDS,
    K,
    N,
    Row,
    check_row,
    fix_snap,
    snap,
    table,
)
from watchdog.core.evaluate import evaluate
from watchdog.core.model import ScalingConfig

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


def test_require_scale_to_zero_alone_sets_the_platform_default_of_one_hour():
    ev = evaluate(FIX_POLICY, fix_snap("hygiene-a", min_r=1, timeout=None), NOW)
    assert ev.reconfiguration.after == ScalingConfig(0, 1, 60)
    ev = evaluate(FIX_POLICY, fix_snap("hygiene-a", min_r=0, timeout=None), NOW)
    assert ev.reconfiguration.update_arguments() == {"scale_to_zero_timeout": 60}
    # No timeout before and min replica already 0: hf endpoints update cannot restore "no timeout"; say so.
    assert ev.reconfiguration.undo == "hf endpoints update hygiene-a --namespace acme-ml"
    assert "cannot clear one" in ev.reconfiguration.undo_note and "--min-replica 1" in ev.reconfiguration.undo_note
    # Timeout already set: only minReplica changes, the timeout is kept.
    ev = evaluate(FIX_POLICY, fix_snap("hygiene-a", min_r=2, max_r=2, timeout=240), NOW)
    assert ev.reconfiguration.update_arguments() == {"min_replica": 0}


def test_require_scale_to_zero_with_scale_to_zero_after_uses_that_bound():
    ev = evaluate(FIX_POLICY, fix_snap("both-a", min_r=1, timeout=None), NOW)
    assert ev.reconfiguration.after == ScalingConfig(0, 1, 120)
    assert "the scale-to-zero timeout stays set" in ev.reconfiguration.undo_note
    assert ev.reconfiguration.undo == "hf endpoints update both-a --namespace acme-ml --min-replica 1"
