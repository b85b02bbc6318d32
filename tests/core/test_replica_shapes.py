"""The replica list's wrapper is undocumented: `items`, `replicas` and a bare list are read; anything else is said,
never turned into a misleading "no live replica" (issue #10, item 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.inprocess import env_for, run_watchdog
from watchdog.core.measure import measure, read_replicas, replica_signals
from watchdog.core.model import IdleSource, UptimeSource
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
NOW_ISO = "2026-11-23T02:17:00Z"
FLEET = {"user": "alice", "namespaces": {"acme-ml": {"endpoints": [
    {"name": "long-runner", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/m", "running_for": "30h",
     "last_used_ago": "10m", "updated_ago": "3h"},
    {"name": "control", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/m", "running_for": "30h",
     "last_used_ago": "10m", "updated_ago": "3h"},
]}}}
POLICY = "version: 1\nnamespaces: [acme-ml]\ndefaults: {max_uptime: 12h, max_idle: 2h, action: pause}\n"


@pytest.mark.parametrize("shape", ["items", "replicas", "bare"])
def test_every_recognized_wrapper_gives_the_replica_start(tmp_path, shape):
    (tmp_path / "p.yaml").write_text(POLICY)
    with FakeEndpointsAPI.from_dict(FLEET, FakeClock(NOW)) as api:
        api.set_shapes("acme-ml", "long-runner", replicas=shape)
        run = run_watchdog(["check", "--now", NOW_ISO, "--policies", str(tmp_path / "p.yaml"), "--state",
                            str(tmp_path / "s.json")], env_for(api.base_url, tmp_path), report=tmp_path / "r.json")
    ep = run.endpoint("long-runner")
    assert ep["running_since_source"] == "replica" and ep["uptime_seconds"] == 30 * 3600
    assert ep["decision"] == "pause"  # a strong uptime source: the 12h limit is enforced
    assert not any("no live replica" in n for n in ep["measurement_notes"])


def test_an_unrecognized_wrapper_is_named_and_uptime_falls_back_without_pausing(tmp_path):
    (tmp_path / "p.yaml").write_text(POLICY)
    with FakeEndpointsAPI.from_dict(FLEET, FakeClock(NOW)) as api:
        api.set_shapes("acme-ml", "long-runner", replicas="unknown")
        run = run_watchdog(["check", "--now", NOW_ISO, "--policies", str(tmp_path / "p.yaml"), "--state",
                            str(tmp_path / "s.json")], env_for(api.base_url, tmp_path), report=tmp_path / "r.json")
    ep = run.endpoint("long-runner")
    assert "replica route answered an unrecognized shape: keys count, pods" in ep["tolerated"]
    assert not any("no live replica" in n for n in ep["measurement_notes"])
    assert ep["running_since_source"] == "updated_at" and ep["decision"] != "pause"  # weak source: notify only
    assert run.endpoint("control")["running_since_source"] == "replica"  # the others are unaffected
    assert run.code == 0
    assert "Tolerated" in run.stdout and "unrecognized shape" in run.stdout  # check lists what it tolerated


@pytest.mark.parametrize("payload, start, tolerated", [
    ({"items": [{"live": True, "startedAt": "2026-11-23T01:00:00Z"}]}, "01:00", ()),
    ({"replicas": [{"live": True, "startedAt": "2026-11-23T01:00:00Z"}]}, "01:00", ("under 'replicas'",)),
    ([{"live": True, "startedAt": "2026-11-22T20:00:00-05:00"}], "01:00", ("bare list",)),
    ({"items": [{"live": True, "startedAt": "2026-11-23T01:00:00.123456789+00:00"}]}, "01:00", ()),
    ({"items": [{"live": False, "startedAt": "2026-11-20T01:00:00Z"},
                {"live": True, "startedAt": "2026-11-23T01:00:00Z"}]}, "01:00", ()),
    ({"items": ["r1", {"live": True, "startedAt": "2026-11-23T01:00:00Z"}]}, "01:00", ("item 0 is not an object",)),
    ({"items": [{"live": True, "startedAt": "soon"}]}, None, ("startedAt is not a timestamp",)),
    ({"items": [{"startedAt": "2026-11-23T01:00:00Z"}]}, "01:00", ("no 'live' flag",)),
    ({"items": [{"startedAt": "2026-11-23T01:00:00Z", "stoppedAt": "2026-11-23T01:30:00Z"}]}, None,
     ("no 'live' flag",)),
    ({"items": None}, None, ("unrecognized shape: items is null",)),
    ({"data": {"items": []}}, None, ("unrecognized shape: keys data",)),
    ("ok", None, ("unrecognized shape: str",)),
    (None, None, ("unrecognized shape: null",)),
])
def test_read_replicas(payload, start, tolerated):
    reading = read_replicas(payload)
    expected = None if start is None else datetime(2026, 11, 23, int(start[:2]), int(start[3:]), tzinfo=UTC)
    assert (reading.started_at and reading.started_at.replace(microsecond=0)) == expected
    for fragment in tolerated:
        assert any(fragment in t for t in reading.tolerated), reading.tolerated
    if not tolerated:
        assert reading.tolerated == ()
    recognized = not any("unrecognized" in t for t in reading.tolerated)
    assert (reading.note == "no live replica with a start time") is (recognized and start is None)
    assert reading.started_at is None or reading.started_at <= NOW + timedelta(days=1)


# -- a replica start is evidence of the current stretch only when it is plausible ---------------------------------
# (review finding 1: Go's zero time, the epoch or a stopped replica paused endpoints created minutes before)

def endpoint_created_minutes_ago(last_used: str | None = None) -> dict:
    status = {"state": "running", "createdAt": "2026-11-23T02:12:00Z", "updatedAt": "2026-11-23T02:12:00Z",
              "readyReplica": 1, "targetReplica": 1}
    if last_used is not None:
        status["lastUsedAt"] = last_used
    return {"name": "fresh", "status": status,
            "compute": {"id": "aws-us-east-1-nvidia-l4-x1", "scaling": {"minReplica": 1, "maxReplica": 1}},
            "model": {"repository": "org/m", "task": "text-generation"}}


def measured(payload):
    return measure(endpoint_created_minutes_ago(), "ns", replica_signals(read_replicas(payload)), None, NOW)[0]


@pytest.mark.parametrize("started", ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2026-11-23T02:10:59Z"])
def test_a_replica_start_before_the_endpoint_existed_is_skipped_and_named(started):
    snap = measured({"items": [{"live": True, "startedAt": started}]})
    assert snap.running_since_source is not UptimeSource.REPLICA, snap.running_since
    assert snap.uptime_seconds(NOW) <= 5 * 60  # never 739929 days
    assert any(started in t and "before status.createdAt 2026-11-23T02:12:00Z" in t for t in snap.tolerated), \
        snap.tolerated


def test_a_replica_start_within_a_minute_of_created_at_is_clock_skew_and_kept():
    snap = measured({"items": [{"live": True, "startedAt": "2026-11-23T02:11:30Z"}]})
    assert snap.running_since_source is UptimeSource.REPLICA and snap.uptime_seconds(NOW) == 5 * 60 + 30


def test_a_replica_start_in_the_future_is_skipped_and_named():
    snap = measured({"items": [{"live": True, "startedAt": "2026-11-23T03:00:00Z"}]})
    assert snap.running_since_source is not UptimeSource.REPLICA
    assert any("2026-11-23T03:00:00Z" in t and "in the future" in t for t in snap.tolerated), snap.tolerated
    near = measured({"items": [{"live": True, "startedAt": "2026-11-23T02:17:30Z"}]})
    assert near.running_since_source is UptimeSource.REPLICA  # 30 s ahead: the clocks disagree, nothing more


def test_an_implausible_replica_does_not_hide_a_plausible_one():
    snap = measured({"items": [{"live": True, "startedAt": "0001-01-01T00:00:00Z"},
                               {"live": True, "startedAt": "2026-11-23T02:13:00Z"}]})
    assert snap.running_since_source is UptimeSource.REPLICA and snap.uptime_seconds(NOW) == 4 * 60


def test_a_live_replica_with_a_stopped_at_is_not_evidence_of_the_current_stretch():
    payload = {"items": [{"name": "old", "live": True, "startedAt": "2026-11-01T00:00:00Z",
                          "stoppedAt": "2026-11-02T00:00:00Z"},
                         {"name": "new", "live": True, "startedAt": "2026-11-23T02:13:00Z"}]}
    reading = read_replicas(payload)
    assert reading.started_at == datetime(2026, 11, 23, 2, 13, tzinfo=UTC)
    assert any("replica 0" in t and "stoppedAt" in t and "skipped" in t for t in reading.tolerated), reading.tolerated
    alone = read_replicas({"items": payload["items"][:1]})
    assert alone.started_at is None and alone.note == "no live replica with a start time"


def test_a_last_used_at_in_the_future_is_ignored_and_named():
    snap, _ = measure(endpoint_created_minutes_ago(last_used="2026-11-24T00:00:00Z"), "ns",
                      replica_signals(read_replicas({"items": [{"live": True, "startedAt": "2026-11-23T02:13:00Z"}]})),
                      None, NOW)
    assert snap.last_activity is None and snap.last_activity_source is IdleSource.UNKNOWN  # not "idle 0s"
    assert any("status.lastUsedAt 2026-11-24T00:00:00Z is in the future" in t for t in snap.tolerated), snap.tolerated
    near, _ = measure(endpoint_created_minutes_ago(last_used="2026-11-23T02:17:20Z"), "ns", replica_signals(
        read_replicas({"items": [{"live": True, "startedAt": "2026-11-23T02:13:00Z"}]})), None, NOW)
    assert near.last_activity_source is IdleSource.LAST_USED_AT  # 20 s ahead: clock skew, read as "just now"

