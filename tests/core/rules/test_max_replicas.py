"""`max_replicas`: the autoscaling ceiling an endpoint's configuration may have
(watchdog/core/rules/max_replicas.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    FIX_POLICY,
    NOW,
    ROW_FIELDS,
    N,
    Row,
    check_row,
    fix_snap,
    snap,
    table,
)
from watchdog.core.evaluate import evaluate
from watchdog.core.model import Decision, ScalingConfig

CASES: list[Row] = [
    # Config hygiene notifies by default (the rule names no action of its own).
    ("config-max-replicas-notifies", snap("g", tags=("gpu-heavy",), max_replicas=4, min_replicas=0,
                                          scale_to_zero_timeout_minutes=15), NOW, N, 9,
     'autoscaling up to 4 replicas > max_replicas 1 (rule 9 "tag=gpu-heavy")', set()),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)


def test_max_replicas_is_lowered_and_a_minimum_above_it_comes_down_too():
    ev = evaluate(FIX_POLICY, fix_snap("sleepy-a", min_r=0, max_r=8, timeout=15), NOW)
    assert ev.reconfiguration.update_arguments() == {"max_replica": 2}
    assert ev.reconfiguration.undo == "hf endpoints update sleepy-a --namespace acme-ml --max-replica 8"
    ev = evaluate(FIX_POLICY, fix_snap("strict-a", min_r=3, max_r=4), NOW)
    assert ev.decision is Decision.RECONFIGURE
    assert ev.reconfiguration.after == ScalingConfig(1, 1, None)
    assert ev.reconfiguration.undo == "hf endpoints update strict-a --namespace acme-ml --min-replica 3 --max-replica 4"
