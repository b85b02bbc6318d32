"""A 2xx to pause, resume or scale-to-zero is success, whatever its body (issue #10, item 3).

huggingface_hub parses the answer strictly (`model.task` required, timestamps must end in `Z`): an endpoint that
*was* paused used to be reported as `failed` and the run exited 1.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.inprocess import env_for, run_watchdog
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
NOW_ISO = "2026-11-23T02:17:00Z"
FLEET = {"user": "alice", "resume_delay": 0, "namespaces": {"acme-ml": {"endpoints": [
    {"name": "forgotten", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/m", "running_for": "30h",
     "last_used_ago": "10m"},
    {"name": "idle-l4", "instance": "aws-us-east-1-nvidia-l4-x1", "repository": "org/m", "running_for": "3h",
     "last_used_ago": "3h"},
    {"name": "asleep", "instance": "aws-us-east-1-nvidia-t4-x1", "repository": "org/m", "state": "paused"},
]}}}
POLICY = """version: 1
namespaces: [acme-ml]
defaults: {max_uptime: 12h, max_idle: 2h, action: pause}
endpoints:
  - match: {instance_type: nvidia-l4}
    action: scale-to-zero
"""
ANSWERS = ["unparseable", "empty", "empty-object", "text", "accepted"]


@pytest.fixture
def world(tmp_path):
    (tmp_path / "p.yaml").write_text(POLICY)
    with FakeEndpointsAPI.from_dict(FLEET, FakeClock(NOW)) as api:
        env = env_for(api.base_url, tmp_path)

        def watchdog(*args: str, report: bool = True):
            return run_watchdog([*args, "--now", NOW_ISO, "--policies", str(tmp_path / "p.yaml"), "--state",
                                 str(tmp_path / "s.json")], env, report=tmp_path / "r.json" if report else None)

        yield api, watchdog


@pytest.mark.parametrize("answer", ANSWERS)
def test_run_reports_a_done_pause_and_scale_to_zero_as_done(world, answer):
    api, watchdog = world
    api.set_shapes("acme-ml", actions=answer)
    run = watchdog("run")
    assert run.code == 0, run.stdout + run.stderr
    assert run.endpoint("forgotten")["outcome"] == "paused" and run.endpoint("forgotten")["error"] is None
    assert run.endpoint("idle-l4")["outcome"] == "scaled-to-zero"
    assert api.state_of("acme-ml", "forgotten") == "paused" and api.state_of("acme-ml", "idle-l4") == "scaledToZero"


@pytest.mark.parametrize("answer", ["unparseable", "empty"])
def test_pause_scale_to_zero_and_resume_commands_say_what_was_done(world, answer):
    api, watchdog = world
    api.set_shapes("acme-ml", actions=answer)
    paused = watchdog("pause", "forgotten", report=False)
    assert paused.code == 0, paused.stderr
    assert "acme-ml/forgotten: running → paused" in paused.stdout and "could not" not in paused.stderr
    scaled = watchdog("scale-to-zero", "idle-l4", report=False)
    assert scaled.code == 0 and "→ scaledToZero" in scaled.stdout
    # resume must not say "could not resume" while the endpoint starts billing
    resumed = watchdog("resume", "asleep", report=False)
    assert resumed.code == 0, resumed.stderr
    assert "could not resume" not in resumed.stdout + resumed.stderr
    assert "acme-ml/asleep: resuming (" in resumed.stdout
    assert api.state_of("acme-ml", "asleep") in ("initializing", "running")


def test_resume_of_a_running_endpoint_is_fine_and_other_4xx_fail(world):
    api, watchdog = world
    again = watchdog("resume", "forgotten", report=False)  # 400 "already running": running_ok
    assert again.code == 0 and "(running)" in again.stdout
    from watchdog.fakes.faults import Fault

    api.add_fault(Fault(route="resume", name="asleep", status=409, message="Conflict: quota exceeded"))
    refused = watchdog("resume", "asleep", report=False)
    assert refused.code == 1 and "could not resume acme-ml/asleep" in refused.stderr and "HTTP 409" in refused.stderr


def test_the_state_comes_from_one_get_when_the_body_says_nothing(world):
    api, watchdog = world
    api.set_shapes("acme-ml", "forgotten", actions="empty")
    api.clear_requests()
    assert watchdog("pause", "forgotten", report=False).code == 0
    routes = [e.route for e in api.request_log()]
    assert routes.count("pause") == 1 and routes[routes.index("pause") + 1:] == ["get"]  # exactly one GET after
