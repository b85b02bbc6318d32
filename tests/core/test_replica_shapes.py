"""The replica list's wrapper is undocumented: `items`, `replicas` and a bare list are read; anything else is said,
never turned into a misleading "no live replica" (issue #10, item 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.inprocess import env_for, run_watchdog
from watchdog.core.measure import read_replicas
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
