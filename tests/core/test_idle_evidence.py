"""Idle time is the time since the latest *evidence* of a request, never since a sampling time (issue #10, item 1).

A first counter sample says nothing about when the last request came; a counter that moved between two samples
is evidence of a request somewhere between them; a counter that has not moved since it was first sampled at t0
says there was no request since t0 (idle at least now - t0).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.inprocess import env_for, run_watchdog
from tests.paths import PACKAGE
from watchdog.core.measure import Signals, measure
from watchdog.core.model import IdleSource, UptimeSource
from watchdog.core.timestamps import format_timestamp
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI
from watchdog.fakes.fleet import demo_fleet_path

DEMO_POLICY = PACKAGE / "demo" / "policies.yaml"
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def test_the_issue_reproduction_a_first_counter_sample_is_not_activity(tmp_path):
    # Frozen demo fleet at 10:00; batch-scorer was last used 40 min before (lastUsedAt 09:20).
    with FakeEndpointsAPI.from_fleet_file(demo_fleet_path(), FakeClock(T0)) as api:
        env = env_for(api.base_url, tmp_path)
        common = ["--policies", str(DEMO_POLICY), "--state", str(tmp_path / "s.json")]
        first = run_watchdog(["run", "--dry-run", "--now", "2026-12-01T10:00:00Z", *common], env,
                             report=tmp_path / "r1.json")
        assert first.code == 0, first.stdout + first.stderr
        later = run_watchdog(["check", "--now", "2026-12-01T11:30:00Z", *common], env, report=tmp_path / "r2.json")
        batch = later.endpoint("batch-scorer")
        assert batch["idle"] == "2h10m" and batch["idle_seconds"] == 2 * 3600 + 600
        assert batch["last_activity"] == "2026-12-01T09:20:00Z"
        # The shipped policy's rule 7 ("tag=batch") now pauses on idle (with fix_config held back by the pause).
        assert batch["decision"] == "pause" and batch["reason"].startswith("idle 2h10m > max_idle 2h"), batch["reason"]
        assert "lastUsedAt" in batch["last_activity_evidence"]
        # Without a state file the answer is the same: the state file adds evidence, never a sampling time.
        fresh = run_watchdog(["check", "--now", "2026-12-01T11:30:00Z", "--policies", str(DEMO_POLICY),
                              "--state", str(tmp_path / "none.json")], env, report=tmp_path / "r3.json")
        assert fresh.endpoint("batch-scorer")["idle_seconds"] == batch["idle_seconds"]
        assert fresh.endpoint("batch-scorer")["decision"] == batch["decision"]


# -- the idle model, unit by unit -------------------------------------------------------------------------------

def raw(last_used: datetime | None = None, updated: datetime = T0 - timedelta(days=3)) -> dict:
    status = {"state": "running", "createdAt": format_timestamp(T0 - timedelta(days=10)),
              "updatedAt": format_timestamp(updated), "readyReplica": 1, "targetReplica": 1}
    if last_used is not None:
        status["lastUsedAt"] = format_timestamp(last_used)
    return {"name": "ep", "type": "private", "status": status,
            "compute": {"id": "aws-us-east-1-nvidia-l4-x1", "scaling": {"minReplica": 1, "maxReplica": 1}},
            "model": {"repository": "org/m", "task": "text-generation"}}


STARTED = T0 - timedelta(days=2)


def sample(counter: float, now: datetime, memory: dict | None, last_used: datetime | None = None):
    return measure(raw(last_used), "ns", Signals(replica_started_at=STARTED, request_counter=counter), memory, now)


def test_a_first_sample_is_no_evidence_and_last_used_at_decides():
    _, memory = sample(100, T0, None, last_used=T0 - timedelta(minutes=40))
    later = T0 + timedelta(minutes=90)
    snap2, _ = sample(100, later, memory, last_used=T0 - timedelta(minutes=40))
    assert snap2.last_activity == T0 - timedelta(minutes=40)
    assert snap2.idle_seconds(later) == 130 * 60
    assert snap2.last_activity_source is IdleSource.LAST_USED_AT


def test_a_counter_that_moved_is_evidence_bounded_by_the_second_sample():
    _, m1 = sample(100, T0, None)
    t1 = T0 + timedelta(hours=1)
    moved, m2 = sample(105, t1, m1)
    assert moved.last_activity == t1 and moved.last_activity_source is IdleSource.METRICS
    assert "moved between 2026-12-01T10:00:00Z and 2026-12-01T11:00:00Z" in moved.last_activity_evidence
    t2 = t1 + timedelta(hours=3)
    quiet, _ = sample(105, t2, m2)
    assert quiet.last_activity == t1 and quiet.idle_seconds(t2) == 3 * 3600  # the evidence is kept, not the sample


def test_a_newer_counter_movement_beats_an_older_last_used_at():
    _, m1 = sample(100, T0, None, last_used=T0 - timedelta(hours=5))
    t1 = T0 + timedelta(hours=1)
    snap, _ = sample(101, t1, m1, last_used=T0 - timedelta(hours=5))
    assert snap.last_activity == t1 and snap.idle_seconds(t1) == 0


def test_counter_only_idle_is_at_least_the_time_since_the_first_sample():
    first, m1 = sample(7, T0, None)
    assert first.idle_seconds(T0) is None and first.last_activity_source is IdleSource.UNKNOWN
    t1 = T0 + timedelta(hours=3)
    snap, m2 = sample(7, t1, m1)
    assert snap.last_activity is None  # no request was seen: no instant is claimed as "last activity"
    assert snap.idle_seconds(t1) == 3 * 3600 and snap.last_activity_source is IdleSource.METRICS
    assert snap.idle_is_lower_bound
    assert "no request since the first counter sample at 2026-12-01T10:00:00Z" in snap.last_activity_evidence
    t2 = t1 + timedelta(hours=2)
    still, _ = sample(7, t2, m2)
    assert still.idle_seconds(t2) == 5 * 3600  # counted from the first sample, not from the last one


def test_a_counter_drop_means_replicas_restarted_and_counts_as_movement():
    _, m1 = sample(500, T0, None)
    t1 = T0 + timedelta(hours=4)
    snap, _ = sample(3, t1, m1)
    assert snap.last_activity == t1 and "restarted" in snap.last_activity_evidence


def test_idle_is_never_longer_than_the_billable_stretch():
    _, m1 = measure(raw(), "ns", Signals(replica_started_at=T0, request_counter=1), None, T0)
    t1 = T0 + timedelta(hours=3)
    resumed = t1 - timedelta(minutes=10)
    snap, _ = measure(raw(), "ns", Signals(replica_started_at=resumed, request_counter=1), m1, t1)
    assert snap.idle_seconds(t1) == 600


@pytest.mark.parametrize("old_change_offset", [timedelta(0), timedelta(hours=-2)])
def test_an_old_state_file_loads_and_never_gives_a_longer_idle_than_the_truth(old_change_offset):
    # The old format stored `last_change_at` = the first sample time (or the run that saw the counter move).
    old = {"first_billable_at": format_timestamp(STARTED),
           "counter": {"value": 100, "sampled_at": format_timestamp(T0),
                       "last_change_at": format_timestamp(T0 + old_change_offset)}}
    # It cannot say which: it is taken as possible activity, so an old file never gives a longer idle than the truth.
    later = T0 + timedelta(hours=2)
    snap, memory = sample(100, later, old, last_used=T0 - timedelta(minutes=40))
    truth = later - (T0 - timedelta(minutes=40))
    assert snap.idle_seconds(later) <= truth.total_seconds()
    assert snap.idle_seconds(later) == min(truth, later - (T0 + old_change_offset)).total_seconds()
    no_lua, _ = sample(100, later, old)
    assert no_lua.idle_seconds(later) <= (later - (T0 + old_change_offset)).total_seconds()
    assert "last_change_at" not in memory["counter"] and memory["counter"]["flat_since"]  # migrated
    assert "earlier version" in no_lua.last_activity_evidence


# -- a run that saw the endpoint not billing ends what the counter can prove (review finding 2) ------------------

def paused_raw(updated: datetime) -> dict:
    payload = raw(updated=updated)
    payload["status"].update(state="paused", readyReplica=0, targetReplica=0)
    return payload


def test_a_run_that_sees_it_not_billing_drops_the_counter_samples_and_remembers_the_sighting():
    updated = T0 - timedelta(days=3)
    _, m1 = measure(raw(updated=updated), "ns", Signals(request_counter=0), None, T0)
    night2 = T0 + timedelta(days=1)
    paused, m2 = measure(paused_raw(updated), "ns", Signals(), m1, night2)
    assert "counter" not in m2 and "first_billable_at" not in m2
    assert m2["seen_not_billing_at"] == format_timestamp(night2)
    assert any("request-counter samples are dropped" in n for n in paused.measurement_notes), paused.measurement_notes


def test_idle_never_reaches_back_before_a_sighting_of_it_not_billing():
    # Night 1 running (first counter sample), night 2 seen paused, night 3 resumed 17 minutes before the run by
    # someone else; status.updatedAt never moved and no replica start is known. The counter is flat at 0 again.
    updated = T0 - timedelta(days=3)
    _, m1 = measure(raw(updated=updated), "ns", Signals(request_counter=0), None, T0)
    night2 = T0 + timedelta(days=1)
    _, m2 = measure(paused_raw(updated), "ns", Signals(), m1, night2)
    night3 = night2 + timedelta(days=1)
    snap, m3 = measure(raw(updated=updated), "ns", Signals(request_counter=0), m2, night3)
    assert snap.idle_seconds(night3) is None and snap.last_activity_source is IdleSource.UNKNOWN  # never "idle 2d"
    assert snap.running_since is None or snap.running_since >= night2  # nor "running 4d"
    assert any("not billing" in n for n in snap.measurement_notes), snap.measurement_notes
    night4 = night3 + timedelta(hours=3)
    later, _ = measure(raw(updated=updated), "ns", Signals(request_counter=0), m3, night4)
    assert later.idle_seconds(night4) == 3 * 3600  # from night 3's first sample: its own stretch


def test_last_used_at_from_before_a_sighting_of_it_not_billing_is_not_idle_of_this_stretch():
    updated = T0 - timedelta(days=3)
    _, m2 = measure(paused_raw(updated), "ns", Signals(), None, T0)
    night = T0 + timedelta(days=1)
    snap, _ = measure(raw(T0 - timedelta(hours=5), updated=updated), "ns", Signals(), m2, night)
    assert snap.idle_seconds(night) is None, snap.last_activity_evidence  # not 29h: the resume came later
    # With a replica start after the sighting, idle counts from that start.
    started = night - timedelta(minutes=20)
    known, _ = measure(raw(T0 - timedelta(hours=5), updated=updated), "ns", Signals(replica_started_at=started), m2,
                       night)
    assert known.idle_seconds(night) == 20 * 60


def test_a_replica_start_before_a_sighting_of_it_not_billing_is_not_this_stretch():
    updated = T0 - timedelta(days=3)
    _, m2 = measure(paused_raw(updated), "ns", Signals(), None, T0)
    night = T0 + timedelta(days=1)
    snap, _ = measure(raw(updated=updated), "ns", Signals(replica_started_at=T0 - timedelta(days=2)), m2, night)
    assert snap.running_since_source is not UptimeSource.REPLICA
    assert any("not billing" in t for t in snap.tolerated), snap.tolerated
