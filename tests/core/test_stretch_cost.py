"""The stretch priced from the replica counts the runs saw: exact for a fixed size, a lower bound when it changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from watchdog.core.measure import Signals, measure
from watchdog.core.stretch_cost import (
    MAX_SAMPLES,
    ReplicaSample,
    StretchCost,
    remembered_samples,
    replica_hours,
    samples_memory,
)

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_a_fixed_size_stretch_is_exact():
    assert replica_hours(T0, [], ReplicaSample(T0 + 10 * H, 2, 2)) == (20.0, True)
    earlier = [ReplicaSample(T0 + 4 * H, 2, 2), ReplicaSample(T0 + 8 * H, 2, 2)]
    assert replica_hours(T0, earlier, ReplicaSample(T0 + 10 * H, 2, 2)) == (20.0, True)


def test_one_replica_for_20h_then_four_is_about_20_replica_hours_not_80():
    """The reviewer's case: a run saw 1 replica after 20 h; ten minutes later an update made it 4. Judged on
    today's count it was $80.67 against max_cost $40 and paused; it had billed about $20.67."""
    earlier = [ReplicaSample(T0 + 20 * H, 1, 1)]
    hours, exact = replica_hours(T0, earlier, ReplicaSample(T0 + 20 * H + timedelta(minutes=10), 4, 4))
    assert (round(hours, 2), exact) == (20.17, False)  # the lower of the two counts between the runs


def test_four_for_20h_then_one_is_not_undercounted():
    earlier = [ReplicaSample(T0 + 20 * H, 4, 4)]
    hours, exact = replica_hours(T0, earlier, ReplicaSample(T0 + 20 * H + timedelta(minutes=10), 1, 1))
    assert (round(hours, 2), exact) == (80.17, False)


@pytest.mark.parametrize("minimum, expected", [(1, (10.0, False)), (0, (10.0, False)), (None, (10.0, False)),
                                               (3, (30.0, True)), (5, (30.0, True))])
def test_before_the_first_run_the_floor_is_the_scaling_minimum_never_above_the_count(minimum, expected):
    assert replica_hours(T0, [], ReplicaSample(T0 + 10 * H, 3, minimum)) == expected


def test_samples_from_before_the_stretch_or_unreadable_are_dropped():
    value = [["2026-11-19T00:00:00Z", 4, 4], ["2026-11-20T06:00:00Z", 2, 1], "junk", [None, 2, 1],
             ["2026-11-20T07:00:00Z", True, 1], ["2026-11-20T08:00:00Z", 0, 0], ["2026-11-20T09:00:00Z", 3, "x"]]
    assert remembered_samples(value, T0) == (ReplicaSample(T0 + 4 * H, 2, 1), ReplicaSample(T0 + 7 * H, 3, None))
    assert remembered_samples("garbage", T0) == () and remembered_samples(value, None) == ()


def test_memory_keeps_the_newest_samples_only():
    earlier = [ReplicaSample(T0 + i * H, 1, 1) for i in range(MAX_SAMPLES + 10)]
    kept = samples_memory(earlier, ReplicaSample(T0 + 100 * H, 2, 1))
    assert len(kept) == MAX_SAMPLES and kept[-1] == ["2026-11-24T06:00:00Z", 2, 1]


def _answer(replicas: int, minimum: int) -> dict:
    return {"name": "grow", "compute": {"id": "aws-us-east-1-nvidia-a10g-x1", "instanceType": "nvidia-a10g",
                                        "scaling": {"minReplica": minimum, "maxReplica": 4}},
            "model": {"repository": "org/m"}, "tags": [],
            "status": {"state": "running", "createdAt": "2026-11-01T00:00:00Z", "updatedAt": "2026-11-20T02:00:00Z",
                       "readyReplica": replicas, "targetReplica": replicas}}


def test_measure_remembers_each_runs_count_and_prices_the_next_run_with_it():
    signals = Signals(price_per_replica_hour=1.0, replica_started_at=T0)
    night1, memory = measure(_answer(1, 1), "acme-ml", signals, None, T0 + 20 * H)
    assert night1.stretch_cost(T0 + 20 * H) == StretchCost(20.0, exact=True)
    later = T0 + 20 * H + timedelta(minutes=10)
    night2, _ = measure(_answer(4, 4), "acme-ml", signals, memory, later)
    assert night2.stretch_cost(later) == StretchCost(20.17, exact=False)
    without_memory, _ = measure(_answer(4, 4), "acme-ml", signals, None, later)
    # Unchanged since it started: the minimum held all along.
    assert without_memory.stretch_cost(later) == StretchCost(80.67, exact=True)
    updated = _answer(4, 4)
    updated["status"]["updatedAt"] = "2026-11-20T22:00:00Z"  # the update that raised the minimum, 10 minutes ago
    after_update, _ = measure(updated, "acme-ml", signals, None, later)
    assert after_update.stretch_cost(later) == StretchCost(20.67, exact=False)


def test_updated_at_trailing_the_replica_start_by_seconds_is_not_a_change():
    now = ReplicaSample(T0 + 10 * H, 2, 2)
    assert replica_hours(T0, [], now, changed_at=T0 + timedelta(seconds=40)) == (20.0, True)
